import Foundation
import Logging
import Metrics
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Evaluator's consumer of `whistle.events`: each event is counted once (by its `event_id` in
/// `evaluator_applied`, whatever the delivery), into the departments' KPIs (`KPIFold`) and the
/// demand statistics; the pairs that gained demands are checked for hotspots.
struct EvaluatorHandler: EventsHandler {
    /// The events evaluator consumes.
    static let eventKeys = (KPIFold.eventTypes.union(DemandStatistics.countedTypes)).sorted()

    let outbox: Outbox
    let timeZone: TimeZone
    let detector: HotspotDetector
    let logger: Logger
    private let counted = Counter(label: "whistle_evaluator_events_counted_total")
    private let repeated = Counter(label: "whistle_evaluator_events_repeated_total")
    private let hotspots = Counter(label: "whistle_hotspots_detected_total")

    init(outbox: Outbox, timeZone: TimeZone, detector: HotspotDetector, logger: Logger) {
        self.outbox = outbox
        self.timeZone = timeZone
        self.detector = detector
        self.logger = logger
    }

    func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
        let events = EventJournalHandler.events(messages, logger: logger)
        guard !events.isEmpty else { return }
        try KPIStore.lockForEvents(connection)
        let fresh = try KPIStore.markApplied(events.map(\.eventId), on: connection)
        var ledger = KPILedger(timeZone: timeZone)
        var statistics = DemandStatistics()
        var seen = Set<String>()
        for event in events where fresh.contains(event.eventId) && seen.insert(event.eventId).inserted {
            do {
                try ledger.add(type: event.type, occurredAt: event.occurredAt, data: event.data)
            } catch {
                logger.warning(
                    "unreadable event data; not counted in the KPIs",
                    metadata: ["event.id": "\(event.eventId)", "event.type": "\(event.type)", "error": "\(error)"])
            }
            statistics.add(event)
        }
        try KPIStore.add(ledger, on: connection)
        try statistics.write(on: connection)
        let alerts = try detector.detect(statistics.touched, on: connection)
        try outbox.enqueue(connection, alerts)
        counted.increment(by: Int64(seen.count))
        repeated.increment(by: Int64(events.count - seen.count))
        hotspots.increment(by: Int64(alerts.count))
    }
}
