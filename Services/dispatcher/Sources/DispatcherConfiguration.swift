import WhistleRuntime

/// Dispatcher's configuration: the shared `WHISTLE_*` settings (HTTP port 8082 by default) and
///
/// | variable | default |
/// |---|---|
/// | `WHISTLE_TIMER_INTERVAL_MS` | `1000`: how often the clocks are checked for due timers |
/// | `WHISTLE_TIMER_BATCH` | `200`: tickets whose timers one pass fires at most |
public struct DispatcherConfiguration: Sendable, Equatable {
    public static let defaultPort = 8082
    public var service: ServiceConfiguration
    public var timerIntervalMilliseconds: Int
    public var timerBatch: Int

    public init(service: ServiceConfiguration, timerIntervalMilliseconds: Int = 1000, timerBatch: Int = 200) {
        self.service = service
        self.timerIntervalMilliseconds = timerIntervalMilliseconds
        self.timerBatch = timerBatch
    }

    /// Reads the environment; a bad value is an error naming its variable.
    public init(environment: [String: String]) throws {
        service = try ServiceConfiguration(serviceName: "dispatcher", defaultPort: Self.defaultPort, environment: environment)
        let env = ConfigurationReader(environment: environment)
        timerIntervalMilliseconds = try env.int("WHISTLE_TIMER_INTERVAL_MS", default: 1000, in: 10...600_000)
        timerBatch = try env.int("WHISTLE_TIMER_BATCH", default: 200, in: 1...5000)
    }
}
