import Foundation
import Hummingbird
import WhistleDomain
import WhistlePostgres
import WhistleRuntime

/// The access records of CONTRACT §8: who read which confidential ticket, or saw a reporter in
/// clear, when and from where. Written in the transaction of the read (a read that cannot be
/// recorded is not answered); served by `GET /v1/access-log` to auditors (everything) and
/// petition bureaus (the tickets of their area subtree).
enum AccessRecords {
    /// One ticket as one response showed it.
    struct Read: Sendable {
        var ticketNo: String
        var area: String?
        var disclosure: TicketDisclosure
    }

    /// Records `reads` in one statement.
    static func record(on connection: PostgresConnection, policy: AccessPolicy, caller: Caller, reads: [Read]) throws {
        let principal = policy.principal
        _ = try connection.query(
            """
            INSERT INTO access_log (subject, department, role, ticket_no, area_code, route, confidential, reporter_in_clear, address)
            SELECT $1, $2, $3, r.ticket_no, r.area_code, $4, r.confidential, r.in_clear, $5
            FROM unnest($6::text[], $7::text[], $8::boolean[], $9::boolean[]) AS r(ticket_no, area_code, confidential, in_clear)
            """,
            [
                principal.subject, principal.department, principal.role.rawValue, caller.route, caller.address,
                reads.map(\.ticketNo), reads.map { $0.area ?? "" }, reads.map(\.disclosure.confidential),
                reads.map(\.disclosure.reporterInClear),
            ])
    }
}

/// `GET /v1/access-log?from=&to=&limit=&offset=`: the access records of the local days `from`…`to`
/// (default: the last 30 days), newest first, paged by `limit` (1…1000, default 100) and
/// `offset`; `next_offset` when more follow. 404 for a caller who may not read them.
extension ReadAPI {
    func accessLog(_ query: [String: String], _ policy: AccessPolicy) async throws -> Response {
        guard policy.readsAccessLog else { throw EvaluatorError("not_found", "no such resource: /v1/access-log", status: .notFound) }
        let today = LocalDate.local(of: Date(), in: timeZone).date
        let range = try QueryParameters.dateRange(
            from: query["from"] ?? (query["to"] == nil ? today.adding(days: -29).description : nil), to: query["to"], today: today)
        let page = try QueryParameters.page(limit: query["limit"], offset: query["offset"], fallback: 100, maximum: 1000)
        let areas = policy.accessLogAreas
        let zone = timeZone.identifier
        let body = try await pool.withConnection { connection in
            try connection.query(
                """
                WITH page AS (
                    SELECT * FROM access_log
                    WHERE at >= ($1::date::timestamp AT TIME ZONE $3) AND at < (($2::date + 1)::timestamp AT TIME ZONE $3)
                      AND ($4::text[] IS NULL OR area_code = ANY($4::text[]))
                    ORDER BY at DESC, id DESC LIMIT $5 + 1 OFFSET $6
                )
                SELECT json_build_object(
                    'from', $1::text, 'to', $2::text,
                    'entries', coalesce((SELECT json_agg(json_build_object(
                        'at', p.at, 'principal', p.subject, 'department', p.department, 'role', p.role, 'ticket_no', p.ticket_no,
                        'area', nullif(p.area_code, ''), 'route', p.route, 'confidential', p.confidential,
                        'reporter_in_clear', p.reporter_in_clear, 'address', p.address) ORDER BY p.at DESC, p.id DESC)
                        FROM (SELECT * FROM page ORDER BY at DESC, id DESC LIMIT $5) p), '[]'),
                    'next_offset', CASE WHEN (SELECT count(*) FROM page) > $5 THEN $6 + $5 END
                )::text
                """, [range.from.description, range.to.description, zone, areas, page.limit, page.offset]
            ).first?.decodeIfPresent(0, as: String.self) ?? "{}"
        }
        return HTTPServer.jsonResponse(body)
    }
}
