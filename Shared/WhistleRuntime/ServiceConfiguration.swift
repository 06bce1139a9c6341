import Logging

/// The settings every Whistle service shares, from `WHISTLE_*` environment variables.
///
/// | variable | default |
/// |---|---|
/// | `WHISTLE_AMQP_URL` | `amqp://guest:guest@127.0.0.1:5672/%2F` |
/// | `WHISTLE_DATABASE_URL` | `postgres://whistle:whistle@127.0.0.1:5432/whistle` |
/// | `WHISTLE_HTTP_HOST` | `127.0.0.1` |
/// | `WHISTLE_HTTP_PORT` | per service: evaluator 8080, intake 8081, dispatcher 8082, notifier 8083 |
/// | `WHISTLE_LOG_LEVEL` | `info` |
/// | `WHISTLE_LOG_FORMAT` | `text` (or `json`) |
/// | `WHISTLE_TIMEZONE` | `Asia/Shanghai` |
/// | `WHISTLE_PREFETCH` | `500` |
/// | `WHISTLE_BATCH_SIZE` | `200` |
/// | `WHISTLE_DB_POOL_SIZE` | `4` |
/// | `WHISTLE_DELIVERY_LIMIT` | `5` |
/// | `WHISTLE_OUTBOX_SWEEP_MS` | `10000`: the outbox relay's safety sweep; it is woken by its own commits and by other instances' `NOTIFY`, so this only bounds how late a row whose notification was lost is published (at most half the broker heartbeat) |
/// | `WHISTLE_MIGRATE` | `true`: migrate when the role owns the schema, else wait for the owner; `false`: only wait |
/// | `WHISTLE_CLOCK` | `system` (or `file:<path>` holding an RFC 3339 instant, for tests and drills) |
/// | `WHISTLE_SENDERS` | `strict`: every consumer checks an inbound message's broker `user_id` (the `user_id` rule); `any` turns the check off (development, and tests that run every service as one user) |
/// | `WHISTLE_TRUSTED_USERS` | `whistle-admin`: operator broker users (comma-separated) that may publish demands on any channel and reply for any department |
/// | `WHISTLE_GATEWAY_USERS` | `whistle-evaluator`: gateway broker users (comma-separated) that publish the demands HTTP clients post, on any demand channel; only their `x-whistle-adapter` / `x-whistle-via` headers are believed |
/// | `WHISTLE_DEDUP_DAYS`, `…_BATCH`, `…_PAUSE_MS`, `…_INTERVAL_MS` | `7`, `2000`, `200`, `3600000`: retention of the bookkeeping rows (`DedupRetentionSettings`) |
///
/// `WHISTLE_AMQP_URL` may list the nodes of one RabbitMQ cluster, as comma-separated URLs
/// (`amqp://u:p@rabbit-1:5672/%2F,amqp://u:p@rabbit-2:5672/%2F`) or one URL with a host list
/// (`amqp://u:p@rabbit-1:5672,rabbit-2:5672/%2F`); see `AMQPConfiguration.init(url:)`.
/// `WHISTLE_DATABASE_URL` may list several hosts in libpq's form
/// (`postgres://u:p@db-1:5432,db-2:5432/whistle?target_session_attrs=read-write`); see
/// `PostgresConfiguration.init(url:poolSize:applicationName:)`.
public struct ServiceConfiguration: Sendable, Equatable {
    public var serviceName: String
    public var amqpURL: String
    public var databaseURL: String
    public var httpHost: String
    public var httpPort: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var timeZone: String
    public var prefetch: Int
    public var batchSize: Int
    public var databasePoolSize: Int
    public var deliveryLimit: Int
    /// The outbox relay's longest sleep without a signal, in milliseconds (`WHISTLE_OUTBOX_SWEEP_MS`).
    public var outboxSweepMilliseconds: Int = 10_000
    public var migrate: Bool
    /// Where the service reads the time from (`WHISTLE_CLOCK`).
    public var clock: WhistleClock = .system
    /// Whether consumers check who sent each message (`WHISTLE_SENDERS=strict`).
    public var checkSenders: Bool = true
    /// Operator broker users trusted to act for any channel or department (`WHISTLE_TRUSTED_USERS`).
    public var trustedUsers: [String] = ["whistle-admin"]
    /// Gateway broker users that publish the demands HTTP clients post (`WHISTLE_GATEWAY_USERS`).
    public var gatewayUsers: [String] = ["whistle-evaluator"]
    /// How long the service keeps its bookkeeping rows (`WHISTLE_DEDUP_*`, `DedupRetentionSettings`).
    public var dedupRetention: DedupRetentionSettings = .standard

    public enum LogFormat: String, Sendable { case text, json }

    /// The broker when `WHISTLE_AMQP_URL` is not set.
    public static let defaultAMQPURL = "amqp://guest:guest@127.0.0.1:5672/%2F"
    /// The database when `WHISTLE_DATABASE_URL` is not set.
    public static let defaultDatabaseURL = "postgres://whistle:whistle@127.0.0.1:5432/whistle"

    public init(
        serviceName: String, amqpURL: String = Self.defaultAMQPURL,
        databaseURL: String = Self.defaultDatabaseURL, httpHost: String = "127.0.0.1",
        httpPort: Int, logLevel: Logger.Level = .info, logFormat: LogFormat = .text, timeZone: String = "Asia/Shanghai",
        prefetch: Int = 500, batchSize: Int = 200, databasePoolSize: Int = 4, deliveryLimit: Int = 5, migrate: Bool = true
    ) {
        self.serviceName = serviceName
        self.amqpURL = amqpURL
        self.databaseURL = databaseURL
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.timeZone = timeZone
        self.prefetch = prefetch
        self.batchSize = batchSize
        self.databasePoolSize = databasePoolSize
        self.deliveryLimit = deliveryLimit
        self.migrate = migrate
    }

    /// Reads the shared variables; `defaultPort` is the service's own HTTP port.
    public init(serviceName: String, defaultPort: Int, environment: [String: String]) throws {
        let env = ConfigurationReader(environment: environment)
        self.init(serviceName: serviceName, httpPort: defaultPort)
        amqpURL = env.string("WHISTLE_AMQP_URL", default: amqpURL)
        databaseURL = env.string("WHISTLE_DATABASE_URL", default: databaseURL)
        httpHost = env.string("WHISTLE_HTTP_HOST", default: httpHost)
        httpPort = try env.int("WHISTLE_HTTP_PORT", default: defaultPort, in: 0...65535)
        let level = try env.choice(
            "WHISTLE_LOG_LEVEL", default: "info", from: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        logLevel = Logger.Level(rawValue: level) ?? .info
        logFormat = LogFormat(rawValue: try env.choice("WHISTLE_LOG_FORMAT", default: "text", from: ["text", "json"])) ?? .text
        timeZone = env.string("WHISTLE_TIMEZONE", default: timeZone)
        prefetch = try env.int("WHISTLE_PREFETCH", default: prefetch, in: 1...65535)
        batchSize = try env.int("WHISTLE_BATCH_SIZE", default: batchSize, in: 1...5000)
        databasePoolSize = try env.int("WHISTLE_DB_POOL_SIZE", default: databasePoolSize, in: 1...64)
        deliveryLimit = try env.int("WHISTLE_DELIVERY_LIMIT", default: deliveryLimit, in: 1...1000)
        outboxSweepMilliseconds = try env.int("WHISTLE_OUTBOX_SWEEP_MS", default: outboxSweepMilliseconds, in: 10...3_600_000)
        migrate = try env.bool("WHISTLE_MIGRATE", default: migrate)
        let clockSetting = env.string("WHISTLE_CLOCK", default: "system")
        guard let clock = WhistleClock(setting: clockSetting) else {
            throw ConfigurationError(variable: "WHISTLE_CLOCK", message: "\(clockSetting) is neither system nor file:<path>")
        }
        self.clock = clock
        checkSenders = try env.choice("WHISTLE_SENDERS", default: "strict", from: ["strict", "any"]) == "strict"
        trustedUsers = env.string("WHISTLE_TRUSTED_USERS", default: "whistle-admin")
            .split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
        gatewayUsers = env.string("WHISTLE_GATEWAY_USERS", default: "whistle-evaluator")
            .split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
        dedupRetention = try DedupRetentionSettings(environment: environment)
        if batchSize > prefetch {
            throw ConfigurationError(
                variable: "WHISTLE_BATCH_SIZE", message: "\(batchSize) is larger than WHISTLE_PREFETCH (\(prefetch))")
        }
    }
}
