import Logging
import ServiceLifecycle
import WhistleMessages
import WhistleReliability

/// Builds evaluator: the read API (reference data and tickets) and, in this release, a consumer
/// that records `ticket.accepted` in its journal for the scores to come.
public enum EvaluatorApp {
    /// The events evaluator consumes.
    public static let eventKeys = [EventType.ticketAccepted.routingKey]

    public static func build(configuration: EvaluatorConfiguration, logger: Logger) async throws -> ServiceGroup {
        let settings = configuration.service
        let kit = try ServiceKit(configuration: settings, logger: logger)
        try await kit.prepare()
        let consumer = kit.consumer(
            name: "evaluator", queues: [WhistleTopology.evaluatorEventsQueue],
            topology: WhistleTopology.events(queue: WhistleTopology.evaluatorEventsQueue, keys: eventKeys, deliveryLimit: settings.deliveryLimit),
            handler: EventJournalHandler(consumer: "evaluator", logger: logger))
        let pool = kit.pool
        return kit.serviceGroup(consumers: [consumer]) { router in
            ReadAPI.routes(router, pool: pool, logger: logger)
        }
    }
}
