import Foundation
import WhistleAMQP
import WhistleMessages
import WhistlePostgres

/// The outbox: messages written in the transaction of the effect, published afterwards by an
/// `OutboxRelay` with publisher confirms.
public enum Outbox {
    /// Adds messages to the outbox in one multi-row statement.
    public static func enqueue(_ connection: PostgresConnection, _ messages: [OutboundMessage]) throws {
        guard !messages.isEmpty else { return }
        _ = try connection.query(
            """
            INSERT INTO outbox (exchange, routing_key, message_id, type, body, mandatory)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[])
            """,
            [
                TextArray(messages.map(\.exchange)), TextArray(messages.map(\.routingKey)),
                TextArray(messages.map(\.messageId)), TextArray(messages.map(\.type)),
                TextArray(messages.map { String(decoding: $0.body, as: UTF8.self) }),
                TextArray(messages.map { $0.mandatory ? "t" : "f" }),
            ])
    }

    /// An event on `whistle.events`: AMQP `message_id` = `event_id`, `type` = the event type.
    public static func event<Payload: Codable & Sendable>(_ envelope: EventEnvelope<Payload>) throws -> OutboundMessage {
        OutboundMessage(
            exchange: Exchange.events, routingKey: envelope.type.routingKey, body: Array(try WhistleJSON.encode(envelope)),
            messageId: envelope.eventId, type: envelope.type.rawValue)
    }
}

/// Wakes the relay when a transaction has just written to the outbox.
public final class OutboxSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false

    public init() {}

    /// Something was committed to the outbox.
    public func notify() { lock.withLock { pending = true } }

    /// Waits until notified or `milliseconds` pass; clears the notification.
    public func wait(milliseconds: Int) async {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(milliseconds)
        while clock.now < deadline {
            if take() { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func take() -> Bool {
        lock.withLock {
            defer { pending = false }
            return pending
        }
    }
}
