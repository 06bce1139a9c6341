/// Exchanges, queues and bindings to declare on every (re)connection; declaring is idempotent.
public struct Topology: Sendable, Hashable {
    public struct Exchange: Sendable, Hashable {
        public var name: String
        /// `topic`, `direct`, `fanout` or `headers`.
        public var type: String
        public init(_ name: String, type: String) {
            self.name = name
            self.type = type
        }
    }

    public struct Binding: Sendable, Hashable {
        public var exchange: String
        public var routingKey: String
        public init(_ exchange: String, _ routingKey: String) {
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    public struct Queue: Sendable, Hashable {
        public var name: String
        public var arguments: [QueueArgument]
        public var bindings: [Binding]
        /// Bindings an earlier version may have made and this one must not keep (a wider routing
        /// key, a type no longer handled): removed after `bindings` are made, on every declaration.
        public var staleBindings: [Binding]
        public init(_ name: String, arguments: [QueueArgument], bindings: [Binding] = [], staleBindings: [Binding] = []) {
            self.name = name
            self.arguments = arguments
            self.bindings = bindings
            self.staleBindings = staleBindings
        }
    }

    public var exchanges: [Exchange]
    public var queues: [Queue]

    public init(exchanges: [Exchange] = [], queues: [Queue] = []) {
        self.exchanges = exchanges
        self.queues = queues
    }

    /// Both topologies together (exchanges and queues of each, duplicates removed).
    public func merging(_ other: Topology) -> Topology {
        var exchanges = self.exchanges
        for exchange in other.exchanges where !exchanges.contains(exchange) { exchanges.append(exchange) }
        var queues = self.queues
        for queue in other.queues where !queues.contains(queue) { queues.append(queue) }
        return Topology(exchanges: exchanges, queues: queues)
    }

    /// Arguments of a durable quorum queue that dead-letters a message to `deadLetterExchange`
    /// once it has been delivered `deliveryLimit` times without an ack.
    public static func quorumArguments(deliveryLimit: Int, deadLetterExchange: String?) -> [QueueArgument] {
        var arguments = [
            QueueArgument("x-queue-type", .string("quorum")),
            QueueArgument("x-delivery-limit", .integer(Int64(deliveryLimit))),
        ]
        if let deadLetterExchange {
            arguments.append(QueueArgument("x-dead-letter-exchange", .string(deadLetterExchange)))
        }
        return arguments
    }

    func declare(on handle: AMQPHandle) throws {
        for exchange in exchanges { try handle.declareExchange(exchange.name, type: exchange.type) }
        for queue in queues {
            try handle.declareQueue(queue.name, arguments: queue.arguments)
            for binding in queue.bindings {
                try handle.bind(queue: queue.name, exchange: binding.exchange, routingKey: binding.routingKey)
            }
            // Bound first, unbound after: the queue never misses a wanted key in between.
            for binding in queue.staleBindings where !queue.bindings.contains(binding) {
                try handle.unbind(queue: queue.name, exchange: binding.exchange, routingKey: binding.routingKey)
            }
        }
    }
}
