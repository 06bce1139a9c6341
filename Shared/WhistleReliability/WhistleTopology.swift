import WhistleAMQP
import WhistleMessages

/// The broker topology of CONTRACT v1 and the services' own queues.
///
/// Every exchange is durable; every queue is a durable quorum queue with a delivery limit that
/// dead-letters to `whistle.dlx`. Dead letters collect in `whistle.dead-letters`.
public enum WhistleTopology {
    /// The queue intake consumes: everything published to `whistle.intake`.
    public static let intakeQueue = "intake.inbound"
    /// The queue intake consumes events from (`ticket.closed`, to award points).
    public static let intakeEventsQueue = "intake.events"
    /// The queue dispatcher consumes events from.
    public static let dispatcherEventsQueue = "dispatcher.events"
    /// The queue dispatcher consumes department replies from.
    public static let dispatcherRepliesQueue = "dispatcher.replies"
    /// The queue notifier consumes events from.
    public static let notifierEventsQueue = "notifier.events"
    /// The queue evaluator consumes events from.
    public static let evaluatorEventsQueue = "evaluator.events"
    /// Where dead letters wait for an operator.
    public static let deadLetterQueue = "whistle.dead-letters"
    /// How often a message is delivered without an ack before it dead-letters, unless
    /// `WHISTLE_DELIVERY_LIMIT` says otherwise (`ServiceConfiguration.deliveryLimit`'s default;
    /// a unit test keeps the two equal). The services and `whistlectl seed` declare their queues
    /// with the same limit, so that neither finds the other's queue with other arguments.
    public static let defaultDeliveryLimit = 5

    /// The five exchanges of CONTRACT v1.
    public static let exchanges: [Topology.Exchange] = [
        .init(Exchange.intake, type: "topic"),
        .init(Exchange.dispatch, type: "direct"),
        .init(Exchange.replies, type: "topic"),
        .init(Exchange.events, type: "topic"),
        .init(Exchange.deadLetters, type: "topic"),
    ]

    /// Exchanges plus the dead-letter queue: what every publisher declares.
    public static var base: Topology {
        Topology(
            exchanges: exchanges,
            queues: [
                .init(
                    deadLetterQueue, arguments: [QueueArgument("x-queue-type", .string("quorum"))],
                    bindings: [.init(Exchange.deadLetters, "#")])
            ])
    }

    /// A service queue bound to `exchange` with each routing key.
    public static func queue(_ name: String, deliveryLimit: Int, bindings: [Topology.Binding]) -> Topology.Queue {
        .init(
            name, arguments: Topology.quorumArguments(deliveryLimit: deliveryLimit, deadLetterExchange: Exchange.deadLetters),
            bindings: bindings)
    }

    /// Intake's queue: every routing key on `whistle.intake`, so that nothing is dropped unseen.
    public static func intake(deliveryLimit: Int) -> Topology {
        var topology = base
        topology.queues.append(queue(intakeQueue, deliveryLimit: deliveryLimit, bindings: [.init(Exchange.intake, "#")]))
        return topology
    }

    /// A consumer of `whistle.events` for the given event types (`#` for all). A queue of an
    /// upgraded broker may still carry bindings of an earlier version: `staleEventBindings` are
    /// removed every time the queue is declared.
    public static func events(queue name: String, keys: [String], deliveryLimit: Int) -> Topology {
        var topology = base
        var events = queue(name, deliveryLimit: deliveryLimit, bindings: keys.map { .init(Exchange.events, $0) })
        events.staleBindings = staleEventBindings(keeping: keys)
        topology.queues.append(events)
        return topology
    }

    /// The bindings to `whistle.events` that a queue bound to `keys` must not keep: the wildcards
    /// an earlier version bound (`#`, `*.*`) and every event type of CONTRACT §5 not in `keys`
    /// (a type a consumer no longer handles). Unbinding one that does not exist is no error.
    public static func staleEventBindings(keeping keys: [String]) -> [Topology.Binding] {
        let wildcards = ["#", "*.*"]
        let types = EventType.allCases.map(\.routingKey)
        return (wildcards + types).filter { !keys.contains($0) }.map { .init(Exchange.events, $0) }
    }

    /// Dispatcher's replies queue: every routing key on `whistle.replies` (departments' codes and
    /// the command centers' `triage.<code>`), so that no reply goes unanswered.
    public static func replies(deliveryLimit: Int) -> Topology {
        var topology = base
        topology.queues.append(queue(dispatcherRepliesQueue, deliveryLimit: deliveryLimit, bindings: [.init(Exchange.replies, "#")]))
        return topology
    }

    /// A department's queue `dept.<code>`, bound to `whistle.dispatch` with its code.
    public static func department(_ code: String, deliveryLimit: Int) -> Topology.Queue {
        queue(departmentQueue(code), deliveryLimit: deliveryLimit, bindings: [.init(Exchange.dispatch, code)])
    }

    /// The departments' queues `dept.<code>` with the exchanges their bindings and dead-letter
    /// arguments name: what dispatcher declares for every active department and `whistlectl seed`
    /// for the seed's (CONTRACT: a department can consume before its first assignment).
    public static func departmentQueues(_ codes: [String], deliveryLimit: Int) -> Topology {
        Topology(exchanges: exchanges, queues: codes.map { department($0, deliveryLimit: deliveryLimit) })
    }
}
