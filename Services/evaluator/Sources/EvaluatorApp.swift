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
        let kit = try ServiceKit(configuration: configuration.service, logger: logger)
        try await kit.prepare()
        let consumer = kit.journalConsumer(name: "evaluator", queue: WhistleTopology.evaluatorEventsQueue, eventKeys: eventKeys)
        let pool = kit.pool
        return kit.serviceGroup(consumers: [consumer]) { router in
            ReadAPI.routes(router, pool: pool, logger: logger)
        }
    }
}
