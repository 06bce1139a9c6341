import HTTPTypes
import Hummingbird

/// The headers CONTRACT §8 puts on every HTTP response of Whistle, and the contract's error shape
/// for the errors the router raises itself (an unknown path 404; a known path asked with another
/// method 405 with `Allow`):
///
/// - every response: `Cache-Control: no-store` (nothing personal is kept by a proxy or a
///   browser), `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`;
/// - HTML: a `Content-Security-Policy` that allows no script at all, inline styles and data
///   images only, forms only to the same origin, and no framing (`frame-ancestors 'none'`),
///   plus `X-Frame-Options: DENY` for older browsers.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The policy of every HTML page: no script, no outside resource, no framing.
    public static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
    }

    static var referrerPolicy: HTTPField.Name { HTTPField.Name("Referrer-Policy")! }
    static var xFrameOptions: HTTPField.Name { HTTPField.Name("X-Frame-Options")! }

    /// The methods of the known paths, for 405 answers.
    let methods: RouteMethods?

    public init(methods: RouteMethods? = nil) {
        self.methods = methods
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && !(methods?.allowed(for: request.uri.path).isEmpty ?? true) {
            let allowed = methods?.allowed(for: request.uri.path) ?? []
            response = HTTPServer.errorResponse(
                "method_not_allowed", "\(request.method.rawValue) is not allowed here; use \(allowed.joined(separator: ", "))",
                status: .methodNotAllowed)
            response.headers[.allow] = allowed.joined(separator: ", ")
        } catch let error as HTTPError {
            response = HTTPServer.errorResponse(
                Self.code(for: error.status), error.body ?? Self.message(for: error.status), status: error.status)
            for field in error.headers where field.name != .contentType && field.name != .contentLength {
                response.headers.append(field)
            }
        }
        response.headers[.cacheControl] = "no-store"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Self.referrerPolicy] = "no-referrer"
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
            response.headers[Self.xFrameOptions] = "DENY"
        }
        return response
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .contentTooLarge: "too_large"
        default: status.code < 500 ? "bad_request" : "unavailable"
        }
    }

    static func message(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "no such resource"
        case .methodNotAllowed: "this method is not allowed here"
        default: status.reasonPhrase
        }
    }
}
