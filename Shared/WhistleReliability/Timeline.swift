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
    /// The sources of the entries appended with one, by position; `insert` writes their `data`.
    private var sources: [Int: MessageSource] = [:]

    /// The detail of an entry caused by an inbound message.
    private struct SourceDetail: Encodable {
        let source: MessageSource
    }

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

    /// A state change caused by an inbound message; the detail is `{"source": …}`, encoded when
    /// the rows are inserted.
    public mutating func append(_ ticketNo: String, type: String, actor: String?, source: MessageSource, eventId: String? = nil) {
        tickets.append(ticketNo)
        types.append(type)
        actors.append(actor)
        eventIds.append(eventId)
        sources[data.count] = source
        data.append(nil)
    }

    /// Inserts every entry with the time `at` into the writing service's own table (`timeline`
    /// is the view over both).
    public func insert(_ connection: PostgresConnection, at: Date, into table: TimelineTable) throws {
        guard !tickets.isEmpty else { return }
        var data = self.data
        for (index, source) in sources {
            data[index] = String(decoding: try WhistleJSON.encode(SourceDetail(source: source)), as: UTF8.self)
        }
        _ = try connection.query(
            """
            INSERT INTO \(table.rawValue) (ticket_no, at, type, actor, data, event_id)
            SELECT t.ticket_no, $5, t.type, t.actor, t.data::jsonb, t.event_id
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::text[])
                WITH ORDINALITY AS t(ticket_no, type, actor, data, event_id, n)
            ORDER BY t.n
            """, [TextArray(tickets), TextArray(types), TextArray(actors), TextArray(data), at, TextArray(eventIds)])
    }
}

/// The timeline's tables, one per writing service; readers read the view `timeline`.
public enum TimelineTable: String, Sendable {
    /// Intake's entries: acceptance, links, merges, duplicates, feedback and evaluations.
    case intake = "intake_timeline"
    /// Dispatcher's entries: every step of the dispatch flow.
    case dispatch = "dispatch_timeline"
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
