import WhistleRuntime

/// Dispatcher's configuration: the shared `WHISTLE_*` settings (HTTP port 8082 by default).
public struct DispatcherConfiguration: Sendable, Equatable {
    public static let defaultPort = 8082
    public var service: ServiceConfiguration

    public init(service: ServiceConfiguration) { self.service = service }

    /// Reads the environment; a bad value is an error naming its variable.
    public init(environment: [String: String]) throws {
        service = try ServiceConfiguration(serviceName: "dispatcher", defaultPort: Self.defaultPort, environment: environment)
    }
}
