import Foundation
import Hummingbird
import Logging
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability
import WhistleRuntime

/// The read side of Open311 GeoReport v2 at `/open311/v2/` (CONTRACT §9), public like the
/// reference data: `discovery.json`, `services.json`, `services/{code}.json`, `requests.json` and
/// `requests/{id}.json`. JSON only: an `.xml` path is 400; errors are GeoReport's
/// `[{code, description}]`. When a jurisdiction is configured, a request naming another one is
/// 404 (one naming none is served: the endpoint serves one jurisdiction).
struct Open311API: Sendable {
    let pool: PostgresPool
    let reference: ReferenceCache
    let configuration: Open311Configuration
    let timeZone: TimeZone
    let clock: @Sendable () -> Date
    let logger: Logger

    /// The standard's own address, which discovery names as the specification served.
    static let specification = "http://wiki.open311.org/GeoReport_v2"

    func routes(_ router: Router<APIRequestContext>) {
        router.get("open311/v2/discovery.json") { request, _ in await answer(request) { try await discovery(request) } }
        router.get("open311/v2/services.json") { request, _ in await answer(request) { try await services() } }
        router.get("open311/v2/services/{service_code}.json") { request, context in
            await answer(request) { try await serviceDefinition(context.parameters.get("service_code") ?? "") }
        }
        router.get("open311/v2/requests.json") { request, _ in
            await answer(request) { try await requests(ReadAPI.dictionary(request.uri.queryParameters)) }
        }
        router.get("open311/v2/requests/{service_request_id}.json") { request, context in
            await answer(request) { try await self.request(id: context.parameters.get("service_request_id") ?? "") }
        }
        // Anything else under the base path: `.xml` is 400 (JSON only), the rest 404, both in
        // GeoReport's error shape.
        router.get("open311/v2/**") { request, _ in await Self.unknown(request) }
        router.post("open311/v2/**") { request, _ in await Self.unknown(request) }
    }

    /// Checks the jurisdiction, then runs `body`; an `Open311Error` becomes its array, any other
    /// error a logged 503.
    func answer(_ request: Request, _ body: () async throws -> Response) async -> Response {
        await Open311Responses.respond {
            do {
                try checkJurisdiction(request)
                return try await body()
            } catch let error as Open311Error {
                throw error
            } catch {
                logger.error("Open311 query failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
                throw Open311Error.unavailable
            }
        }
    }

    static func unknown(_ request: Request) async -> Response {
        await Open311Responses.respond {
            let last = request.uri.path.split(separator: "/").last.map(String.init) ?? ""
            _ = try Open311Responses.resource(last)
            throw Open311Error.notFound("no such resource: \(request.uri.path)")
        }
    }

    /// 404 when a jurisdiction is configured and the request names another one.
    func checkJurisdiction(_ request: Request) throws(Open311Error) {
        guard let served = configuration.jurisdiction else { return }
        let asked = ReadAPI.dictionary(request.uri.queryParameters)["jurisdiction_id"] ?? ""
        guard asked.isEmpty || asked == served else {
            throw .notFound("jurisdiction_id \(QueryParameters.quoted(asked)) is not served here; this endpoint serves \(served)")
        }
    }

    /// `discovery.json`: the endpoint, its changeset (the last change of the service list) and
    /// how to get an API key.
    func discovery(_ request: Request) async throws -> Response {
        let changed = try await pool.withConnection { connection in
            try connection.query("SELECT max(updated_at) FROM categories").first?.decodeIfPresent(0, as: Date.self)
        }
        let changeset = JSONValue.string(Open311Responses.timestamp(changed ?? Date(timeIntervalSince1970: 0), in: timeZone))
        let url = configuration.baseURL ?? "http://\(request.head.authority ?? "localhost")\(Open311Responses.basePath)"
        let endpoint = JSONValue.object([
            "specification": .string(Self.specification), "url": .string(url), "changeset": changeset,
            "type": "production", "formats": ["application/json"],
        ])
        return Open311Responses.json(
            .object([
                "changeset": changeset, "contact": .string(configuration.contact),
                "key_service":
                    "API keys for POST requests.json are issued by the operator of this endpoint (whistlectl open311 clients add)",
                "endpoints": [endpoint],
            ]))
    }

    /// `services.json`: one service per leaf category, grouped by its parent's name.
    func services() async throws -> Response {
        let text = try await pool.withConnection { connection in
            try connection.query(
                """
                SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
                    'service_code', c.code, 'service_name', c.name,
                    'description', coalesce(p.name || ' · ', '') || c.name,
                    'metadata', false, 'type', 'realtime', 'keywords', array_to_string(c.keywords, ', '),
                    'group', p.name)) ORDER BY c.code), '[]')::text
                FROM categories c LEFT JOIN categories p ON p.code = c.parent_code
                WHERE NOT EXISTS (SELECT 1 FROM categories k WHERE k.parent_code = c.code)
                """
            ).first?.decodeIfPresent(0, as: String.self)
        }
        return HTTPServer.jsonResponse(text ?? "[]")
    }

    /// `services/{code}.json`: the service definition; no category has attributes (yet).
    func serviceDefinition(_ code: String) async throws -> Response {
        // No code is that long or holds a NUL (which PostgreSQL text cannot): not found, unasked.
        guard code.unicodeScalars.count <= 64, !code.unicodeScalars.contains("\0") else {
            throw Open311Error.notFound("no such service_code")
        }
        let text = try await pool.withConnection { connection in
            try connection.query(
                """
                SELECT json_build_object('service_code', c.code, 'attributes', '[]'::json)::text
                FROM categories c WHERE c.code = $1 AND NOT EXISTS (SELECT 1 FROM categories k WHERE k.parent_code = c.code)
                """, [code]
            ).first?.decodeIfPresent(0, as: String.self)
        }
        guard let text else { throw Open311Error.notFound("no service \(QueryParameters.quoted(code))") }
        return HTTPServer.jsonResponse(text)
    }

    /// The service codes that exist now (leaf categories), for checking a filter.
    var serviceCodes: Set<String> {
        let categories = reference.snapshot.data.categories.values
        let parents = Set(categories.compactMap(\.parent))
        return Set(categories.map(\.code).filter { !parents.contains($0) })
    }
}
