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
        MallocArenas.limit()
        let settings = configuration.service
        let kit = try ServiceKit(configuration: settings, logger: logger)
        let timeZone = TimeZone(identifier: settings.timeZone) ?? .gmt
        let reference = ReferenceCache(pool: kit.pool, timeZone: timeZone, logger: logger)
        let context = DispatchContext(
            reference: reference, outbox: kit.outbox, clock: settings.clock.function, logger: logger,
            instance: DispatchContext.instanceName(), senders: configuration.replySenders)
        let events = kit.eventsConsumer(
            name: "dispatcher", queue: WhistleTopology.dispatcherEventsQueue, handler: EventHandler(context: context))
        let replies = kit.consumer(
            name: "dispatcher-replies", queues: [WhistleTopology.dispatcherRepliesQueue],
            topology: WhistleTopology.replies(deliveryLimit: settings.deliveryLimit), handler: ReplyHandler(context: context))
        let departments = DepartmentQueues(pool: kit.pool, amqp: kit.amqp, deliveryLimit: settings.deliveryLimit, logger: logger)
        let timers = TimerService(
            pool: kit.pool, context: context, interval: .milliseconds(configuration.timerIntervalMilliseconds),
            batchSize: configuration.timerBatch, signal: kit.signal)
        // Department queues at start-up, so that the first assignments find their queues.
        let startup = [StartupStep("reference data", reference.refresh), StartupStep("department queues", departments.declareNew)]
        let retention = kit.dedupRetention(consumers: [events, replies], also: [.finishedTimers])
        return kit.serviceGroup(consumers: [events, replies], services: [reference, departments, timers, retention], startup: startup)
    }
}
