import Foundation
import Testing
import WhistlePostgres

/// A query whose task is cancelled is stopped on the server (`PQcancel`), and the pool goes on.
@Suite("PostgreSQL query cancellation")
struct PostgresCancellationTests {
    @Test("cancelling the task of SELECT pg_sleep(30) stops the statement; the same connection serves the next query")
    func cancelledQueryStopsOnTheServer() async throws {
        try await PostgresTests.withPool(poolSize: 1) { pool in
            let before = try await PostgresTests.backendPID(pool)
            let started = ContinuousClock.now
            let sleeping = Task { try await pool.withConnection { try $0.query("SELECT pg_sleep(30)").count } }
            try await Task.sleep(for: .milliseconds(200))
            sleeping.cancel()
            let outcome = await sleeping.result
            let took = ContinuousClock.now - started
            #expect(throws: CancellationError.self, "the query throws a cancellation error") { try outcome.get() }
            #expect(took < .seconds(15), "the statement ended long before its 30 s (took \(took))")
            // The pool still works, on the same backend: the connection was not dropped.
            #expect(try await PostgresTests.backendPID(pool) == before)
            try await PostgresTests.withPool(poolSize: 1) { observer in
                let sleepers = try await observer.withConnection {
                    try $0.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%pg_sleep%'", [before]
                    )[0].decode(0, as: Int.self)
                }
                #expect(sleepers == 0, "no pg_sleep left on the server")
            }
        }
    }

    @Test("a task cancelled inside a transaction leaves no transaction open for the connection's next user")
    func cancelledTransactionIsRolledBack() async throws {
        try await PostgresTests.withPool(poolSize: 1) { pool in
            let session = Task {
                try await pool.withSession { session in
                    try await session.run { try $0.execute("BEGIN") }
                    _ = try await session.run { try $0.query("SELECT pg_sleep(30)").count }
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            session.cancel()
            _ = await session.result
            // Left in the aborted transaction, the next statement would fail (25P02); inside any
            // transaction, now() would not move between two statements.
            let first = try await pool.withConnection { try $0.query("SELECT now()::text")[0].decode(0, as: String.self) }
            try await Task.sleep(for: .milliseconds(20))
            let second = try await pool.withConnection { try $0.query("SELECT now()::text")[0].decode(0, as: String.self) }
            #expect(first != second, "the next user's statements run outside the cancelled user's transaction")
        }
    }
}
