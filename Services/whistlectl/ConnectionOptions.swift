import ArgumentParser
import Foundation
import Logging
import WhistleAMQP
import WhistlePostgres
import WhistleReliability
import WhistleRuntime

/// `--amqp-url`, `--database-url` and `--verbose`, shared by every subcommand. The URLs default
/// to `WHISTLE_AMQP_URL` and `WHISTLE_DATABASE_URL`, then to the services' own defaults. Both
/// take the same lists as the services: several broker node URLs separated by commas, and
/// libpq's multi-host `postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write`.
struct ConnectionOptions: ParsableArguments {
    static let defaultAMQPURL = ServiceConfiguration.defaultAMQPURL
    static let defaultDatabaseURL = ServiceConfiguration.defaultDatabaseURL

    @Option(
        name: .customLong("amqp-url"),
        help: "Broker URL, or comma-separated node URLs (default: $WHISTLE_AMQP_URL, else \(defaultAMQPURL)).")
    var amqpURL: String?

    @Option(
        name: .customLong("database-url"),
        help: "Database URL, hosts may be h1:p1,h2:p2 (default: $WHISTLE_DATABASE_URL, else \(defaultDatabaseURL)).")
    var databaseURL: String?

    @Flag(help: "Log what the clients do to standard error.")
    var verbose = false

    var logger: Logger {
        let verbose = verbose
        var logger = Logger(label: "whistlectl") { label -> any LogHandler in
            if verbose { return StreamLogHandler.standardError(label: label) }
            return SwiftLogNoOpLogHandler()
        }
        logger.logLevel = verbose ? .debug : .critical
        return logger
    }

    func amqpConfiguration() throws -> AMQPConfiguration {
        let url = amqpURL ?? Self.environment("WHISTLE_AMQP_URL") ?? Self.defaultAMQPURL
        do throws(AMQPError) {
            var configuration = try AMQPConfiguration(url: url)
            configuration.connectTimeoutMilliseconds = min(configuration.connectTimeoutMilliseconds, 5000)
            return configuration
        } catch {
            throw CtlError(.usage, "bad broker URL (--amqp-url / WHISTLE_AMQP_URL): \(error.message)")
        }
    }

    func databaseConfiguration() throws -> PostgresConfiguration {
        let url = databaseURL ?? Self.environment("WHISTLE_DATABASE_URL") ?? Self.defaultDatabaseURL
        do throws(PostgresError) {
            return try PostgresConfiguration(url: url, poolSize: 1, applicationName: "whistlectl")
        } catch {
            throw CtlError(.usage, "bad database URL (--database-url / WHISTLE_DATABASE_URL): \(error.message)")
        }
    }

    /// Opens a one-connection pool, applies pending migrations (so that every command works on
    /// a database no service has touched yet), runs `body`, and closes the pool.
    func withDatabase<T>(_ body: (PostgresPool) async throws -> T) async throws -> T {
        let configuration = try databaseConfiguration()
        let pool = PostgresPool(configuration: configuration, logger: logger)
        do {
            do {
                try await WhistleSchema.migrate(pool: pool, logger: logger, patience: .seconds(3))
            } catch let error as PostgresError where error.isConnectionLoss {
                throw CtlError(.database, "cannot reach the database at \(Self.redacted(configuration)): \(error.message)")
            }
            let value = try await body(pool)
            await pool.close()
            return value
        } catch {
            await pool.close()
            throw error
        }
    }

    /// The time zone for local times: `WHISTLE_TIMEZONE`, default Asia/Shanghai.
    static func timeZone() throws -> TimeZone {
        let name = environment("WHISTLE_TIMEZONE") ?? "Asia/Shanghai"
        guard let zone = TimeZone(identifier: name) else {
            throw CtlError(.usage, "unknown time zone \(name) in WHISTLE_TIMEZONE")
        }
        return zone
    }

    static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func redacted(_ configuration: PostgresConfiguration) -> String { configuration.redacted }
}
