import Logging
import ServiceLifecycle
import WhistleMessages
import WhistleReliability

/// Builds notifier. In this release it consumes `ticket.accepted` into its journal: the queue,
/// the inbox and the outbox relay are in place for rendering and delivering notifications.
public enum NotifierApp {
    /// The events notifier consumes.
    public static let eventKeys = [EventType.ticketAccepted.routingKey]

    public static func build(configuration: NotifierConfiguration, logger: Logger) async throws -> ServiceGroup {
        let kit = try ServiceKit(configuration: configuration.service, logger: logger)
        try await kit.prepare()
        let consumer = kit.journalConsumer(name: "notifier", queue: WhistleTopology.notifierEventsQueue, eventKeys: eventKeys)
        return kit.serviceGroup(consumers: [consumer])
    }
}
