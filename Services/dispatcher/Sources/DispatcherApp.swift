import Logging
import ServiceLifecycle
import WhistleMessages
import WhistleReliability

/// Builds dispatcher. In this release it consumes `ticket.accepted` into its journal: the queue,
/// the inbox and the outbox relay are in place for routing and the clocks.
public enum DispatcherApp {
    /// The events dispatcher consumes.
    public static let eventKeys = [EventType.ticketAccepted.routingKey]

    public static func build(configuration: DispatcherConfiguration, logger: Logger) async throws -> ServiceGroup {
        let settings = configuration.service
        let kit = try ServiceKit(configuration: settings, logger: logger)
        try await kit.prepare()
        let consumer = kit.consumer(
            name: "dispatcher", queues: [WhistleTopology.dispatcherEventsQueue],
            topology: WhistleTopology.events(queue: WhistleTopology.dispatcherEventsQueue, keys: eventKeys, deliveryLimit: settings.deliveryLimit),
            handler: EventJournalHandler(consumer: "dispatcher", logger: logger))
        return kit.serviceGroup(consumers: [consumer])
    }
}
