import Foundation
import WhistleMessages

/// Something that happened to a ticket, fed to `TicketMachine`.
public enum TicketInput: Sendable, Hashable {
    /// A dispatch round went out with these new assignments (first routing, re-routing, the
    /// command center's routing out of triage, or the new assignments of a reopen). A co
    /// assignment of the round's lead department that is still open is cancelled.
    case dispatched(round: [TicketAssignment])
    /// `AssignmentMachine` accepted an `acknowledge`.
    case assignmentAcknowledged(assignmentId: String)
    /// `AssignmentMachine` accepted a `complete`.
    case assignmentCompleted(assignmentId: String)
    /// `AssignmentMachine` accepted a `return`; the department and role come from the snapshot.
    case assignmentReturned(assignmentId: String)
    /// An open assignment is no longer needed (`AssignmentMachine` accepted a contest's `empty`
    /// ruling): it is cancelled, and the ticket may resolve without it.
    case assignmentCancelled(assignmentId: String, reason: AssignmentCancelReason)
    /// A feedback message (回访, or the grid worker's verification) about the ticket.
    case feedback(Feedback.Satisfaction, resolved: Bool)
    /// The feedback timer started by `startFeedbackWindow` fired.
    case feedbackWindowElapsed
    /// Routing found no department for the ticket: it goes to the command center. Ignored while
    /// the ticket has a live lead (it is routed) or is resolved.
    case triageRouted(TicketTriageReason)
}

/// The `data` of a ticket event that `TicketMachine` can fill by itself.
public enum TicketEventData: Sendable, Hashable {
    /// `ticket.resolved`: nothing beyond the envelope.
    case none
    /// `ticket.reopened` `{reopen_count}`.
    case reopened(reopenCount: Int)
    /// `ticket.closed` `{outcome}`.
    case closed(TicketOutcome)
    /// `ticket.triage` `{reason}`.
    case triage(TicketTriageReason)
}

/// Something the dispatcher must do because a ticket changed, in the order listed. The new
/// snapshot already holds every column change; effects are the work beyond writing it.
/// `emit` is the only effect that publishes, except `escalate` (see there).
public enum TicketEffect: Sendable, Hashable {
    /// Publish this event about the ticket with this data.
    case emit(EventType, TicketEventData)
    /// Dispatch a reopen's round (new ids, the snapshot's `reopen_count`): a lead assignment to
    /// `lead` and a co assignment to each of `co` (the departments whose completed work the
    /// feedback judged), then feed the round back as `.dispatched`.
    case dispatchAgain(lead: String, co: [String])
    /// Route the ticket again, never to these departments: feed the round back as
    /// `.dispatched`, or `.triageRouted(.noDepartmentLeft)` when no department is left. Live
    /// co-departments keep their assignments: the round only needs a new lead.
    case reroute(excluding: [String])
    /// Routing stops here: nothing is dispatched until the command center routes the ticket.
    case toTriage(TicketTriageReason)
    /// Make this escalation: the caller checks it against the ticket's current level, which
    /// this machine does not hold (`Escalation.decision(current:status:)`), records it and
    /// emits `ticket.escalated {level, reason}`.
    case escalate(Escalation)
    /// Record `outcome` and `closed_at`; the ticket takes no further input.
    case close(TicketOutcome)
    /// Start the feedback timer at the snapshot's `feedbackDue` (this many days from now);
    /// when it fires, feed `.feedbackWindowElapsed`.
    case startFeedbackWindow(days: Int)
    /// Set these assignments `cancelled`, stop their clocks and emit `assignment.cancelled` with
    /// `reason` for each.
    case cancelAssignments([String], reason: AssignmentCancelReason)
}

/// The answer to one input: the ticket's new state and what to do, or why nothing changes.
public enum TicketDecision: Sendable, Hashable {
    case changed(TicketSnapshot, [TicketEffect])
    /// The input does not apply (the ticket is final, the feedback came before resolution, a
    /// stale timer, an unknown assignment, a repeat); nothing is written.
    case unchanged(reason: String)

    /// The new snapshot, nil when unchanged.
    public var snapshot: TicketSnapshot? {
        if case .changed(let snapshot, _) = self { return snapshot }
        return nil
    }

    /// The effects, empty when unchanged.
    public var effects: [TicketEffect] {
        if case .changed(_, let effects) = self { return effects }
        return []
    }
}

/// A ticket's life cycle (DESIGN "Domain rules": Resolution, Returned, Escalation) as a pure
/// reducer: `reduce(ticket, input, now)` gives the new snapshot and its effects.
///
/// - `in_progress` once any live assignment is acknowledged; `resolved` when there is a live
///   lead and every live assignment is completed: emit `ticket.resolved`, start the 7-day
///   feedback window.
/// - Feedback while `resolved`: satisfied or basically satisfied *and* resolved → closed
///   `satisfied`. Otherwise reopen (`reopen_count` + 1, a new cycle) to every department whose
///   completed work the feedback judged (`judgedDepartments`): a new lead assignment to the
///   same lead and a new co assignment to each co-department that had completed its work, all
///   to be acknowledged again; at most twice; the third failure closes `unsatisfied_final` and
///   escalates `repeated` (the matter keeps coming back; v1 has no closer reason). No feedback
///   by `feedbackDue` → closed `no_feedback`. Feedback at any other time changes nothing.
/// - A returned **lead** re-routes the ticket excluding every department that returned it; the
///   lead's second return (`RepeatEscalation.returnsBeforeTriage`) sends it to triage and
///   escalates (`returned`). A returned **co** only drops that co-department: no re-routing, no
///   count towards the two returns, and the ticket may resolve at once when the rest is done.
/// - A dispatch round whose lead is a live co-department of the ticket (re-routing chose it)
///   cancels that co assignment: the department now holds the lead's.
/// - Entering triage cancels every open (dispatched or acknowledged) assignment: the command
///   center routes the ticket afresh. Completed work stays completed.
/// - A contest ruled empty cancels that (co) assignment; the ticket may then resolve at once.
/// - Every cancellation names its reason (`AssignmentCancelReason`).
public enum TicketMachine {
    /// Days between resolution and `no_feedback`.
    public static let feedbackWindowDays = 7
    /// Reopens allowed; the failure after the last one closes `unsatisfied_final`.
    public static let maxReopens = 2

    /// The ticket after `input` at `now`.
    public static func reduce(_ ticket: TicketSnapshot, _ input: TicketInput, now: Date) -> TicketDecision {
        if ticket.status.isFinal { return .unchanged(reason: "the ticket is \(ticket.status.rawValue)") }
        switch input {
        case .dispatched(let round): return dispatched(ticket, round)
        case .assignmentAcknowledged(let id): return update(ticket, id, from: [.dispatched], to: .acknowledged, now: now)
        case .assignmentCompleted(let id): return update(ticket, id, from: [.dispatched, .acknowledged], to: .completed, now: now)
        case .assignmentReturned(let id): return returned(ticket, id, now: now)
        case .assignmentCancelled(let id, let reason): return cancelled(ticket, id, reason, now: now)
        case .feedback(let satisfaction, let resolved): return feedback(ticket, satisfaction, resolved: resolved)
        case .feedbackWindowElapsed:
            guard ticket.status == .resolved, let due = ticket.feedbackDue, now >= due else {
                return .unchanged(reason: "no feedback window has ended")
            }
            return close(ticket, .noFeedback, escalating: nil)
        case .triageRouted(let reason):
            guard ticket.status != .triage, ticket.status != .resolved, ticket.liveLead == nil else {
                return .unchanged(reason: "a \(ticket.status.rawValue) ticket, or one with a live lead, does not go to triage")
            }
            return toTriage(ticket, reason, escalating: nil)
        }
    }

    private static var isWorking: Set<TicketStatus> { [.dispatched, .inProgress] }

    private static func dispatched(_ ticket: TicketSnapshot, _ round: [TicketAssignment]) -> TicketDecision {
        guard [.accepted, .triage, .dispatched, .inProgress].contains(ticket.status) else {
            return .unchanged(reason: "a \(ticket.status.rawValue) ticket is not dispatched")
        }
        var next = ticket
        let known = Set(ticket.assignments.map(\.assignmentId))
        let fresh = round.filter { !known.contains($0.assignmentId) }
        guard !fresh.isEmpty else { return .unchanged(reason: "the round holds no new assignment") }
        next.assignments += fresh
        var effects: [TicketEffect] = []
        if let lead = fresh.first(where: { $0.role == .lead }) {
            next.leadDepartment = lead.department
            // A co that becomes the lead gives up its co assignment for the lead's.
            let givenUp = ticket.assignments.indices.filter {
                let held = ticket.assignments[$0]
                return held.department == lead.department && held.role == .co && held.state.isOpen
            }
            for index in givenUp { next.assignments[index].state = .cancelled }
            if !givenUp.isEmpty {
                effects.append(.cancelAssignments(givenUp.map { ticket.assignments[$0].assignmentId }, reason: .becameLead))
            }
        }
        next.status = next.workingStatus
        return .changed(next, effects)
    }

    /// Moves one assignment of the current cycle from one of `from` to `to`, then resolves the
    /// ticket if that finished its work.
    private static func update(
        _ ticket: TicketSnapshot, _ id: String, from: Set<AssignmentState>, to: AssignmentState, now: Date
    ) -> TicketDecision {
        guard let index = ticket.assignments.firstIndex(where: { $0.assignmentId == id }) else {
            return .unchanged(reason: "assignment \(id) is not in the ticket's current cycle")
        }
        guard from.contains(ticket.assignments[index].state) else {
            return .unchanged(reason: "assignment \(id) is \(ticket.assignments[index].state.rawValue)")
        }
        var next = ticket
        next.assignments[index].state = to
        return settle(next, now: now)
    }

    /// The working status after an assignment changed, or resolution when the work is done.
    private static func settle(_ ticket: TicketSnapshot, now: Date) -> TicketDecision {
        var next = ticket
        guard isWorking.contains(next.status) else { return .changed(next, []) }
        guard next.isResolvable else {
            next.status = next.workingStatus
            return .changed(next, [])
        }
        next.status = .resolved
        next.resolvedAt = now
        next.feedbackDue = now.addingTimeInterval(TimeInterval(feedbackWindowDays * 86_400))
        return .changed(next, [.emit(.ticketResolved, .none), .startFeedbackWindow(days: feedbackWindowDays)])
    }

    /// Cancels one open assignment of the current cycle, then resolves the ticket if the rest of
    /// the work is done.
    private static func cancelled(
        _ ticket: TicketSnapshot, _ id: String, _ reason: AssignmentCancelReason, now: Date
    ) -> TicketDecision {
        guard let index = ticket.assignments.firstIndex(where: { $0.assignmentId == id }) else {
            return .unchanged(reason: "assignment \(id) is not in the ticket's current cycle")
        }
        guard ticket.assignments[index].state.isOpen else {
            return .unchanged(reason: "assignment \(id) is \(ticket.assignments[index].state.rawValue)")
        }
        var next = ticket
        next.assignments[index].state = .cancelled
        let settled = settle(next, now: now)
        return .changed(settled.snapshot ?? next, [.cancelAssignments([id], reason: reason)] + settled.effects)
    }

    private static func returned(_ ticket: TicketSnapshot, _ id: String, now: Date) -> TicketDecision {
        guard let index = ticket.assignments.firstIndex(where: { $0.assignmentId == id }) else {
            return .unchanged(reason: "assignment \(id) is not in the ticket's current cycle")
        }
        let assignment = ticket.assignments[index]
        guard assignment.state.isOpen else { return .unchanged(reason: "assignment \(id) is \(assignment.state.rawValue)") }
        var next = ticket
        next.assignments[index].state = .returned
        if !next.returnedDepartments.contains(assignment.department) { next.returnedDepartments.append(assignment.department) }
        guard assignment.role == .lead else { return settle(next, now: now) }
        next.returnCount += 1
        guard isWorking.contains(next.status) else { return .changed(next, []) }
        if next.returnCount >= RepeatEscalation.returnsBeforeTriage { return toTriage(next, .returned, escalating: .returned) }
        next.status = next.workingStatus
        return .changed(next, [.reroute(excluding: next.returnedDepartments)])
    }

    private static func toTriage(
        _ ticket: TicketSnapshot, _ reason: TicketTriageReason, escalating: Escalation?
    ) -> TicketDecision {
        let (next, effects) = triaged(ticket, reason, escalating: escalating)
        return .changed(next, effects)
    }

    /// The ticket in triage: its open assignments cancelled, the command center told.
    private static func triaged(
        _ ticket: TicketSnapshot, _ reason: TicketTriageReason, escalating: Escalation?
    ) -> (TicketSnapshot, [TicketEffect]) {
        var next = ticket
        next.status = .triage
        var effects: [TicketEffect] = []
        let open = next.assignments.indices.filter { next.assignments[$0].state.isOpen }
        if !open.isEmpty {
            for index in open { next.assignments[index].state = .cancelled }
            effects.append(.cancelAssignments(open.map { next.assignments[$0].assignmentId }, reason: .triage))
        }
        effects += [.toTriage(reason), .emit(.ticketTriage, .triage(reason))]
        if let escalating { effects.append(.escalate(escalating)) }
        return (next, effects)
    }

    private static func feedback(_ ticket: TicketSnapshot, _ satisfaction: Feedback.Satisfaction, resolved: Bool) -> TicketDecision {
        guard ticket.status == .resolved else {
            return .unchanged(reason: "feedback counts only while the ticket is resolved; it is \(ticket.status.rawValue)")
        }
        if satisfaction != .unsatisfied && resolved { return close(ticket, .satisfied, escalating: nil) }
        guard ticket.reopenCount < maxReopens else { return close(ticket, .unsatisfiedFinal, escalating: .repeated) }
        // The co-departments whose completed work the feedback judged go back to work with the lead.
        let judgedCo = ticket.assignments.filter { $0.state == .completed && $0.role == .co }.map(\.department)
        var next = ticket
        next.reopenCount += 1
        next.assignments = []
        next.resolvedAt = nil
        next.feedbackDue = nil
        let reopened = TicketEffect.emit(.ticketReopened, .reopened(reopenCount: next.reopenCount))
        guard let lead = ticket.liveLead?.department ?? ticket.leadDepartment else {
            // A resolved ticket always had a live lead; a snapshot without one goes to people.
            let (triage, effects) = triaged(next, .noRule, escalating: nil)
            return .changed(triage, [reopened] + effects)
        }
        next.leadDepartment = lead
        next.status = .dispatched
        return .changed(next, [reopened, .dispatchAgain(lead: lead, co: TicketRouter.distinct(judgedCo, without: lead))])
    }

    private static func close(
        _ ticket: TicketSnapshot, _ outcome: TicketOutcome, escalating: Escalation?
    ) -> TicketDecision {
        var next = ticket
        next.status = .closed
        next.outcome = outcome
        var effects: [TicketEffect] = [.close(outcome), .emit(.ticketClosed, .closed(outcome))]
        if let escalating { effects.append(.escalate(escalating)) }
        return .changed(next, effects)
    }
}

extension TicketSnapshot {
    /// The departments whose work a feedback on the ticket judges (their 满意率 and 解决率, and
    /// where a reopening goes): those with a completed assignment in the current cycle, sorted.
    public var judgedDepartments: [String] {
        Set(assignments.filter { $0.state == .completed }.map(\.department)).sorted()
    }
}
