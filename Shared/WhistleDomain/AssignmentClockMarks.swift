import Foundation

/// How far one clock of an assignment has run: the raw value is `assignments.ack_stage` /
/// `assignments.resolve_stage`.
public enum ClockStage: Int, Sendable, Hashable, Comparable, CaseIterable {
    /// Nothing announced yet: the next instant is the 80 % warning.
    case running = 0
    /// `assignment.due_soon` announced: the next instant is the deadline.
    case warned = 1
    /// `assignment.overdue` announced: the clock has nothing more to fire from the assignment row.
    case overdue = 2

    public static func < (a: ClockStage, b: ClockStage) -> Bool { a.rawValue < b.rawValue }
}

/// The acknowledge and resolve clocks of an assignment as its row keeps them (migration 0017):
/// the warning instants, the deadlines and how far each clock has run. The four clock timers
/// (`ack_due_soon`, `ack_overdue`, `resolve_due_soon`, `resolve_overdue`) are read from these
/// columns, through partial indexes on the clock's next instant, instead of rows of `timers`;
/// firing one advances its stage in the same transaction, so it never fires twice.
///
/// The database's due query and `due(at:state:)` agree: a clock is due when the assignment is
/// open for it (dispatched for acknowledging, dispatched or acknowledged for resolving), its stage
/// is before `overdue`, and its next instant (`running`: the warning, `warned`: the deadline) is
/// not after now.
public struct AssignmentClockMarks: Sendable, Hashable {
    /// `assignments.ack_warning_at`: 80 % of the acknowledgement window.
    public var ackWarningAt: Date
    /// `assignments.ack_due`.
    public var ackDue: Date
    /// `assignments.ack_stage`.
    public var ackStage: ClockStage
    /// `assignments.resolve_warning_at`: 80 % of the (possibly extended) resolve window.
    public var resolveWarningAt: Date
    /// `assignments.resolve_due`.
    public var resolveDue: Date
    /// `assignments.resolve_stage`.
    public var resolveStage: ClockStage

    public init(
        ackWarningAt: Date, ackDue: Date, ackStage: ClockStage, resolveWarningAt: Date, resolveDue: Date, resolveStage: ClockStage
    ) {
        self.ackWarningAt = ackWarningAt
        self.ackDue = ackDue
        self.ackStage = ackStage
        self.resolveWarningAt = resolveWarningAt
        self.resolveDue = resolveDue
        self.resolveStage = resolveStage
    }

    /// The marks of freshly dispatched work: both clocks running.
    public init(clock: AssignmentClock) {
        self.init(
            ackWarningAt: clock.ackWarningAt, ackDue: clock.ackDue, ackStage: .running, resolveWarningAt: clock.resolveWarningAt,
            resolveDue: clock.resolveDue, resolveStage: .running)
    }

    /// The next instant the acknowledge clock fires at, nil when it has nothing left to fire.
    public var ackNextAt: Date? { Self.next(ackStage, warning: ackWarningAt, due: ackDue) }
    /// The next instant the resolve clock fires at, nil when it has nothing left to fire.
    public var resolveNextAt: Date? { Self.next(resolveStage, warning: resolveWarningAt, due: resolveDue) }

    /// True once `resolve_overdue` fired: an `escalate_city` row of `timers` may be pending.
    public var mayHaveCityTimer: Bool { resolveStage == .overdue }

    /// Fires what is due at `now` for an assignment in `state`, in time order (acknowledge before
    /// resolve at equal instants), and advances the stages past it. A clock that fell behind
    /// fires its warning and its deadline together.
    public mutating func fire(at now: Date, state: AssignmentState) -> [PlannedTimer] {
        var due: [PlannedTimer] = []
        if state == .dispatched {
            while let next = ackNextAt, next <= now {
                due.append(PlannedTimer(kind: ackStage == .running ? .ackDueSoon : .ackOverdue, dueAt: next))
                ackStage = ackStage == .running ? .warned : .overdue
            }
        }
        if state.isOpen {
            while let next = resolveNextAt, next <= now {
                due.append(PlannedTimer(kind: resolveStage == .running ? .resolveDueSoon : .resolveOverdue, dueAt: next))
                resolveStage = resolveStage == .running ? .warned : .overdue
            }
        }
        let order = TimerKind.allCases
        return due.sorted {
            $0.dueAt != $1.dueAt ? $0.dueAt < $1.dueAt : (order.firstIndex(of: $0.kind) ?? 0) < (order.firstIndex(of: $1.kind) ?? 0)
        }
    }

    /// The resolve clock after an extension: the new deadline and warning, nothing announced of
    /// them yet (`assignment.due_soon` and `overdue` are announced again for the new deadline).
    public mutating func restartResolve(_ clock: AssignmentClock) {
        resolveWarningAt = clock.resolveWarningAt
        resolveDue = clock.resolveDue
        resolveStage = .running
    }

    private static func next(_ stage: ClockStage, warning: Date, due: Date) -> Date? {
        switch stage {
        case .running: warning
        case .warned: due
        case .overdue: nil
        }
    }
}
