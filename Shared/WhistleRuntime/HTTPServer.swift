import Foundation
import Hummingbird
import Logging
import Prometheus

/// A health probe: the name of a dependency and whether it is up right now.
public struct HealthCheck: Sendable {
    public var name: String
    public var check: @Sendable () async -> Bool
    public init(_ name: String, check: @escaping @Sendable () async -> Bool) {
        self.name = name
        self.check = check
    }
}

/// The HTTP side of every service: `GET /healthz` (200 only when every check passes, else 503,
/// with each check's state as JSON) and `GET /metrics` (Prometheus text), plus any routes the
/// service adds. It is a `Service`, run in the service's `ServiceGroup`.
public enum HTTPServer {
    /// Builds the application; `routes` lets a service add its own endpoints, with its own
    /// request context (evaluator's carries the caller's identity). Every response, the errors
    /// included, goes through `SecurityHeadersMiddleware`.
    public static func make<Context: RequestContext>(
        configuration: ServiceConfiguration, checks: [HealthCheck], registry: PrometheusCollectorRegistry,
        logger: Logger, context: Context.Type, routes: (Router<Context>) -> Void
    ) -> some ApplicationProtocol where Context.Source == ApplicationRequestContextSource {
        let router = Router(context: Context.self)
        let methods = RouteMethods()
        router.add(middleware: SecurityHeadersMiddleware(methods: methods))
        router.get("healthz") { _, _ -> EditedResponse<HealthReport> in
            var states: [(name: String, up: Bool)] = []
            for check in checks { states.append((check.name, await check.check())) }
            let report = HealthReport(checks: states)
            return EditedResponse(status: report.healthy ? .ok : .serviceUnavailable, response: report)
        }
        router.get("metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        routes(router)
        methods.load(from: router)
        return Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "whistle-\(configuration.serviceName)"
            ),
            logger: logger)
    }

    /// A JSON response with the given status.
    public static func jsonResponse(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A JSON response of already encoded bytes with the given status.
    public static func jsonResponse(_ body: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Builds the application with the plain request context.
    public static func make(
        configuration: ServiceConfiguration, checks: [HealthCheck], registry: PrometheusCollectorRegistry,
        logger: Logger, routes: (Router<BasicRequestContext>) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        make(
            configuration: configuration, checks: checks, registry: registry, logger: logger, context: BasicRequestContext.self,
            routes: routes)
    }

    /// A JSON error of CONTRACT §7: `{error: {code, message}}` (the response of `APIError`).
    public static func errorResponse(_ code: String, _ message: String, status: HTTPResponse.Status) -> Response {
        APIError(code, message, status: status).response()
    }

}

/// The body of `GET /healthz`: `{"status":"ok"|"unavailable","checks":{"<name>":"up"|"down",…}}`,
/// the checks in the order they were given; encoded by the request context's response encoder.
public struct HealthReport: ResponseEncodable, Sendable {
    let checks: [(name: String, up: Bool)]

    /// True when every check is up.
    public var healthy: Bool { checks.allSatisfy(\.up) }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(healthy ? "ok" : "unavailable", forKey: Key(stringValue: "status"))
        var states = container.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "checks"))
        for check in checks { try states.encode(check.up ? "up" : "down", forKey: Key(stringValue: check.name)) }
    }
}

/// An error answer of CONTRACT §7, `{"error":{"code":…,"message":…}}` with its status: thrown
/// from a route (Hummingbird turns it into the response) or built with `HTTPServer.errorResponse`.
public struct APIError: HTTPResponseError, Sendable {
    /// The HTTP status of the answer.
    public let status: HTTPResponse.Status
    /// The machine-readable code, such as `not_found`.
    public let code: String
    /// A human-readable message (never personal data).
    public let message: String

    /// An error answer `{"error":{"code":code,"message":message}}` with `status`.
    public init(_ code: String, _ message: String, status: HTTPResponse.Status) {
        self.code = code
        self.message = message
        self.status = status
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
        }
        let error: Detail
    }

    /// The JSON response (encoded with a `JSONEncoder`, as Hummingbird's response encoding does).
    public func response() -> Response {
        let body: Data
        do {
            body = try Self.encoder.encode(Body(error: .init(code: code, message: message)))
        } catch {
            // Two strings always encode; keep a fixed body rather than crash if that ever changes.
            body = Data(#"{"error":{"code":"internal","message":"the error could not be encoded"}}"#.utf8)
        }
        return HTTPServer.jsonResponse(body, status: status)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// The JSON response, when a route throws this error.
    public func response(from request: Request, context: some RequestContext) throws -> Response { response() }
}
