import Foundation
import Logging
import ServiceLifecycle
import WhistleMessages
import WhistleReliability

/// Builds notifier: the events consumer that plans and words notifications, the delivery loop
/// that POSTs them signed to each audience's webhook, the reference data, the outbox relay
/// (`notification.sent` / `notification.failed`) and `/healthz` + `/metrics`.
public enum NotifierApp {
    /// The events notifier consumes.
    public static let eventKeys = NotificationHandler.eventKeys

    public static func build(configuration: NotifierConfiguration, logger: Logger) async throws -> ServiceGroup {
        MallocArenas.limit()
        let settings = configuration.service
        let templates = try Templates(overrides: configuration.templatesDirectory)
        let kit = try ServiceKit(configuration: settings, logger: logger)
        let timeZone = TimeZone(identifier: settings.timeZone) ?? .gmt
        let reference = ReferenceCache(pool: kit.pool, timeZone: timeZone, logger: logger)
        let handler = NotificationHandler(
            reference: reference, templates: templates, configuration: configuration, timeZone: timeZone,
            clock: settings.clock.function, logger: logger)
        let consumer = kit.eventsConsumer(name: "notifier", queue: WhistleTopology.notifierEventsQueue, handler: handler)
        // Every commit of this service (new notifications among them) wakes the delivery loop;
        // a file clock can be moved at any moment, so with one the loop looks every 200 ms.
        let deliveries = OutboxSignal()
        kit.signal.forward(to: deliveries)
        let delivery = DeliveryService(
            pool: kit.pool, configuration: configuration, outbox: kit.outbox, signal: kit.signal, wake: deliveries,
            longestSleep: settings.clock == .system ? .seconds(10) : .milliseconds(200),
            alerts: FailureAlerts(reference: reference, templates: templates, configuration: configuration),
            clock: settings.clock.function, logger: logger)
        return kit.serviceGroup(
            consumers: [consumer],
            services: [reference, delivery, kit.dedupRetention(consumers: [consumer], also: [.eventJournal(consumers: ["notifier"])])],
            startup: [StartupStep("reference data", reference.refresh)])
    }
}
