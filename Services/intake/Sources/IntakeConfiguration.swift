import Foundation
import WhistleDomain
import WhistleRuntime

/// Intake's configuration: the shared `WHISTLE_*` settings (HTTP port 8081 by default) and
///
/// | variable | default |
/// |---|---|
/// | `WHISTLE_RAW_BODY_DAYS` | `30` (1–3650): days after its ticket closed (or, without a ticket, after it arrived) that a demand keeps its raw body and reporter (`RetentionPolicy`) |
/// | `WHISTLE_RETENTION_INTERVAL_MS` | `3600000` (hourly): how often the retention pass looks for demands to clear |
/// | `WHISTLE_RETENTION_BATCH` | `200`: demands one retention transaction clears at most |
public struct IntakeConfiguration: Sendable, Equatable {
    public static let defaultPort = 8081
    public var service: ServiceConfiguration
    /// How long raw bodies and reporters are kept (`WHISTLE_RAW_BODY_DAYS`).
    public var retention: RetentionPolicy
    /// The pause between retention passes (`WHISTLE_RETENTION_INTERVAL_MS`).
    public var retentionIntervalMilliseconds: Int
    /// Demands cleared per transaction (`WHISTLE_RETENTION_BATCH`).
    public var retentionBatch: Int

    public init(
        service: ServiceConfiguration, retention: RetentionPolicy = .standard,
        retentionIntervalMilliseconds: Int = 3_600_000, retentionBatch: Int = 200
    ) {
        self.service = service
        self.retention = retention
        self.retentionIntervalMilliseconds = retentionIntervalMilliseconds
        self.retentionBatch = retentionBatch
    }

    /// Reads the environment; a bad value is an error naming its variable.
    public init(environment: [String: String]) throws {
        service = try ServiceConfiguration(serviceName: "intake", defaultPort: Self.defaultPort, environment: environment)
        guard TimeZone(identifier: service.timeZone) != nil else {
            throw ConfigurationError(variable: "WHISTLE_TIMEZONE", message: "unknown time zone \(service.timeZone)")
        }
        let env = ConfigurationReader(environment: environment)
        let days = try env.int("WHISTLE_RAW_BODY_DAYS", default: RetentionPolicy.defaultDays, in: RetentionPolicy.allowedDays)
        guard let retention = RetentionPolicy(days: days) else {
            throw ConfigurationError(variable: "WHISTLE_RAW_BODY_DAYS", message: "\(days) is not a number of days to keep")
        }
        self.retention = retention
        retentionIntervalMilliseconds = try env.int("WHISTLE_RETENTION_INTERVAL_MS", default: 3_600_000, in: 10...86_400_000)
        retentionBatch = try env.int("WHISTLE_RETENTION_BATCH", default: 200, in: 1...5000)
    }
}
