import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// `kpi_daily`: department × local day counts, kept current from events (`add`) and recomputed
/// from the timeline (`rebuild`, `whistlectl scores rebuild`) with the same fold, `KPIFold`.
///
/// Both take the table lock in an order that cannot deadlock: a batch holds `ROW EXCLUSIVE` on
/// `kpi_daily` before it claims its events in `evaluator_applied`; a rebuild holds `EXCLUSIVE`,
/// so batches wait for it and then find the events it counted already claimed.
public enum KPIStore {
    /// The `kpi_daily` count columns, in `KPICounts` order.
    static let columns = [
        "dispatched", "acknowledged", "acknowledged_on_time", "completed", "completed_on_time", "resolved", "answered",
        "satisfied", "basically_satisfied", "returned", "reworked", "overdue", "escalations", "evaluation_sum",
        "evaluation_count", "whistles", "whistles_empty", "contests", "contests_lost",
    ]

    static func values(_ counts: KPICounts) -> [Int] {
        [
            counts.dispatched, counts.acknowledged, counts.acknowledgedOnTime, counts.completed, counts.completedOnTime,
            counts.resolved, counts.answered, counts.satisfied, counts.basicallySatisfied, counts.returned, counts.reworked,
            counts.overdue, counts.escalations, counts.evaluationSum, counts.evaluationCount, counts.whistles, counts.whistlesEmpty,
            counts.contests, counts.contestsLost,
        ]
    }

    static func counts(_ values: [Int]) -> KPICounts {
        var counts = KPICounts()
        (
            counts.dispatched, counts.acknowledged, counts.acknowledgedOnTime, counts.completed, counts.completedOnTime,
            counts.resolved, counts.answered, counts.satisfied, counts.basicallySatisfied, counts.returned, counts.reworked,
            counts.overdue, counts.escalations, counts.evaluationSum, counts.evaluationCount
        ) = (
            values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7], values[8], values[9],
            values[10], values[11], values[12], values[13], values[14]
        )
        (counts.whistles, counts.whistlesEmpty, counts.contests, counts.contestsLost) = (values[15], values[16], values[17], values[18])
        return counts
    }

    /// Takes the lock a batch needs before it claims events (see the type's notes).
    static func lockForEvents(_ connection: PostgresConnection) throws {
        _ = try connection.query("LOCK TABLE kpi_daily IN ROW EXCLUSIVE MODE")
    }

    /// Adds the ledger's counts to `kpi_daily` (one statement) and its period evaluations to
    /// `period_scores`.
    static func add(_ ledger: KPILedger, on connection: PostgresConnection) throws {
        try write(ledger, on: connection, replacing: false)
        try PeriodScores.add(ledger.periodScores, on: connection)
    }

    private static func write(_ ledger: KPILedger, on connection: PostgresConnection, replacing: Bool) throws {
        guard !ledger.counts.isEmpty else { return }
        let keys = ledger.counts.keys.sorted()
        var parameters: [(any PostgresEncodable)?] = [TextArray(keys.map(\.department)), TextArray(keys.map { $0.day.description })]
        let rows = keys.map { values(ledger.counts[$0] ?? KPICounts()) }
        for column in columns.indices { parameters.append(rows.map { $0[column] }) }
        let names = columns.joined(separator: ", ")
        let unnest = columns.indices.map { "$\($0 + 3)::int[]" }.joined(separator: ", ")
        let update =
            replacing
            ? columns.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
            : columns.map { "\($0) = kpi_daily.\($0) + EXCLUDED.\($0)" }.joined(separator: ", ")
        _ = try connection.query(
            """
            INSERT INTO kpi_daily (department, day, \(names))
            SELECT * FROM unnest($1::text[], $2::date[], \(unnest))
            ON CONFLICT (department, day) DO UPDATE SET \(update)
            """, parameters)
    }

    /// What a rebuild did.
    public struct RebuildSummary: Sendable, Equatable {
        public var entries = 0
        public var rows = 0
        public var departments = 0
        /// The entries whose data is not their type's payload (`timeline <id>: <field>: <why>`):
        /// not counted, as evaluator does not count such an event.
        public var unreadable: [String] = []
    }

    /// Recomputes every `kpi_daily` row from the timeline in one transaction on `connection`, and
    /// marks the events it counted so that evaluator does not count them again. `period_scores`
    /// stays as it is: a period evaluation is about no ticket, so no timeline holds it.
    public static func rebuild(on connection: PostgresConnection, timeZone: TimeZone, chunk: Int = 20_000) throws -> RebuildSummary {
        try connection.transaction { connection in
            _ = try connection.query("LOCK TABLE kpi_daily IN EXCLUSIVE MODE")
            var ledger = KPILedger(timeZone: timeZone)
            var summary = RebuildSummary()
            var after: Int64 = 0
            let types = Array(KPIFold.eventTypes)
            while true {
                let rows = try connection.query(
                    """
                    SELECT id, type, at, data::text, event_id FROM timeline
                    WHERE id > $1 AND type = ANY($2::text[]) ORDER BY id LIMIT $3
                    """, [after, types, chunk])
                guard !rows.isEmpty else { break }
                var eventIds: [String] = []
                for row in rows {
                    after = try row.decode(0, as: Int64.self)
                    let type: String = try row.decode(1)
                    let occurredAt = try row.decode(2, as: Date.self)
                    let data = try ReadAPI.databaseJSON.parse(Array(try row.decode(3, as: String.self).utf8))
                    do {
                        try ledger.add(type: type, occurredAt: occurredAt, data: data)
                    } catch {
                        summary.unreadable.append("timeline \(after): \(error)")
                    }
                    if let id = try row.decodeIfPresent(4, as: String.self) { eventIds.append(id) }
                    summary.entries += 1
                }
                try markApplied(eventIds, on: connection)
            }
            _ = try connection.query("DELETE FROM kpi_daily")
            try write(ledger, on: connection, replacing: true)
            summary.rows = ledger.counts.count
            summary.departments = Set(ledger.counts.keys.map(\.department)).count
            return summary
        }
    }

    /// Records event ids as counted; returns those that were not yet.
    @discardableResult
    static func markApplied(_ eventIds: [String], on connection: PostgresConnection) throws -> Set<String> {
        guard !eventIds.isEmpty else { return [] }
        let rows = try connection.query(
            """
            INSERT INTO evaluator_applied (event_id) SELECT unnest($1::text[])
            ON CONFLICT DO NOTHING RETURNING event_id
            """, [Array(Set(eventIds))])
        return Set(try rows.map { try $0.decode(0, as: String.self) })
    }

    /// Each department's counts summed over the local days `from…to` (inclusive), with the
    /// period evaluations whose period overlaps them: every active department, and any other that
    /// has counts in the range; only those serving an area of `areas` when it is given.
    public static func totals(
        on connection: PostgresConnection, from: LocalDate, to: LocalDate, areas: [String]? = nil
    ) throws -> [DepartmentCounts] {
        let sums = columns.map { "coalesce(sum(k.\($0)), 0)::int" }.joined(separator: ", ")
        let rows = try connection.query(
            """
            SELECT d.code, d.name, d.kind, coalesce(p.total, 0)::int, coalesce(p.count, 0)::int, \(sums)
            FROM departments d
            LEFT JOIN kpi_daily k ON k.department = d.code AND k.day BETWEEN $1::date AND $2::date
            LEFT JOIN (SELECT department, sum(score) AS total, count(*) AS count FROM period_scores
                       WHERE first_day <= $2::date AND last_day >= $1::date GROUP BY department) p ON p.department = d.code
            WHERE $3::text[] IS NULL OR d.area_code = ANY($3::text[])
            GROUP BY d.code, d.name, d.kind, d.active, p.total, p.count
            HAVING d.active OR count(k.department) > 0 OR p.count IS NOT NULL
            ORDER BY d.code
            """, [from.description, to.description, areas.map { TextArray($0) }])
        return try rows.map { row in
            var counts = counts(try (5..<(5 + columns.count)).map { try row.decode($0, as: Int.self) })
            counts.periodSum = try row.decode(3, as: Int.self)
            counts.periodCount = try row.decode(4, as: Int.self)
            return DepartmentCounts(code: try row.decode(0), name: try row.decode(1), kind: try row.decode(2), counts: counts)
        }
    }
}

extension KPIStore {
    /// One department's counts on each local day of `from…to` that has any; nil when the
    /// department is unknown.
    public static func daily(
        on connection: PostgresConnection, department: String, from: LocalDate, to: LocalDate
    ) throws -> (name: String, days: [(day: LocalDate, counts: KPICounts)])? {
        guard
            let name = try connection.query("SELECT name FROM departments WHERE code = $1", [department]).first?.decode(0, as: String.self)
        else { return nil }
        let rows = try connection.query(
            """
            SELECT day::text, \(columns.joined(separator: ", ")) FROM kpi_daily
            WHERE department = $1 AND day BETWEEN $2::date AND $3::date ORDER BY day
            """, [department, from.description, to.description])
        let days = try rows.compactMap { row -> (LocalDate, KPICounts)? in
            guard let day = LocalDate(iso: try row.decode(0)) else { return nil }
            return (day, counts(try (1...columns.count).map { try row.decode($0, as: Int.self) }))
        }
        return (name, days)
    }
}

/// One department's name and counts over a period.
public struct DepartmentCounts: Sendable {
    public var code: String
    public var name: String
    public var kind: String
    public var counts: KPICounts

    public init(code: String, name: String, kind: String, counts: KPICounts) {
        self.code = code
        self.name = name
        self.kind = kind
        self.counts = counts
    }
}

/// `period_scores`: the streets' period evaluations of district departments (CONTRACT §10), one
/// per street × department × period, kept from `evaluation.recorded` events with a `period`.
///
/// A period evaluation is about no ticket, so no timeline holds it and `KPIStore.rebuild` leaves
/// this table as it is. It counts in every `/v1/scores` range that shares at least one local day
/// with its period (`EvaluationPeriod.overlaps`, the SQL of `KPIStore.totals`). Intake accepts one
/// evaluation per street, department and period; should another reach evaluator, the first stays.
enum PeriodScores {
    /// Records the evaluations (one statement); those already recorded are left as they are.
    static func add(_ scores: [PeriodScore], on connection: PostgresConnection) throws {
        guard !scores.isEmpty else { return }
        _ = try connection.query(
            """
            INSERT INTO period_scores (department, by_department, period, first_day, last_day, score)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::int[])
            ON CONFLICT (department, by_department, period) DO NOTHING
            """,
            [
                TextArray(scores.map(\.department)), TextArray(scores.map(\.by)), TextArray(scores.map(\.period.description)),
                TextArray(scores.map(\.period.firstDay.description)), TextArray(scores.map(\.period.lastDay.description)),
                scores.map(\.score),
            ])
    }
}
