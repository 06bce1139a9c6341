import Foundation
import Hummingbird
import WhistleDomain
import WhistlePostgres
import WhistleRuntime

/// Who asked and how, for the access records.
struct Caller: Sendable {
    var route: String
    var address: String?

    init(_ request: Request, _ context: APIRequestContext) {
        route = "\(request.method.rawValue) \(request.uri.path)"
        address = context.remoteAddress
    }
}

/// `GET /v1/tickets/{ticket_no}`: the ticket, its assignments, its demands (with their reporter
/// as the caller may see it) and its full timeline — when the ticket is in the caller's scope,
/// else 404 exactly as for a ticket that does not exist. The scope is applied in SQL; what of the
/// ticket the caller may read is `TicketDisclosure`'s decision; a read of a confidential ticket,
/// or one that showed a reporter in clear, is recorded in `access_log` in the same transaction.
extension ReadAPI {
    func ticket(_ ticketNo: String, _ policy: AccessPolicy, caller: Caller) async throws -> Response {
        guard TicketNumber.isValid(ticketNo) else {
            throw EvaluatorError("invalid_ticket_no", "\(QueryParameters.quoted(ticketNo)) is not a ticket number (W20261121-000123)")
        }
        let scope = ScopeFilter(scope: policy.tickets)
        let sql = TicketQuery.sql(scope: scope.clause(first: 2))
        let body = try await pool.transaction { connection -> String? in
            guard let text = try connection.query(sql, [ticketNo] + scope.parameters).first?.decodeIfPresent(0, as: String.self) else {
                return nil
            }
            let ticket = try Self.databaseJSON.parse(text)
            let (view, disclosure) = TicketDisclosure.view(ticket, for: policy)
            if disclosure.confidential || disclosure.reporterInClear {
                // The ticket's own area (the view may hide it): petition bureaus read the records of their subtree.
                try AccessRecords.record(
                    on: connection, policy: policy, caller: caller,
                    reads: [.init(ticketNo: ticketNo, area: ticket["area"]?.stringValue, disclosure: disclosure)])
            }
            return view.description
        }
        guard let body else { throw EvaluatorError("not_found", "no ticket \(ticketNo)", status: .notFound) }
        return HTTPServer.jsonResponse(body)
    }
}

/// The single-ticket query, with the caller's scope as a condition.
enum TicketQuery {
    static func sql(scope: String) -> String {
        """
        SELECT json_build_object(
            'ticket_no', t.ticket_no, 'status', t.status, 'channel', t.channel, 'category', t.category_code,
            'urgency', t.urgency, 'area', t.area_code, 'lead_department', t.lead_department, 'title', t.title,
            'content', t.content, 'location', t.location, 'confidential', t.confidential,
            'report_count', t.report_count, 'reopen_count', t.reopen_count, 'escalation_level', t.escalation_level,
            'outcome', t.outcome, 'opened_at', t.opened_at, 'resolved_at', t.resolved_at, 'closed_at', t.closed_at,
            'assignments', coalesce((
                SELECT json_agg(json_build_object(
                    'assignment_id', a.assignment_id, 'department', a.department, 'role', a.role, 'status', a.status,
                    'round', a.round, 'ack_due', a.ack_due, 'resolve_due', a.resolve_due,
                    'acknowledged_at', a.acknowledged_at, 'completed_at', a.completed_at) ORDER BY a.created_at, a.assignment_id)
                FROM assignments a WHERE a.ticket_no = t.ticket_no), '[]'),
            'demands', coalesce((
                SELECT json_agg(json_build_object(
                    'channel', d.channel, 'external_id', d.external_id, 'outcome', d.outcome,
                    'message_id', d.message_id, 'received_at', d.received_at,
                    'reporter', (SELECT json_build_object('name', r.name, 'phone', r.phone, 'anonymous', r.anonymous)
                                 FROM demand_reporters r WHERE r.demand_id = d.id)) ORDER BY d.id)
                FROM demands d WHERE d.ticket_no = t.ticket_no), '[]'),
            'timeline', coalesce((
                SELECT json_agg(json_build_object('at', l.at, 'type', l.type, 'actor', l.actor, 'data', l.data) ORDER BY l.id)
                FROM timeline l WHERE l.ticket_no = t.ticket_no), '[]')
        )::text
        FROM tickets t WHERE t.ticket_no = $1 AND \(scope)
        """
    }
}
