import Foundation

/// How far up the area tree a ticket has been escalated (`tickets.escalation_level`, the
/// `level` of `ticket.escalated`): the ticket's own street, the district command center, the city.
public enum EscalationLevel: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// The ticket's own street (街道) supervises it.
    case street
    /// The district command center (区指挥中心).
    case district
    /// The city (市).
    case city

    /// The level above; nil at the city.
    public var next: EscalationLevel? {
        switch self {
        case .street: .district
        case .district: .city
        case .city: nil
        }
    }

    public static func < (lhs: EscalationLevel, rhs: EscalationLevel) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .street: 0
        case .district: 1
        case .city: 2
        }
    }
}

/// Why a ticket is escalated (the `reason` of `ticket.escalated`, CONTRACT §5).
public enum EscalationReason: String, Codable, Sendable, Hashable, CaseIterable {
    /// The resolve deadline passed (and, one more window later, again: to the city).
    case overdue
    /// The matter keeps coming back: 3 demands on one ticket, or the third failed feedback.
    case repeated
    /// A group petition (≥ 5 petitioners).
    case groupPetition = "group_petition"
    /// Returned twice.
    case returned

    /// The level a ticket is first escalated to for this reason: the district command center
    /// for an overdue resolve, the ticket's own street for the others.
    public var firstLevel: EscalationLevel {
        self == .overdue ? .district : .street
    }

    /// The level a ticket now at `current` (nil: never escalated) goes to for this reason, or
    /// nil when it is already there or higher: an escalation never lowers or repeats a level.
    /// (The city step of an overdue resolve comes from `EscalationPlan`, one window later.)
    public func target(from current: EscalationLevel?) -> EscalationLevel? {
        guard let current else { return firstLevel }
        return firstLevel > current ? firstLevel : nil
    }
}

/// One step of an escalation: at `at`, the ticket goes up to `level` for `reason`
/// (`ticket.escalated {level, reason}`).
public struct EscalationStep: Sendable, Hashable {
    /// When the step is due.
    public let at: Date
    /// The level reached.
    public let level: EscalationLevel
    /// Why (`.overdue` for every step of an `EscalationPlan`).
    public let reason: EscalationReason

    public init(at: Date, level: EscalationLevel, reason: EscalationReason = .overdue) {
        self.at = at
        self.level = level
        self.reason = reason
    }
}

/// The escalation of an overdue resolve (DESIGN "Escalation"): to the district command center
/// at the resolve deadline `D`, to the city after another full resolve window `W` overdue, at
/// `D + W` where `W = D − start` (real elapsed time).
///
/// Steps to a level the ticket has already reached are left out: a ticket escalated to its
/// street for a group petition keeps both steps, one already at the district keeps only the
/// city step. Following a plan never repeats or lowers a level.
///
/// Example: 5 working days dispatched Friday 2026-11-20 15:30 (+08:00): `D` = 2026-11-27 15:30,
/// `W` = 7 days; district at 2026-11-27T07:30Z, city at 2026-12-04T07:30Z.
public struct EscalationPlan: Sendable, Hashable {
    /// The steps still to take, in time order (at most district then city).
    public let steps: [EscalationStep]

    /// The plan for a resolve deadline `resolveDue` closing a window of `window` seconds, for a
    /// ticket now at `current` (nil: never escalated). A negative window counts as zero.
    public init(resolveDue: Date, window: TimeInterval, current: EscalationLevel? = nil) {
        let all = [
            EscalationStep(at: resolveDue, level: .district),
            EscalationStep(at: resolveDue.addingTimeInterval(max(0, window)), level: .city),
        ]
        steps = all.filter { step in current.map { step.level > $0 } ?? true }
    }

    /// The plan for an assignment's clock: its current resolve deadline and window (after an
    /// extension, the extended ones).
    public init(clock: AssignmentClock, current: EscalationLevel? = nil) {
        self.init(resolveDue: clock.resolveDue, window: clock.resolveWindow, current: current)
    }

    /// The step that escalates to `level`, if the plan still has one.
    public func step(to level: EscalationLevel) -> EscalationStep? {
        steps.first { $0.level == level }
    }

    /// The steps due at `now` (their instant is not after it), in order.
    public func due(at now: Date) -> [EscalationStep] {
        steps.filter { $0.at <= now }
    }

    /// The highest level due at `now`; nil when no step is due yet.
    public func level(at now: Date) -> EscalationLevel? {
        due(at: now).last?.level
    }
}
