import Foundation

/// What a clock fires; the raw value is `timers.kind`. The four clocks of an assignment
/// (`assignmentClocks`) are kept on the assignment's row (`AssignmentClockMarks`); only
/// `escalate_city` and `feedback_window` are rows of `timers`.
public enum TimerKind: String, Sendable, Hashable, CaseIterable {
    /// 80 % of the acknowledgement window spent: `assignment.due_soon`.
    case ackDueSoon = "ack_due_soon"
    /// Not acknowledged in time: `assignment.overdue` and escalation to the street.
    case ackOverdue = "ack_overdue"
    /// 80 % of the resolve window spent: `assignment.due_soon`.
    case resolveDueSoon = "resolve_due_soon"
    /// Not resolved in time: `assignment.overdue` and escalation to the district.
    case resolveOverdue = "resolve_overdue"
    /// Still not resolved one more full resolve window later: escalation to the city.
    case escalateCity = "escalate_city"
    /// The citizen's 7 days for feedback after resolution are over: closed `no_feedback`.
    case feedbackWindow = "feedback_window"

    /// The clocks read from the assignment's row, not from `timers` (migration 0017).
    public static let assignmentClocks: Set<TimerKind> = [.ackDueSoon, .ackOverdue, .resolveDueSoon, .resolveOverdue]
    /// The timers of the acknowledgement clock, stopped by `acknowledge` (or a return).
    public static let acknowledgeKinds: Set<TimerKind> = [.ackDueSoon, .ackOverdue]
    /// The timers of the resolve clock, stopped by `complete` (or a return) and replaced on an
    /// extension.
    public static let resolveKinds: Set<TimerKind> = [.resolveDueSoon, .resolveOverdue, .escalateCity]
}

/// A timer to insert: its kind and `timers.due_at`.
public struct PlannedTimer: Sendable, Hashable {
    /// `timers.kind`.
    public let kind: TimerKind
    /// `timers.due_at`.
    public let dueAt: Date

    public init(kind: TimerKind, dueAt: Date) {
        self.kind = kind
        self.dueAt = dueAt
    }
}

/// The instants an assignment's clocks fire at, decided without I/O. Of these only
/// `escalate_city` becomes a row of `timers`, planned when `resolve_overdue` fires
/// (`cityTimer(for:)`); the others are columns of the assignment (`AssignmentClockMarks`).
public enum TimerPlan {
    /// How long a citizen has to give feedback after resolution: 7 calendar days of elapsed time.
    public static let feedbackWindow = DeadlineDuration(constantAmount: 7, unit: .days)

    /// Every timer of a freshly dispatched (or re-dispatched) assignment, in time order:
    /// `acknowledgeTimers` and `resolveTimers`.
    public static func timers(for clock: AssignmentClock) -> [PlannedTimer] {
        (acknowledgeTimers(for: clock) + resolveTimers(for: clock)).sorted(by: precedes)
    }

    /// `ack_due_soon` at 80 % of the acknowledgement window, `ack_overdue` at its end.
    public static func acknowledgeTimers(for clock: AssignmentClock) -> [PlannedTimer] {
        [
            PlannedTimer(kind: .ackDueSoon, dueAt: clock.ackWarningAt),
            PlannedTimer(kind: .ackOverdue, dueAt: clock.ackOverdueAt),
        ]
    }

    /// `resolve_due_soon` at 80 % of the resolve window, `resolve_overdue` at its end (the
    /// escalation to the district), `escalate_city` one more full window later
    /// (`AssignmentClock.cityEscalationAt`). What each does when it fires is `TimerRule`. After
    /// an extension, the timers of the extended clock replace those of `resolveKinds`.
    public static func resolveTimers(for clock: AssignmentClock) -> [PlannedTimer] {
        [
            PlannedTimer(kind: .resolveDueSoon, dueAt: clock.resolveWarningAt),
            PlannedTimer(kind: .resolveOverdue, dueAt: clock.resolveOverdueAt),
            PlannedTimer(kind: .escalateCity, dueAt: clock.cityEscalationAt),
        ]
    }

    /// `escalate_city` of an assignment whose resolve deadline has just been announced overdue:
    /// one more full resolve window after it (`AssignmentClock.cityEscalationAt`).
    public static func cityTimer(for clock: AssignmentClock) -> PlannedTimer {
        PlannedTimer(kind: .escalateCity, dueAt: clock.cityEscalationAt)
    }

    /// `feedback_window` 7 days after the ticket was resolved at `resolvedAt`
    /// (`tickets.feedback_due`).
    public static func feedbackTimer(resolvedAt: Date) -> PlannedTimer {
        PlannedTimer(kind: .feedbackWindow, dueAt: resolvedAt.addingTimeInterval(Double(feedbackWindow.amount * 86_400)))
    }

    /// Time order; for equal instants, the order of `TimerKind.allCases`.
    private static func precedes(_ a: PlannedTimer, _ b: PlannedTimer) -> Bool {
        if a.dueAt != b.dueAt { return a.dueAt < b.dueAt }
        let order = TimerKind.allCases
        return (order.firstIndex(of: a.kind) ?? 0) < (order.firstIndex(of: b.kind) ?? 0)
    }
}
