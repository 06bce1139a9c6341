import Foundation
import Logging
import Testing
import WhistlePostgres

/// WhistlePostgres on the server at `WHISTLE_TEST_DATABASE_URL` (role with CREATEDB); serialized for the restart test.
@Suite(.serialized) struct PostgresTests {
    static let logger = Logger(label: "whistle.postgres.tests")

    static func adminConfiguration(poolSize: Int = 4) throws -> PostgresConfiguration {
        let url = try #require(
            ProcessInfo.processInfo.environment["WHISTLE_TEST_DATABASE_URL"],
            "WHISTLE_TEST_DATABASE_URL is not set: point it at a PostgreSQL database whose role has CREATEDB")
        return try PostgresConfiguration(url: url, poolSize: poolSize, applicationName: "whistle-tests")
    }

    /// Runs `body`, then `cleanUp` whether or not it threw.
    static func using<T>(_ body: () async throws -> T, cleanUp: () async -> Void) async throws -> T {
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        await cleanUp()
        return try result.get()
    }

    /// Runs `body` with a pool (on the test database unless told otherwise), then closes it.
    static func withPool<T>(
        _ configuration: PostgresConfiguration? = nil, poolSize: Int = 4, _ body: (PostgresPool) async throws -> T
    ) async throws -> T {
        let pool = PostgresPool(configuration: try configuration ?? adminConfiguration(poolSize: poolSize), logger: logger)
        return try await using({ try await body(pool) }, cleanUp: { await pool.close() })
    }

    /// Runs `body` with a pool on a fresh database `whistle_t_<random>`, dropped afterwards.
    static func withScratchDatabase<T>(_ body: (PostgresPool, PostgresConfiguration) async throws -> T) async throws -> T {
        var configuration = try adminConfiguration()
        // Identifiers cannot be parameters; this name is generated here, never taken from input.
        let name = "whistle_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        configuration.database = name
        return try await withPool(poolSize: 1) { admin in
            try await admin.withConnection { try $0.execute("CREATE DATABASE \(name)") }
            return try await using({ try await withPool(configuration) { try await body($0, configuration) } }) {
                _ = try? await admin.withConnection { try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            }
        }
    }

    /// Runs `work(0..<count)` concurrently; returns the results in index order.
    static func concurrently<T: Sendable>(_ count: Int, _ work: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            for index in 0..<count { group.addTask { (index, try await work(index)) } }
            var results: [(Int, T)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    static func backendPID(_ pool: PostgresPool) async throws -> Int {
        try await pool.withConnection { try $0.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self) }
    }

    struct Planned: Error {}

    @Test func roundTripsEveryType() async throws {
        try await Self.withPool { pool in
            let id = UUID()
            let when = Date(timeIntervalSince1970: 1_795_249_800.123456)
            let bytes = Data([0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF])
            let texts = ["a", "b,c", "{d}", "\"e\"", "f\\g", "NULL", "", " ", "吹哨报到"]
            let row = try await pool.withConnection { connection in
                try connection.execute(
                    "CREATE TEMP TABLE every_type (s text, i int8, i32 int4, i64 int8, b bool, d float8, t timestamptz, "
                        + "u uuid, y bytea, sa text[], la int8[], ia int8[], missing text)")
                let inserted = try connection.query(
                    "INSERT INTO every_type VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    [
                        "它's \"quoted\" \\ 吹哨", Int.min, Int32.max, Int64.max, true, 0.1, when, id, bytes, texts,
                        [Int64.min, 0, Int64.max], [1, -2, 3], String?.none,
                    ])
                #expect(inserted.affectedRows == 1)
                return try connection.query("SELECT * FROM every_type")[0]
            }
            #expect(try row.decode("s", as: String.self) == "它's \"quoted\" \\ 吹哨")
            #expect(try row.decode(1, as: Int.self) == Int.min)
            #expect(try row.decode(2, as: Int32.self) == Int32.max)
            #expect(try row.decode(3, as: Int64.self) == Int64.max)
            #expect(try row.decode(4, as: Bool.self) == true)
            #expect(try row.decode(5, as: Double.self) == 0.1)
            #expect(abs(try row.decode(6, as: Date.self).timeIntervalSince(when)) < 0.000_001)
            #expect(try row.decode(7, as: UUID.self) == id)
            #expect(try row.decode(8, as: Data.self) == bytes)
            #expect(try row.decode(9, as: [String].self) == texts)
            #expect(try row.decode(10, as: [Int64].self) == [Int64.min, 0, Int64.max])
            #expect(try row.decode(11, as: [Int].self) == [1, -2, 3])
            #expect(row.isNull(12))
            #expect(try row.decodeIfPresent("missing", as: String.self) == nil)
            #expect(throws: PostgresError.self) { try row.decode(12, as: String.self) }

            // The server's own text output parses too (session runs in UTC with ISO dates).
            let output = try await pool.withConnection { connection in
                try connection.query(
                    "SELECT '2026-11-21 16:30:00.5+08'::timestamptz, current_setting('TimeZone'), ARRAY['x y', NULL, 'NULL']")[0]
            }
            let outputs = try (0..<3).map { try output.decode($0, as: String.self) }
            #expect(outputs == ["2026-11-21 08:30:00.5+00", "UTC", #"{"x y",NULL,"NULL"}"#])
        }
    }

    @Test func injectionTextStaysData() async throws {
        try await Self.withPool { pool in
            let hostile = "x'); DROP TABLE notes; SELECT ('"
            let stored = try await pool.withConnection { connection in
                try connection.execute("CREATE TEMP TABLE notes (body text)")
                try connection.query("INSERT INTO notes (body) VALUES ($1)", [hostile])
                return try connection.query("SELECT body FROM notes WHERE body = $1", [hostile]).map { try $0.decode(0, as: String.self) }
            }
            #expect(stored == [hostile])
        }
    }

    @Test func transactionRollsBackOnThrow() async throws {
        try await Self.withScratchDatabase { pool, _ in
            try await pool.withConnection { try $0.execute("CREATE TABLE ledger (n int)") }
            await #expect(throws: Planned.self) {
                try await pool.transaction { connection in
                    try connection.query("INSERT INTO ledger VALUES ($1)", [1])
                    throw Planned()
                }
            }
            // A statement that failed inside the body, with its error swallowed, must not commit.
            let swallowed = await #expect(throws: PostgresError.self) {
                try await pool.transaction { connection in
                    try connection.query("INSERT INTO ledger VALUES ($1)", [2])
                    _ = try? connection.query("SELECT 1/0")
                }
            }
            #expect(swallowed?.code == .query)
            // Nested transactions are savepoints: the inner one rolls back alone.
            try await pool.transaction { connection in
                try connection.query("INSERT INTO ledger VALUES ($1)", [3])
                _ = try? connection.transaction { inner in
                    try inner.query("INSERT INTO ledger VALUES ($1)", [4])
                    throw Planned()
                }
            }
            #expect(try await pool.withConnection { try $0.query("SELECT n FROM ledger").map { try $0.decode(0, as: Int.self) } } == [3])
        }
    }

    @Test func uniqueViolationIsRecognised() async throws {
        try await Self.withPool { pool in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { connection in
                    try connection.execute("CREATE TEMP TABLE people (email text CONSTRAINT people_email_key UNIQUE)")
                    try connection.query("INSERT INTO people VALUES ($1)", ["a@example.cn"])
                    try connection.query("INSERT INTO people VALUES ($1)", ["a@example.cn"])
                }
            }
            #expect(error?.isUniqueViolation == true)
            #expect(error?.sqlState == "23505")
            #expect(error?.constraintName == "people_email_key")
            #expect(error?.description.contains("a@example.cn") == false, "errors must not quote row values")
        }
    }

    @Test func fiftyTasksShareFourConnections() async throws {
        try await Self.withPool(poolSize: 4) { pool in
            let results = try await Self.concurrently(50) { n in
                try await pool.withConnection { connection in
                    let row = try connection.query("SELECT $1::int, pg_backend_pid(), pg_sleep(0.01)", [n])[0]
                    return (try row.decode(0, as: Int.self), try row.decode(1, as: Int.self))
                }
            }
            #expect(results.map(\.0) == Array(0..<50))
            #expect(Set(results.map(\.1)).count <= 4)
            #expect(await pool.ping())
            await pool.close()
            await #expect(throws: PostgresError.self) { try await pool.withConnection { _ in 1 } }
            #expect(await pool.ping() == false)
        }
    }

    @Test func waitingForAConnectionIsCancellable() async throws {
        try await Self.withPool(poolSize: 1) { pool in
            let holder = Task { try await pool.withConnection { try $0.query("SELECT pg_sleep(0.5)") } }
            try await Task.sleep(for: .milliseconds(100))
            let waiter = Task { try await pool.withConnection { _ in 1 } }
            try await Task.sleep(for: .milliseconds(50))
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            _ = try await holder.value
        }
    }

    @Test func concurrentMigrationsApplyEachVersionOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = [
            "0002_tickets.sql": "CREATE TABLE tickets (id bigserial PRIMARY KEY, area text NOT NULL); SELECT pg_sleep(0.2);",
            "0001_areas.sql": "CREATE TABLE areas (code text PRIMARY KEY);\nINSERT INTO areas VALUES ('110101');",
            "0010_index.sql": "CREATE INDEX tickets_area ON tickets (area);",
            "README.txt": "not a migration",
        ]
        for (name, sql) in files { try sql.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let migrations = try Migrator.load(from: folder)
        #expect(migrations.map { "\($0.version)_\($0.name)" } == ["1_areas", "2_tickets", "10_index"])

        try await Self.withScratchDatabase { pool, configuration in
            // Two pools stand for two services starting at the same moment.
            let (a, b) = try await Self.withPool(configuration) { other in
                async let first = Migrator.migrate(pool: pool, migrations: migrations, logger: Self.logger)
                async let second = Migrator.migrate(pool: other, migrations: migrations, logger: Self.logger)
                return try await (first, second)
            }
            #expect((a + b).sorted() == [1, 2, 10], "applied \(a) and \(b)")
            #expect(a.isEmpty || b.isEmpty)
            let recorded = try await pool.withConnection { try $0.query("SELECT version FROM schema_migrations ORDER BY 1") }
            #expect(try recorded.map { try $0.decode(0, as: Int.self) } == [1, 2, 10])
            #expect(try await Migrator.migrate(pool: pool, migrations: migrations, logger: Self.logger) == [])

            // Edited history and a failing migration are both refused with a migration error.
            var edited = migrations
            edited[1] = Migration(version: 2, name: "tickets_renamed", sql: migrations[1].sql)
            let broken = migrations + [Migration(version: 11, name: "broken", sql: "CREATE TABLE nope (x nosuchtype)")]
            for refused in [edited, broken] {
                let error = await #expect(throws: PostgresError.self) {
                    try await Migrator.migrate(pool: pool, migrations: refused, logger: Self.logger)
                }
                #expect(error?.code == .migration)
            }
            #expect(try await Migrator.migrate(pool: pool, migrations: migrations, logger: Self.logger) == [])
        }
    }

    @Test func connectionKilledMidQueryIsReplaced() async throws {
        try await Self.withPool(poolSize: 1) { pool in
            let victim = try await Self.backendPID(pool)
            try await Self.withPool(poolSize: 1) { admin in
                let sleeper = Task { try await pool.withConnection { try $0.query("SELECT pg_sleep(5)") } }
                try await Task.sleep(for: .milliseconds(200))
                #expect(
                    try await admin.withConnection {
                        try $0.query("SELECT pg_terminate_backend($1)", [victim])[0].decode(0, as: Bool.self)
                    })
                let error = await #expect(throws: PostgresError.self) { try await sleeper.value }
                #expect(error?.isConnectionLoss == true, "\(String(describing: error))")
            }
            // The next call reopens the connection (after a short backoff) on the same thread.
            #expect(try await Self.backendPID(pool) != victim)
        }
    }

    @Test func poolSurvivesServerRestart() async throws {
        let servers = try TestServers.fromEnvironment()
        try await Self.withPool(poolSize: 4) { pool in
            // Open all four connections.
            _ = try await Self.concurrently(4) { _ in try await pool.withConnection { _ = try $0.query("SELECT pg_sleep(0.05)") } }
            let status = try await servers.control("postgres-restart")
            #expect(status == 0, "\(servers.script) postgres-restart exited with \(status)")

            let deadline = ContinuousClock.now + .seconds(20)
            var losses = 0, recovered = false
            while !recovered, ContinuousClock.now < deadline {
                do {
                    recovered = try await pool.withConnection { try $0.query("SELECT 1").count == 1 }
                } catch let error as PostgresError {
                    #expect(error.isConnectionLoss, "unexpected error after restart: \(error)")
                    losses += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(recovered, "the pool did not recover within 20 s (\(losses) failed attempts)")
            // Every connection works again without restarting anything.
            let values = try await Self.concurrently(8) { n in
                try await pool.withConnection { try $0.query("SELECT $1::int, pg_sleep(0.02)", [n])[0].decode(0, as: Int.self) }
            }
            #expect(values == Array(0..<8))
            #expect(await pool.ping())
        }
    }
}
