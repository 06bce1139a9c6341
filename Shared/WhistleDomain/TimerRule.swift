import WhistleMessages

/// The two clocks of an assignment: the `clock` of `assignment.due_soon` and
/// `assignment.overdue` (CONTRACT §5).
public enum DeadlineClock: String, Codable, Sendable, Hashable, CaseIterable {
    /// 签收: the acknowledgement deadline (`ack_due`).
    case acknowledge
    /// 办结: the resolve deadline (`resolve_due`).
    case resolve

    /// The escalation when this clock runs out: the street for an acknowledgement, the district
    /// command center for a resolve (DESIGN "Escalation"). Its level is also who supervises the
    /// overdue work (the notifier's `supervisor_overdue`).
    public var overdueEscalation: Escalation {
        switch self {
        case .acknowledge: .acknowledgeOverdue
        case .resolve: .resolveOverdue
        }
    }
}

/// What a due timer does, checked against the ticket and the assignment as they are now.
public enum TimerDecision: Sendable, Hashable {
    /// The citizen's feedback window is over: feed this input to `TicketMachine`.
    case ticket(TicketInput)
    /// Announce `alert` (`assignment.due_soon` or `assignment.overdue` for a clock), when set,
    /// then make `escalation` (see `Escalation.decision(current:status:)`), when set.
    case assignment(alert: TimerAlert?, escalation: Escalation?)
    /// The work the timer watches is done (acknowledged, completed, returned, cancelled, the
    /// ticket closed): the timer fires nothing.
    case nothing(reason: String)
}

/// An `assignment.due_soon` or `assignment.overdue` event for one clock.
public struct TimerAlert: Sendable, Hashable {
    /// `assignment.due_soon` or `assignment.overdue`.
    public let type: EventType
    /// The clock whose deadline it announces.
    public let clock: DeadlineClock

    public init(_ type: EventType, _ clock: DeadlineClock) {
        self.type = type
        self.clock = clock
    }
}

/// The rule of the clocks (DESIGN "Deadlines" and "Escalation"): what each `TimerKind` does
/// when it fires, decided without I/O.
///
/// | timer | fires while the assignment is | alert | escalation |
/// |---|---|---|---|
/// | `ack_due_soon` | dispatched | due_soon, acknowledge | — |
/// | `ack_overdue` | dispatched | overdue, acknowledge | street |
/// | `resolve_due_soon` | dispatched or acknowledged | due_soon, resolve | — |
/// | `resolve_overdue` | dispatched or acknowledged | overdue, resolve | district |
/// | `escalate_city` | dispatched or acknowledged | — | city |
/// | `feedback_window` | (the ticket's) | — | `.feedbackWindowElapsed` to `TicketMachine` |
///
/// Nothing fires on a closed or rejected ticket.
public enum TimerRule {
    /// The decision for a timer of `kind` on a ticket in `status`, watching an assignment now in
    /// `assignment` (nil: the timer names no assignment, or one the ticket does not have).
    public static func decide(_ kind: TimerKind, ticket status: TicketStatus, assignment: AssignmentState?) -> TimerDecision {
        guard !status.isFinal else { return .nothing(reason: "the ticket is \(status.rawValue)") }
        if kind == .feedbackWindow { return .ticket(.feedbackWindowElapsed) }
        guard let assignment else { return .nothing(reason: "no assignment") }
        switch kind {
        case .ackDueSoon where assignment == .dispatched:
            return .assignment(alert: TimerAlert(.assignmentDueSoon, .acknowledge), escalation: nil)
        case .ackOverdue where assignment == .dispatched:
            return .assignment(alert: TimerAlert(.assignmentOverdue, .acknowledge), escalation: DeadlineClock.acknowledge.overdueEscalation)
        case .resolveDueSoon where assignment.isOpen:
            return .assignment(alert: TimerAlert(.assignmentDueSoon, .resolve), escalation: nil)
        case .resolveOverdue where assignment.isOpen:
            return .assignment(alert: TimerAlert(.assignmentOverdue, .resolve), escalation: DeadlineClock.resolve.overdueEscalation)
        case .escalateCity where assignment.isOpen:
            return .assignment(alert: nil, escalation: .resolveOverdueAgain)
        default:
            return .nothing(reason: "the assignment is \(assignment.rawValue)")
        }
    }
}
