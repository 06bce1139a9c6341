import Foundation
import WhistleAMQP
import WhistleMessages
import WhistlePostgres

/// The outbox of one service: messages written in the transaction of the effect, published
/// afterwards by that service's `OutboxRelay` with publisher confirms.
public struct Outbox: Sendable {
    /// The service whose relay publishes these rows.
    public let publisher: String

    public init(publisher: String) { self.publisher = publisher }

    /// Adds messages to the outbox in one multi-row statement.
    public func enqueue(_ connection: PostgresConnection, _ messages: [OutboundMessage]) throws {
        guard !messages.isEmpty else { return }
        _ = try connection.query(
            """
            INSERT INTO outbox (publisher, exchange, routing_key, message_id, type, body, mandatory)
            SELECT $1, m.* FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[]) AS m
            """,
            [
                publisher, TextArray(messages.map(\.exchange)), TextArray(messages.map(\.routingKey)),
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
