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

    /// Brings the schema to this build's version and the service roles to their grants, waiting
    /// up to `patience` for the database to accept connections.
    ///
    /// A role that owns the schema applies pending migrations under the advisory lock, then
    /// re-applies the grants of `ServiceRole` when they changed (`grants: .force`: always). A role
    /// that may not migrate (a service's own role) waits, within `patience`, until the owner has;
    /// so do all roles when `apply` is false. Throws `.migration` (SQLSTATE 42501) when the
    /// schema is still behind at the deadline.
    public static func migrate(
        pool: PostgresPool, logger: Logger, patience: Duration = .seconds(60), apply: Bool = true, grants: GrantMode = .whenChanged
    ) async throws {
        let migrations = try migrations()
        let deadline = ContinuousClock.now + patience
        var policy = ReconnectPolicy(initialDelayMilliseconds: 100, maxDelayMilliseconds: 2000, jitter: 0)
        var waitingLogged = false
        while true {
            do {
                if apply {
                    let applied = try await Migrator.migrate(pool: pool, migrations: migrations, logger: logger) { connection, applied in
                        if grants != .never {
                            try DatabasePrivilegesApplier.apply(on: connection, force: grants == .force, logger: logger)
                        }
                    }
                    if !applied.isEmpty { logger.info("schema migrated", metadata: ["versions": "\(applied)"]) }
                    return
                }
                let status = try await pool.withConnection { try Migrator.status(of: migrations, on: $0, logger: logger) }
                guard status.pending.isEmpty else {
                    throw PostgresError(
                        .migration, "the schema lacks migrations \(status.pending): the schema owner must migrate (whistlectl migrate)",
                        sqlState: "42501")
                }
                return
            } catch let error as PostgresError where error.isConnectionLoss && ContinuousClock.now < deadline {
                logger.warning("database not reachable yet; waiting", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .milliseconds(policy.failed() ?? 2000))
            } catch let error as PostgresError where error.sqlState == "42501" && ContinuousClock.now < deadline {
                if !waitingLogged {
                    logger.notice("waiting for the schema owner to migrate", metadata: ["error": "\(error.message)"])
                    waitingLogged = true
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// When `migrate` re-applies the service roles' grants (only a role that owns the schema can).
    public enum GrantMode: Sendable {
        /// When the model, or the set of roles, changed since they were last applied.
        case whenChanged
        /// Every time (`whistlectl migrate`).
        case force
        /// Never (tests of the migrator itself).
        case never
    }
}
