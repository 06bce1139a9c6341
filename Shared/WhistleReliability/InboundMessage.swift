import Crypto
import Foundation
import WhistleAMQP
import WhistleMessages

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

    /// Why the publisher's `message_id` is not usable as it is (nil when it is).
    public let messageIdError: FieldError?

    public init(_ delivery: Delivery) {
        var delivery = delivery
        // PostgreSQL text cannot hold U+0000, and AMQP short strings may: a NUL becomes U+FFFD,
        // so that such a message is stored and answered like any other bad one.
        delivery.routingKey = Self.withoutNUL(delivery.routingKey)
        self.delivery = delivery
        if let id = delivery.messageId, id.unicodeScalars.contains("\u{0}") {
            messageId = Self.withoutNUL(id)
            hasOwnMessageId = false
            messageIdError = FieldError(
                field: nil, code: .invalidValue, message: "the AMQP message_id contains a NUL character (shown as U+FFFD)")
        } else if let id = delivery.messageId, !id.isEmpty, id.unicodeScalars.count <= 128 {
            messageId = id
            hasOwnMessageId = true
            messageIdError = nil
        } else {
            messageIdError =
                delivery.messageId.map { !$0.isEmpty } == true
                ? FieldError(field: nil, code: .tooLong, message: "the AMQP message_id is longer than 128 characters")
                : FieldError(field: nil, code: .required, message: "the AMQP message_id property is missing; it is the idempotency key")
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

    static func withoutNUL(_ text: String) -> String {
        guard text.unicodeScalars.contains("\u{0}") else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }))
    }

    /// The body as bytes.
    public var body: [UInt8] { delivery.body }
    /// The SHA-256 of the body, in lowercase hex: what identifies a body that is not kept whole.
    public var bodySHA256: String { SHA256.hash(data: delivery.body).map { String(format: "%02x", $0) }.joined() }
    /// The routing key it was published with.
    public var routingKey: String { delivery.routingKey }
}
