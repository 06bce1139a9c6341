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
        router.get("healthz") { _, _ -> Response in
            var states: [(String, Bool)] = []
            for check in checks { states.append((check.name, await check.check())) }
            let healthy = states.allSatisfy(\.1)
            let body = "{\"status\":\"\(healthy ? "ok" : "unavailable")\",\"checks\":{"
                + states.map { "\"\($0.0)\":\($0.1 ? "\"up\"" : "\"down\"")" }.joined(separator: ",") + "}}"
            return jsonResponse(body, status: healthy ? .ok : .serviceUnavailable)
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
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "whistle-\(configuration.serviceName)"),
            logger: logger)
    }

    /// A JSON response with the given status.
    public static func jsonResponse(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Builds the application with the plain request context.
    public static func make(
        configuration: ServiceConfiguration, checks: [HealthCheck], registry: PrometheusCollectorRegistry,
        logger: Logger, routes: (Router<BasicRequestContext>) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        make(configuration: configuration, checks: checks, registry: registry, logger: logger, context: BasicRequestContext.self, routes: routes)
    }

    /// A JSON error of CONTRACT §7: `{error: {code, message}}`.
    public static func errorResponse(_ code: String, _ message: String, status: HTTPResponse.Status) -> Response {
        jsonResponse("{\"error\":{\"code\":\(JSONLogHandler.quote(code)),\"message\":\(JSONLogHandler.quote(message))}}", status: status)
    }
}
