import Foundation
import Hummingbird
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleRuntime

/// `GET /v1/tickets` (extension of CONTRACT §7): tickets newest first, filtered, paged by key.
///
/// Filters: `status`, `lead_department`, `escalated=true` (open and escalated), `overdue=true`
/// (open with an assignment past its acknowledge or resolve deadline now). Paging: `limit`
/// (1…200, default 50) and `before` (a ticket number: the page after it); the answer's
/// `next_before` is the cursor of the next page, absent on the last. Only tickets in the caller's
/// scope are listed (in SQL, so pages stay full); each item shows what `TicketDisclosure` lets
/// the caller read, and petition bureaus' reads of petitions are recorded.
extension ReadAPI {
    static let statuses = ["accepted", "triage", "dispatched", "in_progress", "resolved", "closed", "rejected"]

    func tickets(_ query: [String: String], _ policy: AccessPolicy, caller: Caller) async throws -> Response {
        let status = query["status"].flatMap { $0.isEmpty ? nil : $0 }
        if let status, !Self.statuses.contains(status) {
            throw EvaluatorError(
                "invalid_status", "status must be one of \(Self.statuses.joined(separator: ", ")), got \(QueryParameters.quoted(status))")
        }
        let before = query["before"].flatMap { $0.isEmpty ? nil : $0 }
        if let before, !TicketNumber.isValid(before) {
            throw EvaluatorError(
                "invalid_cursor", "before must be a ticket number (W20261121-000123), got \(QueryParameters.quoted(before))")
        }
        let lead = try QueryParameters.departmentCode(query["lead_department"], name: "lead_department")
        let escalated = try QueryParameters.flag(query["escalated"], name: "escalated")
        let overdue = try QueryParameters.flag(query["overdue"], name: "overdue")
        let page = try QueryParameters.page(limit: query["limit"], offset: nil, fallback: 50, maximum: 200)
        let now = clock()
        let scope = ScopeFilter(scope: policy.tickets)
        let body = try await pool.transaction { connection in
            let text =
                try connection.query(
                    """
                    WITH page AS (
                        SELECT t.* FROM tickets t
                        WHERE ($1::text IS NULL OR t.status = $1)
                          AND ($2::text IS NULL OR t.ticket_no < $2)
                          AND ($3::text IS NULL OR t.lead_department = $3)
                          AND (NOT $4 OR (t.escalation_level IS NOT NULL AND t.status NOT IN ('closed', 'rejected')))
                          AND \(scope.clause(first: 8))
                          AND (NOT $5 OR (t.status NOT IN ('closed', 'rejected') AND EXISTS (
                                SELECT 1 FROM assignments a WHERE a.ticket_no = t.ticket_no
                                  AND ((a.status = 'dispatched' AND a.ack_due < $6)
                                    OR (a.status IN ('dispatched', 'acknowledged') AND a.resolve_due < $6)))))
                        ORDER BY t.ticket_no DESC LIMIT $7 + 1
                    )
                    SELECT json_build_object(
                        'tickets', coalesce((SELECT json_agg(json_build_object(
                            'ticket_no', p.ticket_no, 'status', p.status, 'channel', p.channel, 'category', p.category_code,
                            'urgency', p.urgency, 'area', p.area_code, 'lead_department', p.lead_department, 'title', p.title,
                            'confidential', p.confidential,
                            'escalation_level', p.escalation_level, 'report_count', p.report_count, 'opened_at', p.opened_at,
                            'outcome', p.outcome) ORDER BY p.ticket_no DESC)
                            FROM (SELECT * FROM page ORDER BY ticket_no DESC LIMIT $7) p), '[]'),
                        'next_before', CASE WHEN (SELECT count(*) FROM page) > $7
                            THEN (SELECT min(ticket_no) FROM (SELECT ticket_no FROM page ORDER BY ticket_no DESC LIMIT $7) q) END
                    )::text
                    """, [status, before, lead, escalated, overdue, now, page.limit] + scope.parameters
                ).first?.decodeIfPresent(0, as: String.self) ?? "{\"tickets\":[]}"
            return try Self.view(list: try Self.databaseJSON.parse(text), policy: policy, caller: caller, on: connection)
        }
        return HTTPServer.jsonResponse(body)
    }

    /// The list as the caller may see it; the petitions whose title a petition bureau read are
    /// recorded in `access_log`.
    static func view(list: JSONValue, policy: AccessPolicy, caller: Caller, on connection: PostgresConnection) throws -> String {
        guard var members = list.objectValue, let items = members["tickets"]?.arrayValue else { return list.description }
        var reads: [AccessRecords.Read] = []
        members["tickets"] = .array(
            items.map { item in
                let (view, disclosure) = TicketDisclosure.listItem(item, for: policy)
                if disclosure.confidential && policy.isPetitionBureau, let number = item["ticket_no"]?.stringValue {
                    reads.append(.init(ticketNo: number, area: item["area"]?.stringValue, disclosure: disclosure))
                }
                return view
            })
        if !reads.isEmpty { try AccessRecords.record(on: connection, policy: policy, caller: caller, reads: reads) }
        return JSONValue.object(members).description
    }
}
