import Foundation
import Logging
import WhistleDomain
import WhistleMessages
import WhistlePostgres

/// An event as read off `whistle.events`, with `data` kept as parsed JSON.
public struct ReceivedEvent: Sendable {
    public var eventId: String
    public var type: String
    public var occurredAt: Date
    public var ticketNo: String?
    public var data: JSONValue
    /// The raw `data` object as JSON text.
    public var dataJSON: String

    /// Reads an envelope (CONTRACT §5); nil when the body is not one.
    public init?(body: [UInt8]) {
        guard case .object(let fields)? = try? JSONParser().parse(body),
            case .string(let eventId)? = fields["event_id"], case .string(let type)? = fields["type"],
            case .string(let occurred)? = fields["occurred_at"], let occurredAt = RFC3339.parse(occurred)
        else { return nil }
        self.eventId = eventId
        self.type = type
        self.occurredAt = occurredAt
        if case .string(let ticketNo)? = fields["ticket_no"] { self.ticketNo = ticketNo } else { self.ticketNo = nil }
        data = fields["data"] ?? .object([:])
        dataJSON = data.description
    }
}

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
        var events: [ReceivedEvent] = []
        for message in messages {
            guard let event = ReceivedEvent(body: message.body) else {
                logger.warning("not an event envelope; skipped", metadata: ["message.id": "\(message.messageId)", "routing.key": "\(message.routingKey)"])
                continue
            }
            events.append(event)
        }
        try Self.record(events, consumer: consumer, on: connection)
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
