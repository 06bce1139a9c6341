/// How far up the area tree a ticket has been escalated (`tickets.escalation_level`, the
/// `level` of `ticket.escalated`): the ticket's own street, the district command center, the city.
public enum EscalationLevel: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// The ticket's own street (街道) supervises it.
    case street
    /// The district command center (区指挥中心).
    case district
    /// The city (市).
    case city

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
    /// A clock ran out: acknowledgement or resolve overdue, or a resolve still open one more
    /// full window later.
    case overdue
    /// The matter keeps coming back: 3 demands on one ticket, or the third failed feedback.
    case repeated
    /// A group petition (≥ 5 petitioners).
    case groupPetition = "group_petition"
    /// Returned twice.
    case returned
}

/// One escalation a rule asks for: raise the ticket to `level` for `reason`
/// (`ticket.escalated {level, reason}`), DESIGN "Escalation". Every escalation the system makes
/// is one of the constants below; `decision(current:status:)` says whether it still applies.
///
/// | trigger | level | reason | decided by |
/// |---|---|---|---|
/// | acknowledgement overdue (`ack_overdue`) | street | overdue | `TimerRule` |
/// | resolve overdue (`resolve_overdue`, at `D`) | district | overdue | `TimerRule` |
/// | resolve still open at `D + W` (`escalate_city`) | city | overdue | `TimerRule` |
/// | 3 demands on one ticket | street | repeated | `RepeatEscalation.repeated` |
/// | third failed feedback (closes `unsatisfied_final`) | street | repeated | `TicketMachine` |
/// | group petition (≥ 5 petitioners) | street | group_petition | `RepeatEscalation.groupPetition` |
/// | the lead's second return | street | returned | `TicketMachine` |
public struct Escalation: Sendable, Hashable {
    /// The level the ticket is raised to.
    public let level: EscalationLevel
    /// Why.
    public let reason: EscalationReason

    init(_ level: EscalationLevel, _ reason: EscalationReason) {
        self.level = level
        self.reason = reason
    }

    /// Not acknowledged in time: the ticket's street supervises it.
    public static let acknowledgeOverdue = Escalation(.street, .overdue)
    /// Not resolved by the resolve deadline `D`: the district command center.
    public static let resolveOverdue = Escalation(.district, .overdue)
    /// Still not resolved one more full resolve window later (`D + W`): the city.
    public static let resolveOverdueAgain = Escalation(.city, .overdue)
    /// The matter keeps coming back (3 demands, or the third failed feedback): the street.
    public static let repeated = Escalation(.street, .repeated)
    /// A group petition: the street.
    public static let groupPetition = Escalation(.street, .groupPetition)
    /// The lead returned the ticket twice: the street.
    public static let returned = Escalation(.street, .returned)

    /// Whether this escalation applies to a ticket now at `current` (nil: never escalated) in
    /// `status`: an escalation never lowers or repeats a level, and a closed or rejected ticket
    /// is not escalated — except for `repeated`, which comes with the close of the third failed
    /// feedback.
    public func decision(current: EscalationLevel?, status: TicketStatus) -> EscalationDecision {
        if status.isFinal && reason != .repeated {
            return .unchanged(reason: "the ticket is \(status.rawValue)")
        }
        if let current, current >= level {
            return .unchanged(reason: "the ticket is already at \(current.rawValue)")
        }
        return .escalate(self)
    }
}

/// The answer of `Escalation.decision(current:status:)`.
public enum EscalationDecision: Sendable, Hashable {
    /// Record the level and emit `ticket.escalated {level, reason}`.
    case escalate(Escalation)
    /// Nothing to do, and why.
    case unchanged(reason: String)
}
