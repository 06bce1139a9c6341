import ArgumentParser
import Foundation
import WhistleDomain
import WhistleReliability

/// `whistlectl points`: the rules of 积分回馈, and the ledger's rebuild from the timeline.
struct PointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "points",
        abstract: "Show or change the points rules (积分回馈), or rebuild the awards from the timeline.",
        subcommands: [PointsRulesCommand.self, PointsRebuildCommand.self], defaultSubcommand: PointsRulesCommand.self)
}

/// `whistlectl points rebuild [--check]`.
struct PointsRebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recompute every points award from the timeline, keeping the redemptions (safe while intake runs).",
        discussion: """
            The ticket.closed entries of the timeline, in order of closing, the demands of each ticket and the \
            current rules give every award again, in one transaction that holds intake's ledger writes meanwhile; \
            the streets' redemptions are kept. Prints the reporters' balances before and after. With --check nothing \
            changes, and the exit status is 1 when the rebuild would change a balance. Years are local years of \
            WHISTLE_TIMEZONE (default Asia/Shanghai), as in intake.
            """)

    @Flag(help: "Only compare the ledger with what the timeline gives; change nothing.")
    var check = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let zone = try ConnectionOptions.timeZone()
        let apply = !check
        let summary = try await connection.withDatabase { pool in
            try await pool.withConnection { connection in try PointsRebuild.run(on: connection, timeZone: zone, apply: apply) }
        }
        func total(_ balances: [String: Int]) -> String {
            "\(balances.values.filter { $0 != 0 }.count) reporters, \(balances.values.reduce(0, +)) points"
        }
        print("before: \(total(summary.before))")
        print("after:  \(total(summary.after))  (\(summary.awards) awards from \(summary.closings) satisfied closings)")
        let differences = summary.differences
        for difference in differences.prefix(50) {
            print("  \(difference.reporter): balance \(difference.balance), entries \(difference.ledger) -> \(difference.after)")
        }
        if differences.count > 50 { print("  … and \(differences.count - 50) more") }
        if check {
            print(differences.isEmpty ? "the ledger matches the timeline" : "\(differences.count) reporters differ from the timeline")
            if !differences.isEmpty { throw ExitCode(1) }
        } else {
            print("rebuilt the points awards; \(differences.count) reporters differed from the timeline")
        }
    }
}

/// `whistlectl points rules [--opened N] [--merged N] [--yearly-cap N]`: shows the rules, or
/// changes those given (intake applies them from its next award).
struct PointsRulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Show the points rules, or change them (default 10 opened, 2 merged, 1000 a year).")

    @Option(help: "Points for the reporter whose demand opened a ticket that closed satisfied.")
    var opened: Int?

    @Option(help: "Points for the reporter of each demand merged into it.")
    var merged: Int?

    @Option(name: .customLong("yearly-cap"), help: "The most a reporter earns in a local calendar year.")
    var yearlyCap: Int?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        for (name, value) in [("--opened", opened), ("--merged", merged), ("--yearly-cap", yearlyCap)] {
            if let value, value < 0 || value > 1_000_000 { throw ValidationError("\(name) must be 0…1000000, got \(value)") }
        }
    }

    func run() async throws {
        let (opened, merged, yearlyCap) = (opened, merged, yearlyCap)
        let rule = try await connection.withDatabase { pool in
            try await pool.withConnection { connection -> PointsRule in
                if opened != nil || merged != nil || yearlyCap != nil {
                    _ = try connection.query(
                        """
                        INSERT INTO points_rules AS r (only_row, opened_points, merged_points, yearly_cap)
                        VALUES (true, coalesce($1::int, $4), coalesce($2::int, $5), coalesce($3::int, $6))
                        ON CONFLICT (only_row) DO UPDATE SET opened_points = coalesce($1::int, r.opened_points),
                            merged_points = coalesce($2::int, r.merged_points), yearly_cap = coalesce($3::int, r.yearly_cap),
                            updated_at = now()
                        """,
                        [
                            opened, merged, yearlyCap, PointsRule.default.openedPoints, PointsRule.default.mergedPoints,
                            PointsRule.default.yearlyCap,
                        ])
                }
                return try PointsLedger.rule(on: connection)
            }
        }
        print("opened: \(rule.openedPoints)  merged: \(rule.mergedPoints)  yearly cap: \(rule.yearlyCap)")
    }
}
