import Foundation
import WhistleRuntime

/// Intake's configuration: the shared `WHISTLE_*` settings (HTTP port 8081 by default).
public struct IntakeConfiguration: Sendable, Equatable {
    public static let defaultPort = 8081
    public var service: ServiceConfiguration

    public init(service: ServiceConfiguration) { self.service = service }

    /// Reads the environment; a bad value is an error naming its variable.
    public init(environment: [String: String]) throws {
        service = try ServiceConfiguration(serviceName: "intake", defaultPort: Self.defaultPort, environment: environment)
        guard TimeZone(identifier: service.timeZone) != nil else {
            throw ConfigurationError(variable: "WHISTLE_TIMEZONE", message: "unknown time zone \(service.timeZone)")
        }
    }
}
