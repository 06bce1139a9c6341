import Foundation
import WhistleMessages
import WhistlePostgres

/// Entries for the append-only timeline, gathered during a batch and inserted in one statement.
public struct TimelineRows: Sendable {
    private var tickets: [String?] = []
    private var types: [String?] = []
    private var actors: [String?] = []
    private var data: [String?] = []
    private var eventIds: [String?] = []

    public init() {}

    public var isEmpty: Bool { tickets.isEmpty }

    /// One state change of `ticketNo`; `data` is any JSON-encodable detail. `eventId` is the
    /// event that announced the change, when one did (`whistlectl scores rebuild` marks it counted).
    public mutating func append<Detail: Encodable>(
        _ ticketNo: String, type: String, actor: String?, detail: Detail, eventId: String? = nil
    ) throws {
        tickets.append(ticketNo)
        types.append(type)
        actors.append(actor)
        eventIds.append(eventId)
        data.append(String(decoding: try WhistleJSON.encode(detail), as: UTF8.self))
    }

    /// The state change an event announces: its type, its data and its id.
    public mutating func append<Payload>(_ event: EventEnvelope<Payload>, actor: String?) throws {
        guard let ticketNo = event.ticketNo else { return }
        try append(ticketNo, type: event.type.rawValue, actor: actor, detail: event.data, eventId: event.eventId)
    }

    /// A state change caused by an inbound message; the detail is its `source`.
    public mutating func append(_ ticketNo: String, type: String, actor: String?, source: MessageSource, eventId: String? = nil) {
        tickets.append(ticketNo)
        types.append(type)
        actors.append(actor)
        eventIds.append(eventId)
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.key("source")
        writer.value(source)
        writer.endObject()
        data.append(String(decoding: writer.bytes, as: UTF8.self))
    }

    /// Inserts every entry with the time `at`.
    public func insert(_ connection: PostgresConnection, at: Date) throws {
        guard !tickets.isEmpty else { return }
        _ = try connection.query(
            """
            INSERT INTO timeline (ticket_no, at, type, actor, data, event_id)
            SELECT t.ticket_no, $5, t.type, t.actor, t.data::jsonb, t.event_id
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::text[])
                WITH ORDINALITY AS t(ticket_no, type, actor, data, event_id, n)
            ORDER BY t.n
            """, [TextArray(tickets), TextArray(types), TextArray(actors), TextArray(data), at, TextArray(eventIds)])
    }
}

/// Lower-case hexadecimal of bytes, for `decode(…, 'hex')` into `bytea`.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: bytes.count * 2)
        for (i, byte) in bytes.enumerated() {
            out[2 * i] = digits[Int(byte >> 4)]
            out[2 * i + 1] = digits[Int(byte & 0x0f)]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
