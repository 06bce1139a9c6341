import Foundation
import WhistlePostgres

/// PostgreSQL's own profile of a flow scenario, from `pg_stat_statements`: reset before the
/// scenario, and its top statements by total execution time read after it (with the role that
/// ran each, which names the service: `whistle_intake`, `whistle_dispatcher`, …).
///
/// `deploy/servers.sh` loads the module (`shared_preload_libraries`) and creates the view in
/// schema `monitoring` of the profile's database, readable and resettable by the schema owner.
/// Where it is missing, each call says why instead of failing the benchmark.
struct StatementProfile: Sendable {
    /// One normalized statement (`$1` for its constants) and what it cost during the scenario.
    struct Statement: Sendable {
        var role: String
        var calls: Int
        var totalMilliseconds: Double
        var meanMilliseconds: Double
        var rows: Int
        /// The statement on one line, at most `StatementProfile.queryLength` characters.
        var query: String
    }

    /// The profile of one scenario.
    struct Result: Sendable {
        /// The statements of the database with the largest total time, largest first.
        var top: [Statement] = []
        /// All statements of the database: their summed time and calls.
        var totalMilliseconds = 0.0
        var calls = 0
        /// Why there is no profile (nil when there is one).
        var unavailable: String?
    }

    var databaseURL: String
    /// How many statements `top` keeps.
    var limit = 15
    static let queryLength = 160

    /// Forgets every statement counted so far (of all databases: the benchmark's is the only busy
    /// one). Returns why it could not, or nil.
    func reset() async -> String? {
        do {
            return try await withConnection { connection, schema in
                _ = try connection.query("SELECT \(schema).pg_stat_statements_reset()")
                return nil
            }
        } catch {
            return "pg_stat_statements: \(error)"
        }
    }

    /// The top statements of the database since the last `reset`.
    func read() async -> Result {
        do {
            return try await withConnection { connection, schema in
                let database = "(SELECT oid FROM pg_database WHERE datname = current_database())"
                var result = Result()
                if let row = try connection.query(
                    """
                    SELECT coalesce(sum(total_exec_time), 0)::float8, coalesce(sum(calls), 0)::int8
                    FROM \(schema).pg_stat_statements WHERE dbid = \(database)
                    """
                ).first {
                    result.totalMilliseconds = try row.decode(0, as: Double.self)
                    result.calls = Int(try row.decode(1, as: Int64.self))
                }
                result.top = try connection.query(
                    """
                    SELECT coalesce(r.rolname::text, s.userid::text), s.calls, s.total_exec_time, s.mean_exec_time, s.rows, s.query
                    FROM \(schema).pg_stat_statements s LEFT JOIN pg_roles r ON r.oid = s.userid
                    WHERE s.dbid = \(database)
                    ORDER BY s.total_exec_time DESC LIMIT $1
                    """, [limit]
                ).map { row in
                    Statement(
                        role: try row.decode(0), calls: Int(try row.decode(1, as: Int64.self)),
                        totalMilliseconds: try row.decode(2), meanMilliseconds: try row.decode(3),
                        rows: Int(try row.decode(4, as: Int64.self)), query: Self.oneLine(try row.decode(5)))
                }
                return result
            }
        } catch {
            return Result(unavailable: "pg_stat_statements: \(error)")
        }
    }

    /// A statement on one line (runs of white space folded), cut at `queryLength`.
    static func oneLine(_ query: String) -> String {
        let folded = query.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
        return folded.count <= queryLength ? folded : String(folded.prefix(queryLength - 1)) + "…"
    }

    /// Lines for the report's table: total, then one line per statement.
    static func lines(_ result: Result, indent: String = "  ") -> [String] {
        if let why = result.unavailable { return ["\(indent)statements: unavailable (\(why))"] }
        var lines = [
            String(
                format: "%@statements: %.1f s in %d calls; top %d by total time:", indent, result.totalMilliseconds / 1000, result.calls,
                result.top.count)
        ]
        for statement in result.top {
            lines.append(
                String(
                    format: "%@  %8.1f s %8d calls %8.2f ms  %@  %@", indent, statement.totalMilliseconds / 1000, statement.calls,
                    statement.meanMilliseconds, statement.role, statement.query))
        }
        return lines
    }

    /// The result as JSON values (milliseconds).
    static func json(_ result: Result) -> [String: Any] {
        if let why = result.unavailable { return ["unavailable": why] }
        return [
            "total_ms": result.totalMilliseconds, "calls": result.calls,
            "top": result.top.map {
                [
                    "role": $0.role, "calls": $0.calls, "total_ms": $0.totalMilliseconds, "mean_ms": $0.meanMilliseconds, "rows": $0.rows,
                    "query": $0.query,
                ] as [String: Any]
            },
        ]
    }

    /// Runs `body` on a connection of its own with the quoted schema of the extension; throws
    /// when the extension is not installed in the database.
    private func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, String) throws -> T
    ) async throws -> T {
        let pool = PostgresPool(
            configuration: try PostgresConfiguration(url: databaseURL, poolSize: 1, applicationName: "whistle-bench-statements"),
            logger: .init(label: "bench"))
        do {
            let value = try await pool.withConnection { connection in
                guard
                    let schema = try connection.query(
                        """
                        SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                        WHERE e.extname = 'pg_stat_statements'
                        """
                    ).first?.decode(0, as: String.self)
                else {
                    throw BenchError("the extension is not installed in this database (deploy/servers.sh start creates it)")
                }
                return try body(connection, schema)
            }
            await pool.close()
            return value
        } catch {
            await pool.close()
            throw error
        }
    }
}
