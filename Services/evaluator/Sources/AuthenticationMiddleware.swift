import Foundation
import Hummingbird
import WhistleDomain
import WhistleReliability
import WhistleRuntime

/// The one place where evaluator's HTTP API checks who is calling (CONTRACT §8). Every route
/// except the public ones needs `Authorization: Bearer <JWT>`; the dashboard (`/`) also takes
/// the same token from the session cookie its login form sets. A token must verify (signature,
/// `exp`, `iss`/`aud` when configured) and name a known, active department (or be an auditor's);
/// anything else is 401 `{error: {code: "unauthorized", message}}`, or for a browser asking for
/// the dashboard, a page that links to the login form.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let verifier: APITokenVerifier
    let reference: ReferenceCache

    /// Routes anyone may call: health, metrics, the reference data (as Open311 lists its
    /// services) and the login form.
    static let publicPaths: Set<String> = ["/healthz", "/metrics", "/v1/categories", "/v1/departments", "/v1/areas", "/login", "/logout"]

    /// Path prefixes anyone may call without a JWT: Open311 GeoReport v2 (public; its POST checks
    /// an `api_key` itself) and the HTTP intake of adapters, which authenticates them with their
    /// own API keys (CONTRACT §9).
    static let publicPrefixes = ["/open311/v2/", "/v1/demands/"]

    /// Paths that accept the session cookie instead of the header.
    static let cookiePaths: Set<String> = ["/", "/v1/scores.csv"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = Self.normalized(request.uri.path)
        if Self.publicPaths.contains(path) || Self.publicPrefixes.contains(where: { request.uri.path.hasPrefix($0) }) {
            return try await next(request, context)
        }
        let token = Self.bearer(request) ?? (Self.cookiePaths.contains(path) ? SessionCookie.token(in: request) : nil)
        guard let token else { return Self.unauthorized(request, "a bearer token is required (Authorization: Bearer <token>)") }
        var context = context
        do {
            let principal = try await verifier.principal(token: token)
            try await known(principal)
            context.principal = principal
        } catch {
            return Self.unauthorized(request, error.message)
        }
        return try await next(request, context)
    }

    /// A department token must name a department of the reference data that is active; the
    /// cache is reloaded once before a code is called unknown (it may have been seeded a moment
    /// ago).
    func known(_ principal: Principal) async throws(APIAuthenticationError) {
        guard principal.role == .department, let code = principal.department else { return }
        if reference.snapshot.data.departments[code]?.active == true { return }
        do {
            try await reference.refresh()
        } catch {
            throw APIAuthenticationError("the department list could not be read; try again")
        }
        guard reference.snapshot.data.departments[code]?.active == true else {
            throw APIAuthenticationError("the token names no active department")
        }
    }

    /// The token of an `Authorization: Bearer …` header (the scheme in any case).
    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The path without a trailing slash (except `/` itself).
    static func normalized(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// 401 in the contract's shape; a browser asking for HTML gets a page linking to the login.
    static func unauthorized(_ request: Request, _ message: String) -> Response {
        var response: Response
        if request.headers[.accept]?.contains("text/html") == true {
            response = LoginPage.response(message: "请先登录 · Please sign in: \(message)", status: .unauthorized)
        } else {
            response = HTTPServer.errorResponse("unauthorized", message, status: .unauthorized)
        }
        response.headers[.wwwAuthenticate] = "Bearer realm=\"whistle\""
        return response
    }
}
