import Crypto
import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres

/// The reporter of a demand in the points ledger (`PointsRule.reporterRef`), hashed with SHA-256.
public enum PointsReference {
    /// `PointsRule.reporterRef` with the SHA-256 of swift-crypto.
    public static func of(channel: Channel?, reporter: Reporter?) -> String? {
        PointsRule.reporterRef(channel: channel, reporter: reporter, sha256Hex: sha256Hex)
    }

    /// The lower-case hex SHA-256 of `text`'s UTF-8 bytes.
    public static func sha256Hex(_ text: String) -> String { Hex.encode(Array(SHA256.hash(data: Array(text.utf8)))) }
}

/// A ticket that closed, as the ledger awards it: from a `ticket.closed` event (intake) or its
/// timeline entry (`whistlectl points rebuild`).
public struct PointsClosing: Sendable, Hashable {
    public var ticketNo: String
    public var outcome: String
    public var at: Date
    /// The event that announced the closing (the ledger entry's `message_id`).
    public var eventId: String

    public init(ticketNo: String, outcome: String, at: Date, eventId: String) {
        self.ticketNo = ticketNo
        self.outcome = outcome
        self.at = at
        self.eventId = eventId
    }
}

/// One award as the ledger records it.
public struct PointsAwardEntry: Sendable, Hashable {
    public var closing: PointsClosing
    public var award: PointsRule.Award
    /// After the yearly cap.
    public var given: Int
    public var year: Int
    public var street: String?
}

/// The points ledger's reads and writes shared by intake (live awards) and `whistlectl points
/// rebuild` (the same awards replayed from the timeline): the rules, the demands of closed
/// tickets, the capped awards, the entries and the balances.
public enum PointsLedger {
    /// The rules in `points_rules` (the contract's defaults when the row is missing).
    public static func rule(on connection: PostgresConnection) throws -> PointsRule {
        guard let row = try connection.query("SELECT opened_points, merged_points, yearly_cap FROM points_rules").first else {
            return .default
        }
        return PointsRule(openedPoints: try row.decode(0), mergedPoints: try row.decode(1), yearlyCap: try row.decode(2))
    }

    /// Each ticket's area and its demands (outcome and reporter), in the order they arrived.
    public static func tickets(
        _ ticketNos: [String], on connection: PostgresConnection
    ) throws -> [String: (area: String?, demands: [PointsRule.Contribution])] {
        guard !ticketNos.isEmpty else { return [:] }
        var found: [String: (area: String?, demands: [PointsRule.Contribution])] = [:]
        for row in try connection.query(
            "SELECT ticket_no, area_code FROM ticket_facts WHERE ticket_no = ANY($1::text[])", [Array(Set(ticketNos))])
        {
            found[try row.decode(0, as: String.self)] = (try row.decodeIfPresent(1), [])
        }
        for row in try connection.query(
            """
            SELECT ticket_no, outcome, points_ref FROM demands
            WHERE ticket_no = ANY($1::text[]) AND outcome IN ('accepted', 'merged') ORDER BY id
            """, [Array(found.keys)])
        {
            let ticketNo: String = try row.decode(0)
            found[ticketNo]?.demands.append(.init(outcome: try row.decode(1), reporterRef: try row.decodeIfPresent(2)))
        }
        return found
    }

    /// The awards of `closings`, in order, capped by `tally` (which they update); awards whose
    /// (ticket, reporter) is in `existing` are not made again.
    public static func awards(
        _ closings: [PointsClosing], tickets: [String: (area: String?, demands: [PointsRule.Contribution])],
        reference: ReferenceData, timeZone: TimeZone, tally: inout PointsTally, existing: Set<[String]> = []
    ) -> [PointsAwardEntry] {
        var entries: [PointsAwardEntry] = []
        for closing in closings {
            guard let ticket = tickets[closing.ticketNo] else { continue }
            let year = PointsRule.year(of: closing.at, in: timeZone)
            let street = ticket.area.flatMap { reference.street(of: $0)?.code }
            for award in tally.rule.awards(closedWith: closing.outcome, demands: ticket.demands)
            where !existing.contains([closing.ticketNo, award.reporterRef]) {
                let given = tally.give(award, year: year)
                entries.append(PointsAwardEntry(closing: closing, award: award, given: given, year: year, street: street))
            }
        }
        return entries
    }

    /// Creates the accounts of `refs` that do not exist yet and locks them all, in sorted order
    /// (so that concurrent awards and redemptions never deadlock); returns their balances.
    public static func lockAccounts(_ refs: Set<String>, on connection: PostgresConnection) throws -> [String: Int] {
        guard !refs.isEmpty else { return [:] }
        let sorted = refs.sorted()
        _ = try connection.query(
            """
            INSERT INTO points_accounts (reporter_ref, balance)
            SELECT r, 0 FROM unnest($1::text[]) WITH ORDINALITY AS t(r, n) ORDER BY n
            ON CONFLICT (reporter_ref) DO NOTHING
            """, [sorted])
        var balances: [String: Int] = [:]
        for row in try connection.query(
            "SELECT reporter_ref, balance FROM points_accounts WHERE reporter_ref = ANY($1::text[]) ORDER BY reporter_ref FOR UPDATE",
            [sorted])
        {
            balances[try row.decode(0, as: String.self)] = try row.decode(1, as: Int.self)
        }
        return balances
    }

    /// Points already awarded to `refs` in `years` (call with their accounts locked).
    public static func awarded(_ refs: Set<String>, years: Set<Int>, on connection: PostgresConnection) throws -> [String: [Int: Int]] {
        guard !refs.isEmpty, !years.isEmpty else { return [:] }
        var awarded: [String: [Int: Int]] = [:]
        for row in try connection.query(
            """
            SELECT reporter_ref, year, sum(points)::bigint FROM points_entries
            WHERE kind = 'award' AND reporter_ref = ANY($1::text[]) AND year = ANY($2::int[]) GROUP BY 1, 2
            """, [Array(refs), Array(years)])
        {
            awarded[try row.decode(0, as: String.self), default: [:]][try row.decode(1, as: Int.self)] = try row.decode(2, as: Int.self)
        }
        return awarded
    }

    /// The (ticket, reporter) pairs of `ticketNos` already awarded.
    public static func existingAwards(_ ticketNos: [String], on connection: PostgresConnection) throws -> Set<[String]> {
        guard !ticketNos.isEmpty else { return [] }
        var pairs: Set<[String]> = []
        for row in try connection.query(
            "SELECT ticket_no, reporter_ref FROM points_entries WHERE kind = 'award' AND ticket_no = ANY($1::text[])", [ticketNos])
        {
            pairs.insert([try row.decode(0), try row.decode(1)])
        }
        return pairs
    }

    /// Inserts the award entries (their accounts exist) in one statement.
    public static func insert(_ entries: [PointsAwardEntry], on connection: PostgresConnection) throws {
        guard !entries.isEmpty else { return }
        func column(_ value: (PointsAwardEntry) -> String?) -> TextArray { TextArray(entries.map(value)) }
        _ = try connection.query(
            """
            INSERT INTO points_entries (reporter_ref, kind, points, requested, reason, ticket_no, street_code, message_id, year, at)
            SELECT e.ref, 'award', e.points::int, e.requested::int, e.reason, e.ticket_no, e.street, e.message_id, e.year::int,
                   e.at::timestamptz
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                WITH ORDINALITY AS e(ref, points, requested, reason, ticket_no, street, message_id, year, at, n)
            ORDER BY e.n
            """,
            [
                column(\.award.reporterRef), column { String($0.given) }, column { String($0.award.points) },
                column(\.award.reason.rawValue), column(\.closing.ticketNo), column(\.street), column(\.closing.eventId),
                column { String($0.year) }, column { RFC3339.format($0.closing.at) },
            ])
    }

    /// Adds `changes` (by reporter) to the locked accounts' balances.
    public static func addToBalances(_ changes: [String: Int], on connection: PostgresConnection) throws {
        let changed = changes.filter { $0.value != 0 }.sorted { $0.key < $1.key }
        guard !changed.isEmpty else { return }
        _ = try connection.query(
            """
            UPDATE points_accounts a SET balance = a.balance + c.change::int, updated_at = now()
            FROM unnest($1::text[], $2::text[]) AS c(ref, change) WHERE a.reporter_ref = c.ref
            """, [TextArray(changed.map(\.key)), TextArray(changed.map { String($0.value) })])
    }
}
