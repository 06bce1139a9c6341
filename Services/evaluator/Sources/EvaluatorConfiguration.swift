import WhistleRuntime

/// Evaluator's configuration: the shared `WHISTLE_*` settings (HTTP port 8080 by default).
public struct EvaluatorConfiguration: Sendable, Equatable {
    public static let defaultPort = 8080
    public var service: ServiceConfiguration

    public init(service: ServiceConfiguration) { self.service = service }

    /// Reads the environment; a bad value is an error naming its variable.
    public init(environment: [String: String]) throws {
        service = try ServiceConfiguration(serviceName: "evaluator", defaultPort: Self.defaultPort, environment: environment)
    }
}
