import ArgumentParser
import EvaluatorService
import Foundation
import WhistleDomain
import WhistleReliability

/// `whistlectl scores`: the departments' KPIs, and their rebuild from the timeline.
struct ScoresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scores",
        abstract: "Show the departments' KPIs and composite scores, or rebuild them from the timeline.",
        subcommands: [ScoresShowCommand.self, ScoresRebuildCommand.self], defaultSubcommand: ScoresShowCommand.self)
}

/// `whistlectl scores rebuild`: recomputes `kpi_daily` from the timeline.
struct ScoresRebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recompute every department's daily KPIs from the tickets' timelines (safe while evaluator runs).",
        discussion: """
            The figures evaluator keeps from events are replaced, in one transaction, by those the same rules \
            give over the timeline; the events counted are marked so that evaluator does not count them again. \
            Days are local days of WHISTLE_TIMEZONE (default Asia/Shanghai), as in evaluator.
            """)

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let zone = try ConnectionOptions.timeZone()
        let started = ContinuousClock.now
        let summary = try await connection.withDatabase { pool in
            try await pool.withConnection { connection in try KPIStore.rebuild(on: connection, timeZone: zone) }
        }
        let took = ContinuousClock.now - started
        for entry in summary.unreadable { FileHandle.standardError.write(Data("whistlectl: not counted, unreadable: \(entry)\n".utf8)) }
        print(
            "rebuilt kpi_daily from \(summary.entries) timeline entries: \(summary.rows) department-days of \(summary.departments) departments "
                + "in \(took.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
    }
}

/// `whistlectl scores show`: the report of `GET /v1/scores` as a table, JSON or CSV.
struct ScoresShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show each department's KPIs over a range of local days (default: this month).")

    @Option(help: "First local day, YYYY-MM-DD (default: the first of this month).")
    var from: String?

    @Option(help: "Last local day, YYYY-MM-DD (default: the end of this month).")
    var to: String?

    @Option(help: "Output: table, json or csv.")
    var format = "table"

    @Flag(help: "Also list departments with nothing measured in the range.")
    var all = false

    @Option(help: "Only the departments serving this area or an area below it (an area code), as /v1/scores?area=.")
    var area: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard ["table", "json", "csv"].contains(format) else { throw ValidationError("--format must be table, json or csv") }
    }

    func run() async throws {
        let zone = try ConnectionOptions.timeZone()
        let today = LocalDate.local(of: Date(), in: zone).date
        let range: (from: LocalDate, to: LocalDate)
        do {
            range = try QueryParameters.dateRange(from: from, to: to, today: today)
        } catch {
            throw CtlError(.usage, error.message)
        }
        let weightsSetting = ProcessInfo.processInfo.environment["WHISTLE_SCORE_WEIGHTS"] ?? ""
        guard var weights = weightsSetting.isEmpty ? ScoreWeights.default : ScoreWeights(setting: weightsSetting) else {
            throw CtlError(.usage, "WHISTLE_SCORE_WEIGHTS is not name=weight,… with the whistle weight at least 30 %")
        }
        let mixSetting = ProcessInfo.processInfo.environment["WHISTLE_SCORE_STREET_MIX"] ?? ""
        guard let mix = mixSetting.isEmpty ? StreetMix.default : StreetMix(setting: mixSetting) else {
            throw CtlError(.usage, "WHISTLE_SCORE_STREET_MIX is not name=weight,… over whistle and period")
        }
        weights.streetMix = mix
        let totals = try await connection.withDatabase { pool in
            try await pool.withConnection { connection in
                var areas: [String]?
                if let area {
                    let reference = try ReferenceSnapshot.load(connection, defaultTimeZone: zone).data
                    guard reference.areas[area] != nil else { throw CtlError(.usage, "--area: no area \(area) in the reference data") }
                    areas = reference.subtree(of: area)
                }
                return try KPIStore.totals(on: connection, from: range.from, to: range.to, areas: areas)
            }
        }
        var report = ScoreReport(from: range.from, to: range.to, weights: weights, totals: totals, area: area)
        if !all { report.departments = report.departments.filter(\.isActive) }
        switch format {
        case "json": print(report.json)
        case "csv": print(report.csv, terminator: "")
        default: print(table(report))
        }
    }

    func table(_ report: ScoreReport) -> String {
        guard !report.departments.isEmpty else { return "nothing measured from \(report.from) to \(report.to)" }
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        func score(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }
        var table = TextTable(
            [
                "DEPARTMENT", "DISPATCHED", "RESPONSE", "ON-TIME", "RESOLVED", "SATISFIED", "RETURNED", "REWORK", "OVERDUE", "ESCALATED",
                "WHISTLE", "STREET", "WHISTLES", "EMPTY", "CONTESTS", "LOST", "COMPOSITE",
            ],
            rightAligned: Set(1...16))
        for line in report.departments {
            let r = line.rates
            table.append([
                line.department, String(line.counts.dispatched), percent(r.responseRate), percent(r.onTimeRate), percent(r.resolutionRate),
                percent(r.satisfactionRate), percent(r.returnRate), percent(r.reworkRate), String(line.counts.overdue),
                String(line.counts.escalations), score(r.whistleScore), score(r.streetScore), String(line.counts.whistles),
                String(line.counts.whistlesEmpty), String(line.counts.contests), String(line.counts.contestsLost), score(r.composite),
            ])
        }
        let scope = report.area.map { " serving \($0) and below" } ?? ""
        return table.render() + "\n\(report.departments.count) departments\(scope), \(report.from) to \(report.to)."
    }
}
