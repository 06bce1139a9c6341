import Foundation
import Logging

/// One schema change: the SQL of file `NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    /// The number the file name starts with; migrations apply in ascending order.
    public let version: Int
    /// The file name between the first `_` and `.sql`.
    public let name: String
    /// The statements, run in one transaction (so no `CREATE INDEX CONCURRENTLY`, no own BEGIN/COMMIT).
    public let sql: String

    /// Creates a migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies numbered SQL migrations exactly once, even when several services start together.
public enum Migrator {
    /// Key of the session-level advisory lock held while migrating ("WHISTLE1" in ASCII).
    public static let advisoryLockKey: Int64 = 0x5748_4953_544C_4531

    /// Loads `NNNN_name.sql` files from `directory`, sorted by number.
    ///
    /// Throws `.migration` for a `.sql` file that does not follow the pattern, for two files with
    /// the same number, or when the folder cannot be read. Other files are ignored.
    public static func load(from directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw PostgresError(.migration, "cannot list migrations in \(directory.path): \(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for file in names where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version >= 0,
                stem[..<underscore].allSatisfy(\.isASCII), stem.index(after: underscore) < stem.endIndex
            else {
                throw PostgresError(.migration, "migration file \(file) is not named NNNN_name.sql")
            }
            let sql: String
            do {
                sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            } catch {
                throw PostgresError(.migration, "cannot read migration \(file): \(error.localizedDescription)")
            }
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw PostgresError(.migration, "two migrations have version \(next.version): \(previous.name) and \(next.name)")
        }
        return migrations
    }

    /// Applies, in order, the migrations not yet recorded in `schema_migrations`, each in its own
    /// transaction, all while holding `pg_advisory_lock(advisoryLockKey)` on one connection: when
    /// several services start at once, one migrates and the others wait, then find nothing to do.
    /// `afterwards` runs under the same lock, with the versions applied, when this role may
    /// migrate (it owns the schema): the place to re-apply grants.
    ///
    /// Returns the versions applied by this call. Throws `.migration` when the database records a
    /// version under a different name than its file (edited history), when a migration fails
    /// (earlier ones stay applied), and, with SQLSTATE 42501, when migrations are pending but this
    /// role may not apply them (a service role: the schema owner must migrate).
    public static func migrate(
        pool: PostgresPool, migrations: [Migration], logger: Logger,
        afterwards: @escaping @Sendable (PostgresConnection, [Int]) throws -> Void = { _, _ in }
    ) async throws -> [Int] {
        let ordered = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where previous.version == next.version {
            throw PostgresError(.migration, "two migrations have version \(next.version)")
        }
        return try await pool.withConnection { connection in
            try connection.query("SELECT pg_advisory_lock($1)", [advisoryLockKey])
            defer {
                do {
                    try connection.query("SELECT pg_advisory_unlock($1)", [advisoryLockKey])
                } catch {
                    logger.warning("could not release the migration lock", metadata: ["error": "\(error)"])
                }
            }
            let status = try status(of: ordered, on: connection, logger: logger)
            guard status.mayMigrate else {
                if status.pending.isEmpty { return [] }
                throw PostgresError(
                    .migration,
                    "the schema lacks migrations \(status.pending) and this role may not apply them: the schema owner must migrate "
                        + "(whistlectl migrate)", sqlState: "42501")
            }
            let applied = try applyPending(ordered.filter { status.pending.contains($0.version) }, on: connection, logger: logger)
            try afterwards(connection, applied)
            return applied
        }
    }

    /// The schema's migration state as this connection's role sees it, read without changing
    /// anything. Throws `.migration` for edited history.
    public static func status(of migrations: [Migration], on connection: PostgresConnection, logger: Logger) throws -> SchemaStatus {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL").first?.decode(0, as: Bool.self) ?? false
        guard exists else {
            let mayCreate =
                try connection.query("SELECT coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)")
                .first?.decode(0, as: Bool.self) ?? false
            return SchemaStatus(applied: [], pending: migrations.map(\.version), mayMigrate: mayCreate)
        }
        let mayMigrate =
            try connection.query(
                "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = 'schema_migrations'::regclass"
            ).first?.decode(0, as: Bool.self) ?? false
        var recorded: [Int: String] = [:]
        for row in try connection.query("SELECT version, name FROM schema_migrations") {
            recorded[try row.decode(0, as: Int.self)] = try row.decode(1, as: String.self)
        }
        for migration in migrations {
            if let name = recorded[migration.version], name != migration.name {
                throw PostgresError(
                    .migration,
                    "migration \(migration.version) was applied as \"\(name)\" but the file says \"\(migration.name)\"; history was edited")
            }
        }
        let known = Set(migrations.map(\.version))
        let unknown = recorded.keys.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            logger.warning("database has migrations this build does not know", metadata: ["versions": "\(unknown)"])
        }
        return SchemaStatus(
            applied: recorded.keys.sorted(), pending: migrations.map(\.version).filter { recorded[$0] == nil }, mayMigrate: mayMigrate)
    }

    /// The part of `migrate` that runs under the advisory lock: `migrations` are the pending ones.
    private static func applyPending(_ migrations: [Migration], on connection: PostgresConnection, logger: Logger) throws -> [Int] {
        if !migrations.isEmpty {
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version int PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
        var applied: [Int] = []
        for migration in migrations {
            let started = Date()
            do {
                try connection.transaction { connection in
                    try connection.execute(migration.sql)
                    try connection.query(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())",
                        [migration.version, migration.name])
                }
            } catch let error as PostgresError where error.code == .query {
                throw PostgresError(
                    .migration, "migration \(migration.version)_\(migration.name) failed: \(error.message)",
                    sqlState: error.sqlState, constraintName: error.constraintName)
            }
            applied.append(migration.version)
            logger.info(
                "applied migration",
                metadata: [
                    "version": "\(migration.version)", "name": "\(migration.name)",
                    "ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
                ])
        }
        return applied
    }
}

/// The migration state of a database as one role sees it.
public struct SchemaStatus: Sendable, Equatable {
    /// Versions recorded in `schema_migrations`.
    public var applied: [Int]
    /// Versions of the given migrations not recorded yet, ascending.
    public var pending: [Int]
    /// Whether this role may apply migrations: it owns `schema_migrations`, or may create it.
    public var mayMigrate: Bool
}
