import Foundation
import Hummingbird
import Logging
import WhistleDomain
import WhistlePostgres
import WhistleReliability
import WhistleRuntime

/// The read API of CONTRACT §7 that evaluator serves from the database, and the dashboard at
/// `/`. Reference lists and tickets are built as JSON by PostgreSQL (`json_build_object`), so a
/// response is one query and no decoding round trip; scores and hotspots are computed here.
struct ReadAPI: Sendable {
    let pool: PostgresPool
    let reference: ReferenceCache
    let timeZone: TimeZone
    let weights: ScoreWeights
    let hotspotWindowHours: Int
    let clock: @Sendable () -> Date
    let logger: Logger

    func routes(_ router: Router<BasicRequestContext>) {
        let pool = pool
        let logger = logger
        router.get("v1/categories") { _, _ in
            await Self.json(pool, logger) { connection in
                try Self.single(connection, """
                    SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
                        'code', code, 'name', name, 'parent', parent_code)) ORDER BY code), '[]')::text
                    FROM categories
                    """)
            }
        }
        router.get("v1/departments") { _, _ in
            await Self.json(pool, logger) { connection in
                try Self.single(connection, """
                    SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
                        'code', code, 'name', name, 'level', level, 'kind', kind, 'parent', parent_code, 'area', area_code))
                        ORDER BY code), '[]')::text
                    FROM departments WHERE active
                    """)
            }
        }
        router.get("v1/areas") { _, _ in
            await Self.json(pool, logger) { connection in
                try Self.single(connection, """
                    SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
                        'code', code, 'name', name, 'level', level, 'parent', parent_code,
                        'centroid', CASE WHEN centroid_lat IS NULL THEN NULL
                                         ELSE json_build_object('lat', centroid_lat, 'lon', centroid_lon) END))
                        ORDER BY code), '[]')::text
                    FROM areas
                    """)
            }
        }
        router.get("v1/tickets/:ticket_no") { _, context in
            let ticketNo = context.parameters.get("ticket_no") ?? ""
            guard TicketNumber.isValid(ticketNo) else {
                return HTTPServer.errorResponse("invalid_ticket_no", "\(ticketNo) is not a ticket number (W20261121-000123)", status: .badRequest)
            }
            return await Self.json(pool, logger, notFound: "no ticket \(ticketNo)") { connection in
                try connection.query(TicketQuery.sql, [ticketNo]).first?.decodeIfPresent(0, as: String.self)
            }
        }
        router.get("v1/tickets") { request, _ in await respond { try await tickets(Self.dictionary(request.uri.queryParameters)) } }
        router.get("v1/scores") { request, _ in await respond { try await scores(Self.dictionary(request.uri.queryParameters)) } }
        router.get("v1/scores/:department/daily") { request, context in
            await respond { try await daily(context.parameters.get("department") ?? "", Self.dictionary(request.uri.queryParameters)) }
        }
        router.get("v1/scores.csv") { request, _ in await respond { try await scoresCSV(Self.dictionary(request.uri.queryParameters)) } }
        router.get("v1/hotspots") { request, _ in await respond { try await hotspots(Self.dictionary(request.uri.queryParameters)) } }
        router.get("/") { request, _ in await respond { try await dashboard(Self.dictionary(request.uri.queryParameters)) } }
        router.get("v1/**") { request, _ in
            HTTPServer.errorResponse("not_found", "no such resource: \(request.uri.path)", status: .notFound)
        }
    }

    /// Runs a handler; an `EvaluatorError` becomes its status and JSON error, any other error 503.
    func respond(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as EvaluatorError {
            return HTTPServer.errorResponse(error.code, error.message, status: error.status)
        } catch {
            logger.error("read API query failed", metadata: ["error": "\(error)"])
            return HTTPServer.errorResponse("unavailable", "the database did not answer; try again", status: .serviceUnavailable)
        }
    }

    /// Today in the configured time zone, by the service's clock.
    var today: LocalDate { LocalDate.local(of: clock(), in: timeZone).date }

    /// Runs a query that returns one JSON text; nil becomes 404, a database error 503.
    static func json(
        _ pool: PostgresPool, _ logger: Logger, notFound: String = "not found",
        _ query: @escaping @Sendable (PostgresConnection) throws -> String?
    ) async -> Response {
        do {
            guard let body = try await pool.withConnection(query) else {
                return HTTPServer.errorResponse("not_found", notFound, status: .notFound)
            }
            return HTTPServer.jsonResponse(body)
        } catch {
            logger.error("read API query failed", metadata: ["error": "\(error)"])
            return HTTPServer.errorResponse("unavailable", "the database did not answer; try again", status: .serviceUnavailable)
        }
    }

    static func single(_ connection: PostgresConnection, _ sql: String) throws -> String? {
        try connection.query(sql).first?.decodeIfPresent(0, as: String.self)
    }
}

/// `GET /v1/tickets/{ticket_no}`: the ticket, its assignments, its demands and its full timeline.
enum TicketQuery {
    static let sql = """
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
                    'message_id', d.message_id, 'received_at', d.received_at) ORDER BY d.id)
                FROM demands d WHERE d.ticket_no = t.ticket_no), '[]'),
            'timeline', coalesce((
                SELECT json_agg(json_build_object('at', l.at, 'type', l.type, 'actor', l.actor, 'data', l.data) ORDER BY l.id)
                FROM timeline l WHERE l.ticket_no = t.ticket_no), '[]')
        )::text
        FROM tickets t WHERE t.ticket_no = $1
        """
}
