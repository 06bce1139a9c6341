import Foundation
import Logging
import ServiceLifecycle
import WhistleReliability
import WhistleRuntime

/// Builds intake: one batch consumer of `intake.inbound` (everything on `whistle.intake`), one
/// of `intake.events` (`ticket.closed`, to award points: `PointsAwards`), the reference-code
/// cache, the retention pass (`RetentionService`), the outbox relay, and `/healthz` + `/metrics`.
public enum IntakeApp {
    /// The events `intake.events` is bound to (points are awarded when a ticket closes).
    public static let pointsEventKeys = PointsAwards.eventKeys

    /// Connects nothing yet; the group's start-up migrates the schema (waiting for the database)
    /// and loads the reference data before the consumer starts.
    public static func build(configuration: IntakeConfiguration, logger: Logger) async throws -> ServiceGroup {
        MallocArenas.limit()
        let settings = configuration.service
        let kit = try ServiceKit(configuration: settings, logger: logger)
        let timeZone = TimeZone(identifier: settings.timeZone) ?? .gmt
        let reference = ReferenceCache(pool: kit.pool, timeZone: timeZone, logger: logger)
        let handler = IntakeHandler(
            reference: reference, outbox: kit.outbox, timeZone: timeZone, logger: logger, clock: settings.clock.function,
            senders: kit.senders)
        let consumer = kit.consumer(
            name: "intake", queues: [WhistleTopology.intakeQueue],
            topology: WhistleTopology.intake(deliveryLimit: settings.deliveryLimit), handler: handler)
        let points = kit.eventsConsumer(
            name: "intake-points", queue: WhistleTopology.intakeEventsQueue,
            handler: PointsAwards(reference: reference, outbox: kit.outbox, timeZone: timeZone, logger: logger))
        let retention = RetentionService(
            pool: kit.pool, policy: configuration.retention, interval: .milliseconds(configuration.retentionIntervalMilliseconds),
            batchSize: configuration.retentionBatch, clock: settings.clock.function, logger: logger)
        return kit.serviceGroup(
            consumers: [consumer, points], services: [reference, retention, kit.dedupRetention(consumers: [consumer, points])],
            startup: [StartupStep("reference data", reference.refresh)])
    }
}
