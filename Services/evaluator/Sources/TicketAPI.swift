import Foundation
import Hummingbird
import WhistleDomain
import WhistlePostgres
import WhistleReliability
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
/// as the caller may see it) and its full timeline, read from the read model (`TicketView`) —
/// when the ticket is in the caller's scope, else 404 exactly as for a ticket that does not
/// exist. The scope is applied in SQL; what of the
/// ticket the caller may read is `TicketDisclosure`'s decision; a read of a confidential ticket,
/// or one that showed a reporter in clear, is recorded in `access_log` in the same transaction.
extension ReadAPI {
    func ticket(_ ticketNo: String, _ policy: AccessPolicy, caller: Caller) async throws -> Response {
        guard TicketNumber.isValid(ticketNo) else {
            throw EvaluatorError("invalid_ticket_no", "\(QueryParameters.quoted(ticketNo)) is not a ticket number (W20261121-000123)")
        }
        let scope = ScopeFilter(scope: policy.tickets)
        let body = try await pool.transaction { connection -> String? in
            let tickets = try TicketReadModel.load(
                [ticketNo], parts: [.assignments, .demands, .reporters, .timeline], condition: scope.clause(first: 2),
                parameters: scope.parameters, on: connection)
            guard let found = tickets[ticketNo] else { return nil }
            let ticket = try found.apiJSON()
            let (view, disclosure) = TicketDisclosure.view(ticket, for: policy)
            if disclosure.confidential || disclosure.reporterInClear {
                // The ticket's own area (the view may hide it): petition bureaus read the records of their subtree.
                try AccessRecords.record(
                    on: connection, policy: policy, caller: caller,
                    reads: [.init(ticketNo: ticketNo, area: found.area, disclosure: disclosure)])
            }
            return view.description
        }
        guard let body else { throw EvaluatorError("not_found", "no ticket \(ticketNo)", status: .notFound) }
        return HTTPServer.jsonResponse(body)
    }
}
