import Foundation
import WhistleDomain
import WhistlePostgres
import WhistleRuntime

/// `whistle-bench run --history N`: loads N closed tickets into the database before the benchmark,
/// as months of real use would have left them, so that the flow is measured on a database that is
/// not fresh. Set-based (a plan of N rows from `generate_series`, then one `INSERT … SELECT` per
/// table) in one transaction, as the schema owner; then `VACUUM (ANALYZE)` of every table it
/// filled, as autovacuum would long have done, so that the benchmark does not compete with it.
///
/// Each ticket: opened on a day of the last `days` days (up to yesterday), numbered after that
/// day's existing tickets; one accepted demand (every tenth a merged second one) with its
/// reporter; a lead assignment and, when the default routing rule names one, a co-department,
/// both acknowledged and completed on time; the timeline of the real flow (accepted, dispatched,
/// acknowledged and completed per assignment, resolved, feedback, closed) with the events' data
/// as the services write it; the citizen's feedback; the notifications the flow sends, as sent;
/// the departments' daily figures and the demand statistics. What retention leaves is left:
/// demands of tickets closed more than `rawBodyDays` ago have no raw body, normalized form or
/// reporter, and inbox, journal and applied-event rows exist only for the events of the last
/// `dedupDays`. Every sixth ticket older than nine days closed without feedback.
struct HistoryLoader {
    var databaseURL: String
    var tickets: Int
    var days = 180
    var timeZone = ProcessInfo.processInfo.environment["WHISTLE_TIMEZONE"] ?? "Asia/Shanghai"
    var dedupDays = DedupRetentionSettings.standard.days
    var rawBodyDays = RetentionPolicy.defaultDays

    struct Result: Sendable {
        var tickets: Int
        /// Rows inserted per table, in the order loaded.
        var rows: [(table: String, count: Int)]
        /// Seconds per step, in order.
        var steps: [(name: String, seconds: Double)]
        var loadSeconds: Double
        var vacuumSeconds: Double
        var rowsPerTicket: Double { Double(rows.map(\.count).reduce(0, +)) / Double(max(tickets, 1)) }

        var summary: String {
            let tables = rows.map { "\($0.table) \($0.count)" }.joined(separator: ", ")
            let steps = steps.filter { $0.seconds >= 0.05 }.map { String(format: "%@ %.1f s", $0.name, $0.seconds) }
            return String(
                format: "history: %d closed tickets in %.1f s (+ %.1f s VACUUM ANALYZE), %.1f rows per ticket: %@\nhistory steps: %@",
                tickets, loadSeconds, vacuumSeconds, rowsPerTicket, tables, steps.joined(separator: ", "))
        }
    }

    /// The tables the loader fills, vacuumed and analyzed at the end.
    static let tables = [
        "ticket_sequences", "ticket_facts", "ticket_states", "demands", "demand_reporters", "assignments", "intake_timeline",
        "dispatch_timeline", "feedback", "notifications", "inbox", "event_journal", "evaluator_applied", "kpi_daily", "demand_stats",
    ]

    func validate() throws {
        guard tickets > 0, days >= 2, days <= 3650 else { throw BenchError("--history must be positive and --history-days 2…3650") }
        guard tickets / (days - 1) < 900_000 else { throw BenchError("more than 900,000 tickets a day: raise --history-days") }
    }

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        try validate()
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL, poolSize: 1), logger: .init(label: "bench"))
        defer { Task { await pool.close() } }
        let parameters = HistorySQL.Parameters(
            tickets: tickets, days: days, timeZone: timeZone, dedupDays: dedupDays, rawBodyDays: rawBodyDays)
        let started = ContinuousClock.now
        let (rows, steps): ([(table: String, count: Int)], [(name: String, seconds: Double)]) = try await pool.withConnection {
            connection in
            let rules = try connection.query("SELECT count(*)::int FROM routing_rules WHERE area_code IS NULL")[0].decode(0, as: Int.self)
            guard rules > 0 else { throw BenchError("no default routing rule: seed the reference data first (whistlectl seed)") }
            return try connection.transaction { connection in
                var rows: [(table: String, count: Int)] = []
                var steps: [(name: String, seconds: Double)] = []
                for step in HistorySQL.steps {
                    progress("history  \(step.name)")
                    let begun = ContinuousClock.now
                    let result = try connection.query(step.sql, parameters.values(for: step))
                    steps.append((step.name, (ContinuousClock.now - begun).seconds))
                    for (index, table) in step.counts.enumerated() {
                        rows.append((table, step.countsFromRows ? try result[0].decode(index, as: Int.self) : result.affectedRows))
                    }
                }
                return (rows, steps)
            }
        }
        let loaded = ContinuousClock.now
        try await pool.withConnection { connection in
            for table in Self.tables {
                progress("history  VACUUM (ANALYZE) \(table)")
                try connection.execute("VACUUM (ANALYZE) \(table)")
            }
        }
        return Result(
            tickets: tickets, rows: rows, steps: steps, loadSeconds: (loaded - started).seconds,
            vacuumSeconds: (ContinuousClock.now - loaded).seconds)
    }
}
