import Foundation
import WhistleMessages

/// 积分回馈 (CONTRACT §10 Points): who earns how many points when a ticket closes, the yearly cap,
/// whether a redemption may be made, and who a reporter is in the ledger.
///
/// - A ticket that closes `satisfied` (for a grid ticket: verified by its grid worker, whose
///   feedback closes it) gives each distinct reporter of its demands one award: `openedPoints`
///   to the reporter whose demand opened it, `mergedPoints` to the reporter of each merged one
///   (a reporter who did both gets the opener's award, once). Duplicates and rejected demands
///   never belong to a ticket's awards; anonymous reporters earn nothing.
/// - A reporter earns at most `yearlyCap` in a local calendar year: an award beyond it is cut to
///   what is left (possibly 0, recorded and not announced).
/// - A redemption takes points off the balance, never below zero.
///
/// The values are reference data (table `points_rules`, one row, seeded with `default` by the
/// migration; an operator changes them with `whistlectl points rules`).
public struct PointsRule: Sendable, Hashable {
    /// Why a reporter earned an award.
    public enum Reason: String, Sendable, Hashable, CaseIterable, Codable {
        /// The reporter's demand opened the ticket.
        case opened
        /// The reporter's demand joined the ticket (并单).
        case merged
    }

    /// One demand of a closed ticket, as the rule needs it.
    public struct Contribution: Sendable, Hashable {
        /// `accepted` (it opened the ticket), `merged`, or another outcome (which earns nothing).
        public var outcome: String
        /// The reporter in the ledger (`reporterRef(channel:reporter:sha256Hex:)`); nil when anonymous.
        public var reporterRef: String?

        public init(outcome: String, reporterRef: String?) {
            self.outcome = outcome
            self.reporterRef = reporterRef
        }
    }

    /// What one reporter earns on one ticket, before the yearly cap.
    public struct Award: Sendable, Hashable {
        public var reporterRef: String
        public var reason: Reason
        public var points: Int

        public init(reporterRef: String, reason: Reason, points: Int) {
            self.reporterRef = reporterRef
            self.reason = reason
            self.points = points
        }
    }

    /// Points for the reporter whose demand opened the ticket.
    public var openedPoints: Int
    /// Points for the reporter of each merged demand.
    public var mergedPoints: Int
    /// The most a reporter earns in one local calendar year.
    public var yearlyCap: Int

    /// 10 for the opener, 2 for each merged demand, at most 1,000 a year (CONTRACT §10).
    public static let `default` = PointsRule(openedPoints: 10, mergedPoints: 2, yearlyCap: 1000)

    /// The outcome of `ticket.closed` that earns points.
    public static let earningOutcome = "satisfied"

    /// The prefix of a citizen's reporter reference.
    public static let phonePrefix = "phone:"

    public init(openedPoints: Int, mergedPoints: Int, yearlyCap: Int) {
        self.openedPoints = openedPoints
        self.mergedPoints = mergedPoints
        self.yearlyCap = yearlyCap
    }

    /// The awards of a ticket that closed with `outcome`, one per distinct reporter, sorted by
    /// reporter reference (the order in which the ledger locks the reporters' accounts).
    public func awards(closedWith outcome: String, demands: [Contribution]) -> [Award] {
        guard outcome == Self.earningOutcome else { return [] }
        var best: [String: Award] = [:]
        for demand in demands {
            guard let ref = demand.reporterRef else { continue }
            let award: Award
            switch demand.outcome {
            case "accepted": award = Award(reporterRef: ref, reason: .opened, points: openedPoints)
            case "merged": award = Award(reporterRef: ref, reason: .merged, points: mergedPoints)
            default: continue
            }
            if let earlier = best[ref], earlier.reason == .opened { continue }
            best[ref] = award
        }
        return best.values.sorted { $0.reporterRef < $1.reporterRef }
    }

    /// What an award of `requested` points gives a reporter who has already earned
    /// `awardedThisYear` in the award's year: never more than the cap leaves, never less than 0.
    public func given(requested: Int, awardedThisYear: Int) -> Int {
        max(0, min(requested, yearlyCap - awardedThisYear))
    }

    /// The local calendar year of `instant` in `timeZone`: the year whose cap an award counts against.
    public static func year(of instant: Date, in timeZone: TimeZone) -> Int {
        LocalDate.local(of: instant, in: timeZone).date.year
    }

    /// The error when redeeming `points` (< 0) would take a balance of `balance` below zero; nil
    /// when the redemption may be made.
    public static func redemptionProblem(points: Int, balance: Int) -> FieldError? {
        guard balance + points < 0 else { return nil }
        return FieldError(
            field: "points", code: .outOfRange,
            message: "redeeming \(-points) points would take the balance of \(balance) below zero")
    }

    /// The reporter of a demand as the ledger knows it (CONTRACT §10): a grid worker's
    /// `reporter.id`; otherwise `phone:` and the first 16 hex digits of the SHA-256 of the phone's
    /// digits (`sha256Hex` gives the lower-case hex digest of a string's UTF-8 bytes). An
    /// anonymous reporter, or one with neither, is nil: he earns nothing. The phone itself is never
    /// kept in the ledger.
    public static func reporterRef(channel: Channel?, reporter: Reporter?, sha256Hex: (String) -> String) -> String? {
        guard let reporter, !reporter.anonymous else { return nil }
        if channel == .grid, let id = reporter.id, !id.isEmpty { return id }
        let digits = String(String.UnicodeScalarView((reporter.phone ?? "").unicodeScalars.filter { ("0"..."9").contains($0) }))
        guard !digits.isEmpty else { return nil }
        return phonePrefix + String(sha256Hex(digits).lowercased().prefix(16))
    }

    /// Whether `reporterRef` names a grid worker (not a citizen's phone).
    public static func isGridWorker(_ reporterRef: String) -> Bool { !reporterRef.hasPrefix(phonePrefix) }
}

/// The awards of one reporter-year in the order they are made, capped: what `whistlectl points
/// rebuild` folds the timeline's closings through, as intake does one closing at a time.
public struct PointsTally: Sendable, Hashable {
    public let rule: PointsRule
    /// Points awarded so far, by reporter and year.
    public private(set) var awarded: [String: [Int: Int]] = [:]

    /// - Parameter awarded: what the ledger already holds, by reporter and year.
    public init(rule: PointsRule, awarded: [String: [Int: Int]] = [:]) {
        self.rule = rule
        self.awarded = awarded
    }

    /// Records `award` in `year`; returns the points it gives after the cap.
    public mutating func give(_ award: PointsRule.Award, year: Int) -> Int {
        let before = awarded[award.reporterRef]?[year] ?? 0
        let given = rule.given(requested: award.points, awardedThisYear: before)
        awarded[award.reporterRef, default: [:]][year] = before + given
        return given
    }
}
