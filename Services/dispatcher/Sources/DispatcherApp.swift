import Logging
import ServiceLifecycle
import WhistleMessages
import WhistleReliability

/// Builds dispatcher. In this release it declares every department's queue and consumes
/// `ticket.accepted` into its journal: the queue, the inbox and the outbox relay are in place
/// for routing and the clocks.
public enum DispatcherApp {
    /// The events dispatcher consumes.
    public static let eventKeys = [EventType.ticketAccepted.routingKey]

    public static func build(configuration: DispatcherConfiguration, logger: Logger) async throws -> ServiceGroup {
        let kit = try ServiceKit(configuration: configuration.service, logger: logger)
        try await kit.prepare()
        let consumer = kit.journalConsumer(name: "dispatcher", queue: WhistleTopology.dispatcherEventsQueue, eventKeys: eventKeys)
        let departments = DepartmentQueues(
            pool: kit.pool, amqp: kit.amqp, deliveryLimit: configuration.service.deliveryLimit, logger: logger)
        return kit.serviceGroup(consumers: [consumer], services: [departments])
    }
}
