import WhistleDomain
import WhistleRuntime

/// Dispatcher's configuration: the shared `WHISTLE_*` settings (HTTP port 8082 by default) and
///
/// | variable | default |
/// |---|---|
/// | `WHISTLE_TIMER_INTERVAL_MS` | `30000`: the longest the clocks sleep between passes; they sleep until the next due instant and wake when this process starts an earlier clock, so this bounds only how late a clock started by another instance can fire, or one whose ticket was busy |
/// | `WHISTLE_TIMER_BATCH` | `200`: tickets whose timers one pass fires at most |
/// | `WHISTLE_REPLY_SENDERS` | `department`: a reply's broker `user_id` must be `dept-<code>` of the department it speaks for (or a trusted user); `any` turns the check off (development only) |
/// | `WHISTLE_TRUSTED_USERS` | `whistle-admin`: broker users (comma-separated) that may reply for any department |
public struct DispatcherConfiguration: Sendable, Equatable {
    public static let defaultPort = 8082
    public var service: ServiceConfiguration
    public var timerIntervalMilliseconds: Int
    public var timerBatch: Int
    public var replySenders: ReplySenderRule

    public init(
        service: ServiceConfiguration, timerIntervalMilliseconds: Int = 30000, timerBatch: Int = 200,
        replySenders: ReplySenderRule = ReplySenderRule()
    ) {
        self.service = service
        self.timerIntervalMilliseconds = timerIntervalMilliseconds
        self.timerBatch = timerBatch
        self.replySenders = replySenders
    }

    /// Reads the environment; a bad value is an error naming its variable.
    public init(environment: [String: String]) throws {
        service = try ServiceConfiguration(serviceName: "dispatcher", defaultPort: Self.defaultPort, environment: environment)
        let env = ConfigurationReader(environment: environment)
        timerIntervalMilliseconds = try env.int("WHISTLE_TIMER_INTERVAL_MS", default: 30000, in: 10...600_000)
        timerBatch = try env.int("WHISTLE_TIMER_BATCH", default: 200, in: 1...5000)
        let mode = try env.choice("WHISTLE_REPLY_SENDERS", default: "department", from: ["department", "any"])
        let trusted = env.string("WHISTLE_TRUSTED_USERS", default: "whistle-admin")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        replySenders = ReplySenderRule(mode: ReplySenderRule.Mode(rawValue: mode) ?? .department, trusted: Set(trusted))
    }
}
