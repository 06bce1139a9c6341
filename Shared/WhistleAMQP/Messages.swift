import Foundation

/// A message to publish: persistent, `application/json` unless said otherwise, with a
/// `message_id` that receivers use as the idempotency key.
public struct OutboundMessage: Sendable, Hashable {
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var messageId: String
    /// The AMQP `type` property (the event type for events).
    public var type: String?
    public var contentType: String
    /// Ask the broker to return the message when no queue is bound for it.
    public var mandatory: Bool
    /// String headers (AMQP `headers` table, long strings), e.g. `x-whistle-adapter`; none by default.
    public var headers: [String: String]

    public init(
        exchange: String, routingKey: String, body: [UInt8], messageId: String, type: String? = nil,
        contentType: String = "application/json", mandatory: Bool = false, headers: [String: String] = [:]
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.messageId = messageId
        self.type = type
        self.contentType = contentType
        self.mandatory = mandatory
        self.headers = headers
    }
}

/// What the broker said about one published message.
public enum PublishOutcome: Sendable, Hashable {
    /// The broker took responsibility (persisted to every matching durable queue).
    case confirmed
    /// Mandatory and unroutable: no queue was bound for it.
    case returned
    /// The broker refused it (`basic.nack`); publishing again may succeed.
    case nacked
}

/// One message received from a queue, copied out of rabbitmq-c's buffers.
public struct Delivery: Sendable {
    public var body: [UInt8]
    public var exchange: String
    public var routingKey: String
    public var messageId: String?
    public var type: String?
    /// The broker-validated `user_id` property, when the publisher set it.
    public var userId: String?
    public var contentType: String?
    public var redelivered: Bool
    /// Quorum queues count deliveries in `x-delivery-count` (absent on the first delivery).
    public var deliveryCount: Int
    public var deliveryTag: UInt64
    /// The connection generation the tag belongs to; tags of an older connection are void.
    public var generation: UInt64
    /// Where a dead-lettered message first died (its `x-first-death-*` headers).
    public var deadLetter: DeadLetter?
    /// The string-valued headers whose name starts with `x-whistle-` (what a gateway says of a
    /// demand's origin); other headers are not copied.
    public var whistleHeaders: [String: String] = [:]

    public init(
        body: [UInt8], exchange: String, routingKey: String, messageId: String?, type: String? = nil,
        userId: String? = nil, contentType: String? = nil, redelivered: Bool = false, deliveryCount: Int = 0,
        deliveryTag: UInt64 = 0, generation: UInt64 = 0, deadLetter: DeadLetter? = nil
    ) {
        self.deadLetter = deadLetter
        self.body = body
        self.exchange = exchange
        self.routingKey = routingKey
        self.messageId = messageId
        self.type = type
        self.userId = userId
        self.contentType = contentType
        self.redelivered = redelivered
        self.deliveryCount = deliveryCount
        self.deliveryTag = deliveryTag
        self.generation = generation
    }
}

/// The broker's record of a dead-lettered message: the exchange it was first published to, the
/// queue it died in, and why (`delivery_limit`, `rejected`, `expired`, `maxlen`).
public struct DeadLetter: Sendable, Hashable {
    public var exchange: String
    public var queue: String
    public var reason: String
    public init(exchange: String, queue: String, reason: String) {
        self.exchange = exchange
        self.queue = queue
        self.reason = reason
    }
}

/// A queue argument (`x-queue-type`, `x-delivery-limit`, `x-dead-letter-exchange`, …).
public struct QueueArgument: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case string(String)
        case integer(Int64)
    }
    public var key: String
    public var value: Value
    public init(_ key: String, _ value: Value) {
        self.key = key
        self.value = value
    }
}
