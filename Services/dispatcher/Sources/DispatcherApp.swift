import Foundation
import Logging
import ServiceLifecycle
import WhistleMessages
import WhistleReliability

/// Builds dispatcher: the events consumer (route new tickets, escalate repeated ones, feedback),
/// the replies consumer (department replies, command-center routings), the clocks, the
/// department queues, the reference data, the outbox relay and `/healthz` + `/metrics`.
public enum DispatcherApp {
    /// The events dispatcher consumes.
    public static let eventKeys = EventHandler.eventKeys

    public static func build(configuration: DispatcherConfiguration, logger: Logger) async throws -> ServiceGroup {
        let settings = configuration.service
        let kit = try ServiceKit(configuration: settings, logger: logger)
        try await kit.prepare()
        let timeZone = TimeZone(identifier: settings.timeZone) ?? .gmt
        let reference = ReferenceCache(pool: kit.pool, timeZone: timeZone, logger: logger)
        try? await reference.refresh()
        let context = DispatchContext(
            reference: reference, outbox: kit.outbox, clock: settings.clock.function, logger: logger,
            instance: DispatchContext.instanceName(), senders: configuration.replySenders)
        let events = kit.consumer(
            name: "dispatcher", queues: [WhistleTopology.dispatcherEventsQueue],
            topology: WhistleTopology.events(queue: WhistleTopology.dispatcherEventsQueue, keys: eventKeys, deliveryLimit: settings.deliveryLimit),
            handler: EventHandler(context: context))
        let replies = kit.consumer(
            name: "dispatcher-replies", queues: [WhistleTopology.dispatcherRepliesQueue],
            topology: WhistleTopology.replies(deliveryLimit: settings.deliveryLimit), handler: ReplyHandler(context: context))
        let departments = DepartmentQueues(pool: kit.pool, amqp: kit.amqp, deliveryLimit: settings.deliveryLimit, logger: logger)
        // Department queues first, so that the first assignments find their queues.
        try? await departments.declareNew()
        let timers = TimerService(
            pool: kit.pool, context: context, interval: .milliseconds(configuration.timerIntervalMilliseconds),
            batchSize: configuration.timerBatch, signal: kit.signal)
        return kit.serviceGroup(consumers: [events, replies], services: [reference, departments, timers])
    }
}
