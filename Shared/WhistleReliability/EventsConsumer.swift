import Logging
import WhistleAMQP
import WhistleMessages
import WhistlePostgres

/// A handler of `whistle.events` that names the event types it handles. That one list both binds
/// its queue (`WhistleTopology.events`: one binding per type, every other binding an earlier
/// version may have made removed at start-up) and filters what reaches the handler, so that the
/// broker delivers, and Raft-replicates, only events the consumer acts on.
public protocol EventsHandler: BatchHandler {
    /// The routing keys (event types) this handler handles.
    static var eventKeys: [String] { get }
}

/// Passes on the messages its handler handles. What a queue still holds from a wider binding of
/// an earlier version (routed by `whistle.events` under a key the handler does not list) is
/// acknowledged with no effect (its inbox row keeps a redelivery harmless, as for any other
/// message). A message put straight into the queue (the default exchange: an operator's replay
/// of a dead letter, a test) is not filtered: the handler decides by its type, as it always has.
struct HandledEvents<Handler: EventsHandler>: BatchHandler {
    let handler: Handler
    let keys: Set<String>
    let logger: Logger

    init(_ handler: Handler, logger: Logger) {
        self.handler = handler
        self.keys = Set(Handler.eventKeys)
        self.logger = logger
    }

    func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
        let handled = messages.filter { $0.delivery.exchange != Exchange.events || keys.contains($0.routingKey) }
        if handled.count < messages.count {
            logger.debug(
                "events of types this consumer does not handle; acknowledged, nothing applied",
                metadata: ["skipped": "\(messages.count - handled.count)"])
        }
        guard !handled.isEmpty else { return }
        try handler.apply(handled, on: connection)
    }
}

extension ServiceKit {
    /// A batch consumer of `queue` on `whistle.events`, bound to exactly `Handler.eventKeys`
    /// (a durable quorum queue with the delivery limit and the dead-letter exchange, as every
    /// queue), with stale bindings removed on every (re)connection and the handler given only the
    /// types it handles.
    public func eventsConsumer<Handler: EventsHandler>(name: String, queue: String, handler: Handler) -> BatchConsumer {
        consumer(
            name: name, queues: [queue],
            topology: WhistleTopology.events(queue: queue, keys: Handler.eventKeys, deliveryLimit: configuration.deliveryLimit),
            handler: HandledEvents(handler, logger: logger))
    }
}
