import Foundation
import Hummingbird
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleRuntime

/// GeoReport v2 `GET requests.json` and `GET requests/{id}.json`: tickets as service requests,
/// one SQL statement per request. What a citizen may see of a ticket and nothing more:
/// `service_request_id` = the ticket number, `status` open | closed (closed or rejected tickets),
/// the category as service, the opening demand's content masked as `description`, the lead
/// department's name, the lead assignment's due time, where it is; `updated_datetime` is when a
/// closed ticket closed. Never a reporter, a title or a
/// link; petitions (confidential) and whistles (internal) are not served at all: asked by id they
/// are 404 like a number that does not exist.
extension Open311API {
    /// The channels whose tickets Open311 shows.
    static let publicChannels = [Channel.twelve345, .hotline, .grid].map(\.rawValue)

    /// The note a citizen reads for each ticket status (`service_notice`).
    static let notices: [TicketStatus: String] = [
        .accepted: "已受理 accepted", .triage: "待分拨 awaiting routing", .dispatched: "已派单 dispatched",
        .inProgress: "办理中 in progress", .resolved: "已办结，待回访 resolved, awaiting feedback", .closed: "已办结 closed",
        .rejected: "不予受理 rejected",
    ]

    func requests(_ query: [String: String]) async throws -> Response {
        let filter = try Open311RequestFilter.parse(query, now: clock(), serviceCodes: serviceCodes)
        return Open311Responses.json(.array(try await load(filter)))
    }

    func request(id: String) async throws -> Response {
        // The same answer for a number that does not exist, one that is not served and one that is
        // no number at all; it does not repeat the id.
        let unknown = Open311Error.notFound("no such service_request_id")
        guard TicketNumber.isValid(id) else { throw unknown }
        // The dates are not applied to ids (and PostgreSQL has no room for Date.distantPast).
        let filter = Open311RequestFilter(ids: [id], start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 0))
        let found = try await load(filter)
        guard !found.isEmpty else { throw unknown }
        return Open311Responses.json(.array(found))
    }

    /// The service requests that `filter` selects, newest first, at most 1,000.
    func load(_ filter: Open311RequestFilter) async throws -> [JSONValue] {
        let wanted = filter.statuses.isEmpty ? Set(Open311RequestFilter.Status.allCases) : filter.statuses
        let parameters: [(any PostgresEncodable)?] = [
            filter.ids, filter.start, filter.end, filter.serviceCodes, wanted.contains(.open), wanted.contains(.closed),
            Open311RequestFilter.limit, Self.publicChannels,
        ]
        let rows = try await pool.withConnection { connection in
            try connection.query(
                """
                SELECT t.ticket_no, t.status, t.category_code, c.name, t.content, d.name, t.opened_at,
                       CASE WHEN t.status IN ('closed', 'rejected') THEN coalesce(t.closed_at, t.updated_at) ELSE t.updated_at END,
                       lead.resolve_due, t.location ->> 'address', (t.location ->> 'lat')::float8, (t.location ->> 'lon')::float8,
                       note.result
                FROM tickets t
                LEFT JOIN categories c ON c.code = t.category_code
                LEFT JOIN departments d ON d.code = t.lead_department
                LEFT JOIN LATERAL (
                    SELECT a.resolve_due FROM assignments a WHERE a.ticket_no = t.ticket_no AND a.role = 'lead'
                    ORDER BY a.created_at DESC, a.round DESC LIMIT 1) lead ON true
                LEFT JOIN LATERAL (
                    SELECT a.result FROM assignments a WHERE a.ticket_no = t.ticket_no AND a.result IS NOT NULL
                    ORDER BY a.completed_at DESC NULLS LAST, a.created_at DESC LIMIT 1) note ON true
                WHERE t.channel = ANY($8::text[]) AND NOT t.confidential
                  AND CASE WHEN $1::text[] IS NOT NULL THEN t.ticket_no = ANY($1::text[])
                      ELSE t.opened_at >= $2 AND t.opened_at <= $3
                       AND (cardinality($4::text[]) = 0 OR t.category_code = ANY($4::text[]))
                       AND CASE WHEN t.status IN ('closed', 'rejected') THEN $6::boolean ELSE $5::boolean END
                      END
                ORDER BY t.opened_at DESC, t.ticket_no DESC LIMIT $7
                """, parameters
            ).map { row in try Self.serviceRequest(row, timeZone: timeZone) }
        }
        return rows
    }

    /// One row as a GeoReport service request; absent values are left out, free text is masked.
    static func serviceRequest(_ row: PostgresRow, timeZone: TimeZone) throws -> JSONValue {
        func time(_ date: Date) -> JSONValue { .string(Open311Responses.timestamp(date, in: timeZone)) }
        let status = TicketStatus(rawValue: try row.decode(1)) ?? .accepted
        var members: [String: JSONValue] = [
            "service_request_id": .string(try row.decode(0)),
            "status": .string(status == .closed || status == .rejected ? "closed" : "open"),
            "service_notice": .string(notices[status] ?? status.rawValue),
            "description": .string(PersonalData.maskText(try row.decode(4))),
            "requested_datetime": time(try row.decode(6)), "updated_datetime": time(try row.decode(7)),
        ]
        if let code: String = try row.decodeIfPresent(2) { members["service_code"] = .string(code) }
        if let name: String = try row.decodeIfPresent(3) { members["service_name"] = .string(name) }
        if let agency: String = try row.decodeIfPresent(5) { members["agency_responsible"] = .string(agency) }
        if let due: Date = try row.decodeIfPresent(8) { members["expected_datetime"] = time(due) }
        if let address: String = try row.decodeIfPresent(9), !address.isEmpty {
            members["address"] = .string(PersonalData.maskText(address))
        }
        if let lat: Double = try row.decodeIfPresent(10), let lon: Double = try row.decodeIfPresent(11) {
            members["lat"] = .double(lat)
            members["long"] = .double(lon)
        }
        if let note: String = try row.decodeIfPresent(12), !note.isEmpty { members["status_notes"] = .string(PersonalData.maskText(note)) }
        return .object(members)
    }
}
