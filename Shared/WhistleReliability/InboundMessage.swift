import Crypto
import Foundation
import WhistleAMQP

/// A delivery with the idempotency key its consumer records in the inbox.
public struct InboundMessage: Sendable {
    public var delivery: Delivery
    /// The AMQP `message_id`, or — when the publisher sent none — `sha256:` and the digest of
    /// the routing key and body, so that a redelivery still has one effect.
    public var messageId: String
    /// False when `messageId` was derived because the publisher omitted it.
    public var hasOwnMessageId: Bool
    /// The inbox key: `message_id` is unique per publisher, and a publisher is known by its
    /// routing key (each adapter publishes its own channel) and, when set, its `user_id`.
    public var inboxKey: String {
        if let user = delivery.userId, !user.isEmpty { return "\(delivery.routingKey)|\(user)|\(messageId)" }
        return "\(delivery.routingKey)|\(messageId)"
    }

    public init(_ delivery: Delivery) {
        self.delivery = delivery
        if let id = delivery.messageId, !id.isEmpty, id.unicodeScalars.count <= 128 {
            messageId = id
            hasOwnMessageId = true
        } else {
            var hasher = SHA256()
            hasher.update(data: Array(delivery.routingKey.utf8))
            hasher.update(data: [0])
            if let id = delivery.messageId { hasher.update(data: Array(id.utf8)) }
            hasher.update(data: [0])
            hasher.update(data: delivery.body)
            messageId = "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
            hasOwnMessageId = false
        }
    }

    /// The body as bytes.
    public var body: [UInt8] { delivery.body }
    /// The routing key it was published with.
    public var routingKey: String { delivery.routingKey }
}
