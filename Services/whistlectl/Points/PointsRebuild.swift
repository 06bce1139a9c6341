import Foundation
import WhistleDomain
import WhistlePostgres
import WhistleReliability

/// `whistlectl points rebuild`: every award recomputed from the timeline — the `ticket.closed`
/// entries in order of closing, the demands of each ticket, the rules of `points_rules` folded
/// through `PointsTally` as intake awards them — with the redemptions kept, in one transaction
/// that holds the ledger's tables against intake's writes meanwhile.
enum PointsRebuild {
    struct Summary {
        /// Balances by reporter before and after (after = what the rebuild gives, applied or not).
        var before: [String: Int]
        /// What the ledger's entries add up to by reporter, before.
        var ledger: [String: Int]
        var after: [String: Int]
        var closings: Int
        var awards: Int

        /// Reporters whose balance or entries differ from what the timeline gives, sorted.
        var differences: [(reporter: String, balance: Int, ledger: Int, after: Int)] {
            Set(before.keys).union(ledger.keys).union(after.keys).sorted().compactMap { ref in
                let (balance, entries, new) = (before[ref] ?? 0, ledger[ref] ?? 0, after[ref] ?? 0)
                return balance == new && entries == new ? nil : (ref, balance, entries, new)
            }
        }
    }

    /// Recomputes the awards; with `apply` false only compares (nothing changes).
    static func run(on connection: PostgresConnection, timeZone: TimeZone, apply: Bool) throws -> Summary {
        try connection.transaction { connection in
            _ = try connection.query("LOCK TABLE points_accounts, points_entries IN EXCLUSIVE MODE")
            let before = try balances(connection)
            var ledger: [String: Int] = [:]
            for row in try connection.query("SELECT reporter_ref, sum(points)::bigint FROM points_entries GROUP BY 1") {
                ledger[try row.decode(0, as: String.self)] = try row.decode(1, as: Int.self)
            }
            let reference = try ReferenceSnapshot.load(connection, defaultTimeZone: timeZone).data
            var closings: [PointsClosing] = []
            for row in try connection.query(
                """
                SELECT ticket_no, data ->> 'outcome', at, coalesce(event_id, 'timeline:' || id) FROM timeline
                WHERE type = 'ticket.closed' ORDER BY at, id
                """)
            {
                let outcome: String? = try row.decodeIfPresent(1)
                guard outcome == PointsRule.earningOutcome else { continue }
                closings.append(
                    PointsClosing(
                        ticketNo: try row.decode(0), outcome: PointsRule.earningOutcome, at: try row.decode(2), eventId: try row.decode(3)))
            }
            let tickets = try PointsLedger.tickets(closings.map(\.ticketNo), on: connection)
            var tally = PointsTally(rule: try PointsLedger.rule(on: connection))
            let entries = PointsLedger.awards(closings, tickets: tickets, reference: reference, timeZone: timeZone, tally: &tally)
            var after: [String: Int] = [:]
            for row in try connection.query(
                "SELECT reporter_ref, sum(points)::bigint FROM points_entries WHERE kind = 'redemption' GROUP BY 1")
            {
                after[try row.decode(0, as: String.self)] = try row.decode(1, as: Int.self)
            }
            for entry in entries { after[entry.award.reporterRef, default: 0] += entry.given }
            let summary = Summary(before: before, ledger: ledger, after: after, closings: closings.count, awards: entries.count)
            guard apply else { return summary }
            if let negative = after.first(where: { $0.value < 0 }) {
                throw CtlError(
                    .rejected,
                    "the rebuilt awards would leave \(negative.key) with \(negative.value) points after its redemptions (the rules changed?); nothing changed"
                )
            }
            _ = try connection.query("DELETE FROM points_entries WHERE kind = 'award'")
            _ = try PointsLedger.lockAccounts(Set(after.keys), on: connection)
            try PointsLedger.insert(entries, on: connection)
            _ = try connection.query(
                """
                UPDATE points_accounts a SET balance = coalesce(s.total, 0), updated_at = now()
                FROM points_accounts b LEFT JOIN (SELECT reporter_ref, sum(points) AS total FROM points_entries GROUP BY 1) s
                    ON s.reporter_ref = b.reporter_ref
                WHERE a.reporter_ref = b.reporter_ref AND a.balance IS DISTINCT FROM coalesce(s.total, 0)
                """)
            return Summary(before: before, ledger: ledger, after: try balances(connection), closings: closings.count, awards: entries.count)
        }
    }

    /// Every account's balance (reporters with nothing are left out).
    static func balances(_ connection: PostgresConnection) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try connection.query("SELECT reporter_ref, balance FROM points_accounts WHERE balance <> 0") {
            out[try row.decode(0, as: String.self)] = try row.decode(1, as: Int.self)
        }
        return out
    }
}
