import Foundation
import Histogram
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// Reads intake's outcome events for one bench run from a private queue and records the
/// latency from publish to event.
final class OutcomeObserver: @unchecked Sendable {
    private let consumer: AMQPConsumer
    private let configuration: AMQPConfiguration
    private let queue: String
    private let run: String
    private(set) var latencies = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    private(set) var outcomes: [String: Int] = [:]
    /// The demand (bench message id) that opened each ticket.
    private(set) var openedBy: [String: String] = [:]
    /// Tickets the dispatcher sent to a command center's triage (`ticket.triage`): they reach no
    /// department queue until someone routes them by hand. Any run's; intersect with `openedBy`.
    private(set) var triaged = Set<String>()
    private var seen = Set<String>()
    /// When the latest new outcome arrived.
    private(set) var lastArrival: ContinuousClock.Instant?

    init(configuration: AMQPConfiguration, run: String) async throws {
        self.run = run
        self.configuration = configuration
        queue = "bench.\(run)"
        var topology = WhistleTopology.base
        let keys = [EventType.ticketAccepted, .ticketMerged, .demandDuplicate, .demandRejected, .ticketTriage].map {
            Topology.Binding(Exchange.events, $0.routingKey)
        }
        topology.queues.append(.init(queue, arguments: [QueueArgument("x-queue-type", .string("classic"))], bindings: keys))
        consumer = AMQPConsumer(
            configuration: configuration, name: "bench-observer", queues: [queue], prefetch: 2000, topology: topology,
            logger: .init(label: "bench"))
        try await consumer.start()
    }

    /// Takes whatever events are waiting, without blocking for long.
    func collect(published: [String: ContinuousClock.Instant]) async {
        _ = try? await drain(sentAt: { published[$0] }, waitMilliseconds: 1)
    }

    /// Takes the events waiting (up to `waitMilliseconds` for the first); returns how many were new.
    func collect(sentAt: (String) -> ContinuousClock.Instant?, waitMilliseconds: Int) async throws -> Int {
        let before = seen.count
        try await drain(sentAt: sentAt, waitMilliseconds: waitMilliseconds)
        return seen.count - before
    }

    /// The tickets of this run that went to triage.
    var triagedOfRun: Int { triaged.reduce(0) { $0 + (openedBy[$1] == nil ? 0 : 1) } }

    /// How many outcomes have arrived.
    var outcomeCount: Int { seen.count }

    /// Reads until `count` outcomes have arrived; returns when the last one did.
    func waitAll(_ count: Int, published: [String: ContinuousClock.Instant], progress: Bool) async throws -> ContinuousClock.Instant {
        var last = ContinuousClock.now
        var lastPrint = ContinuousClock.now
        var idleSince = ContinuousClock.now
        while seen.count < count {
            let before = seen.count
            try await drain(sentAt: { published[$0] }, waitMilliseconds: 200)
            if seen.count > before {
                last = .now
                idleSince = .now
            } else if ContinuousClock.now - idleSince > .seconds(60) {
                throw BenchError("no outcome for 60 s: \(seen.count) of \(count) arrived (is intake running?)")
            }
            if progress, ContinuousClock.now - lastPrint > .seconds(1) {
                lastPrint = .now
                FileHandle.standardError.write(Data("\r\(seen.count)/\(count) outcomes".utf8))
            }
        }
        return last
    }

    private func drain(sentAt: (String) -> ContinuousClock.Instant?, waitMilliseconds: Int) async throws {
        let batch = try await consumer.nextBatch(max: 2000, waitMilliseconds: waitMilliseconds, lingerMilliseconds: 2)
        guard let lastDelivery = batch.last else { return }
        let arrived = ContinuousClock.now
        for delivery in batch {
            guard let event = try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any] else { continue }
            if event["type"] as? String == EventType.ticketTriage.rawValue, let ticketNo = event["ticket_no"] as? String {
                triaged.insert(ticketNo)
                continue
            }
            guard let source = (event["data"] as? [String: Any])?["source"] as? [String: Any],
                let messageId = source["message_id"] as? String, messageId.hasPrefix(run), seen.insert(messageId).inserted
            else { continue }
            outcomes[event["type"] as? String ?? "?", default: 0] += 1
            lastArrival = arrived
            if event["type"] as? String == EventType.ticketAccepted.rawValue, let ticketNo = event["ticket_no"] as? String {
                openedBy[ticketNo] = messageId
            }
            if let sent = sentAt(messageId) {
                let elapsed = arrived - sent
                _ = latencies.record(
                    UInt64(max(0, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)))
            }
        }
        try await consumer.ack(through: lastDelivery)
    }

    func close() async {
        let admin = AMQPConnection(configuration: configuration, name: "bench-admin", logger: .init(label: "bench"))
        await consumer.close()
        try? await admin.deleteQueue(queue)
        await admin.close()
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
