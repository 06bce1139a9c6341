import Foundation
import Logging
import WhistleAMQP
import WhistlePostgres

/// The versioned SQL migrations shipped with Whistle, applied at start-up under an advisory lock.
public enum WhistleSchema {
    /// The migration files: `WHISTLE_MIGRATIONS_DIR` when set, else the bundled `Migrations`.
    public static func migrations(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [Migration] {
        if let directory = environment["WHISTLE_MIGRATIONS_DIR"], !directory.isEmpty {
            return try Migrator.load(from: URL(fileURLWithPath: directory))
        }
        guard let url = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw PostgresError(.migration, "the bundled Migrations folder is missing; set WHISTLE_MIGRATIONS_DIR")
        }
        return try Migrator.load(from: url)
    }

    /// Applies pending migrations, waiting up to `patience` for the database to accept connections.
    public static func migrate(pool: PostgresPool, logger: Logger, patience: Duration = .seconds(60)) async throws {
        let migrations = try migrations()
        let deadline = ContinuousClock.now + patience
        var policy = ReconnectPolicy(initialDelayMilliseconds: 100, maxDelayMilliseconds: 2000, jitter: 0)
        while true {
            do {
                let applied = try await Migrator.migrate(pool: pool, migrations: migrations, logger: logger)
                if !applied.isEmpty { logger.info("schema migrated", metadata: ["versions": "\(applied)"]) }
                return
            } catch let error as PostgresError where error.isConnectionLoss && ContinuousClock.now < deadline {
                logger.warning("database not reachable yet; waiting", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .milliseconds(policy.failed() ?? 2000))
            }
        }
    }
}
