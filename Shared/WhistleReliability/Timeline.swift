import Foundation
import WhistleMessages
import WhistlePostgres

/// Entries for the append-only timeline, gathered during a batch and inserted in one statement.
public struct TimelineRows: Sendable {
    private var tickets: [String?] = []
    private var types: [String?] = []
    private var actors: [String?] = []
    private var data: [String?] = []

    public init() {}

    public var isEmpty: Bool { tickets.isEmpty }

    /// One state change of `ticketNo`; `data` is any JSON-encodable detail.
    public mutating func append<Detail: Encodable>(_ ticketNo: String, type: String, actor: String?, detail: Detail) throws {
        tickets.append(ticketNo)
        types.append(type)
        actors.append(actor)
        data.append(String(decoding: try WhistleJSON.encode(detail), as: UTF8.self))
    }

    /// A state change caused by an inbound message; the detail is its `source`.
    public mutating func append(_ ticketNo: String, type: String, actor: String?, source: MessageSource) {
        tickets.append(ticketNo)
        types.append(type)
        actors.append(actor)
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
            INSERT INTO timeline (ticket_no, at, type, actor, data)
            SELECT t.ticket_no, $5, t.type, t.actor, t.data::jsonb
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(ticket_no, type, actor, data, n)
            ORDER BY t.n
            """, [TextArray(tickets), TextArray(types), TextArray(actors), TextArray(data), at])
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
