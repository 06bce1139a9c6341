import WhistlePostgres

/// The inbox: the message ids a consumer has applied, recorded in the transaction of the
/// effect, so that a message delivered twice has one effect.
public enum Inbox {
    /// Records `messageIds` for `consumer`; returns those not seen before (in one statement).
    public static func claim(_ connection: PostgresConnection, consumer: String, messageIds: [String]) throws -> Set<String> {
        guard !messageIds.isEmpty else { return [] }
        let rows = try connection.query(
            """
            INSERT INTO inbox (consumer, message_id)
            SELECT $1, id FROM unnest($2::text[]) AS t(id)
            ON CONFLICT DO NOTHING
            RETURNING message_id
            """, [consumer, Array(Set(messageIds))])
        var fresh = Set<String>()
        for row in rows { fresh.insert(try row.decode(0, as: String.self)) }
        return fresh
    }
}

/// A PostgreSQL text array whose elements may be NULL, for multi-row `unnest` statements.
public struct TextArray: PostgresEncodable {
    public var elements: [String?]
    public init(_ elements: [String?]) { self.elements = elements }
    public var postgresText: String? { PostgresArrayLiteral.encode(elements) }
}
