import Foundation
import Hummingbird
import Logging
import WhistleDomain
import WhistleMessages
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

    func routes(_ router: Router<APIRequestContext>) {
        let pool = pool
        let logger = logger
        router.get("v1/categories") { _, _ in
            await Self.json(pool, logger) { connection in
                try Self.single(
                    connection,
                    """
                    SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
                        'code', code, 'name', name, 'parent', parent_code)) ORDER BY code), '[]')::text
                    FROM categories
                    """)
            }
        }
        router.get("v1/departments") { _, _ in
            await Self.json(pool, logger) { connection in
                try Self.single(
                    connection,
                    """
                    SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
                        'code', code, 'name', name, 'level', level, 'kind', kind, 'parent', parent_code, 'area', area_code))
                        ORDER BY code), '[]')::text
                    FROM departments WHERE active
                    """)
            }
        }
        router.get("v1/areas") { _, _ in
            await Self.json(pool, logger) { connection in
                try Self.single(
                    connection,
                    """
                    SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
                        'code', code, 'name', name, 'level', level, 'parent', parent_code,
                        'centroid', CASE WHEN centroid_lat IS NULL THEN NULL
                                         ELSE json_build_object('lat', centroid_lat, 'lon', centroid_lon) END))
                        ORDER BY code), '[]')::text
                    FROM areas
                    """)
            }
        }
        router.get("v1/tickets/:ticket_no") { request, context in
            await respond { try await ticket(context.parameters.get("ticket_no") ?? "", policy(context), caller: Caller(request, context)) }
        }
        router.get("v1/tickets") { request, context in
            await respond {
                try await tickets(Self.dictionary(request.uri.queryParameters), policy(context), caller: Caller(request, context))
            }
        }
        router.get("v1/access-log") { request, context in
            await respond { try await accessLog(Self.dictionary(request.uri.queryParameters), policy(context)) }
        }
        router.get("v1/scores") { request, context in
            await respond { try await scores(Self.dictionary(request.uri.queryParameters), policy(context)) }
        }
        router.get("v1/scores/:department/daily") { request, context in
            await respond { try await daily(context.parameters.get("department") ?? "", Self.dictionary(request.uri.queryParameters)) }
        }
        router.get("v1/scores.csv") { request, context in
            await respond { try await scoresCSV(Self.dictionary(request.uri.queryParameters), policy(context)) }
        }
        router.get("v1/hotspots") { request, _ in await respond { try await hotspots(Self.dictionary(request.uri.queryParameters)) } }
        router.get("/") { request, context in
            await respond { try await dashboard(Self.dictionary(request.uri.queryParameters), policy(context)) }
        }
        router.get("v1/**") { request, _ in
            HTTPServer.errorResponse("not_found", "no such resource: \(request.uri.path)", status: .notFound)
        }
    }

    /// JSON that PostgreSQL built for a response: trusted, and as large as a ticket's timeline.
    static let databaseJSON = JSONParser(maxBytes: 64 * 1024 * 1024)

    /// The access rules of the request's principal, from the current reference data.
    func policy(_ context: APIRequestContext) throws(EvaluatorError) -> AccessPolicy {
        AccessPolicy(principal: try context.requirePrincipal(), reference: reference.snapshot.data)
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
        _ pool: PostgresPool, _ logger: Logger,
        _ query: @escaping @Sendable (PostgresConnection) throws -> String?
    ) async -> Response {
        do {
            guard let body = try await pool.withConnection(query) else {
                return HTTPServer.errorResponse("not_found", "not found", status: .notFound)
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
