import Foundation
import Logging
import WhistleMessages
import WhistlePostgres

/// Records the events a service acts on in `event_journal`, once each (one statement per batch).
/// Bodies that are not event envelopes are logged and skipped, never retried forever.
public struct EventJournalHandler: BatchHandler {
    public let consumer: String
    public let logger: Logger

    public init(consumer: String, logger: Logger) {
        self.consumer = consumer
        self.logger = logger
    }

    public func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
        try Self.record(Self.events(messages, logger: logger), consumer: consumer, on: connection)
    }

    /// The messages that are event envelopes; each other one is logged (with why) and left out.
    public static func events(_ messages: [InboundMessage], logger: Logger) -> [ReceivedEvent] {
        var events: [ReceivedEvent] = []
        events.reserveCapacity(messages.count)
        for message in messages {
            do {
                events.append(try ReceivedEvent(body: message.body))
            } catch {
                logger.warning(
                    "not an event envelope; skipped",
                    metadata: ["message.id": "\(message.messageId)", "routing.key": "\(message.routingKey)", "error": "\(error)"])
            }
        }
        return events
    }

    /// Inserts the events (a repeat of an event id is ignored).
    public static func record(_ events: [ReceivedEvent], consumer: String, on connection: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        _ = try connection.query(
            """
            INSERT INTO event_journal (consumer, event_id, event_type, ticket_no, occurred_at, data)
            SELECT $1, e.id, e.type, e.ticket, e.at::timestamptz, e.data::jsonb
            FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS e(id, type, ticket, at, data)
            ON CONFLICT DO NOTHING
            """,
            [
                consumer, TextArray(events.map(\.eventId)), TextArray(events.map(\.type)), TextArray(events.map(\.ticketNo)),
                TextArray(events.map { RFC3339.format($0.occurredAt) }), TextArray(events.map(\.dataJSON)),
            ])
    }
}
