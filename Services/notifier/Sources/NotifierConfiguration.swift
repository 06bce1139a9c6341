import WhistleRuntime

/// Notifier's configuration: the shared `WHISTLE_*` settings (HTTP port 8083 by default).
public struct NotifierConfiguration: Sendable, Equatable {
    public static let defaultPort = 8083
    public var service: ServiceConfiguration

    public init(service: ServiceConfiguration) { self.service = service }

    /// Reads the environment; a bad value is an error naming its variable.
    public init(environment: [String: String]) throws {
        service = try ServiceConfiguration(serviceName: "notifier", defaultPort: Self.defaultPort, environment: environment)
    }
}
