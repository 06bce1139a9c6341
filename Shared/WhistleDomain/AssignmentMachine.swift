import Foundation
import WhistleMessages

/// Something the dispatcher must do because a reply was accepted. Every effect is a decision,
/// not an action: the caller performs them, in its one transaction per batch.
public enum AssignmentEffect: Sendable, Hashable {
    /// Emit this `assignment.*` event with `{assignment_id, department, role, …}` (CONTRACT §5).
    case emit(EventType)
    /// Record `acknowledged_at` and stop the acknowledgement clock. `onTime` is true when the
    /// acknowledgement came at or before `ack_due` (the 响应率 KPI).
    case acknowledged(onTime: Bool)
    /// Record the result and `completed_at`, stop the resolve clock. `onTime` is true when it
    /// came at or before `resolve_due` (the 按期办结率 KPI).
    case completed(result: String, onTime: Bool)
    /// Record the reason and `returned_at`, stop every clock of the assignment.
    case returned(reason: Reply.ReturnReason)
    /// Grant the one extension: move `resolve_due` by the deadline policy's extension window
    /// (`AssignmentClock.extended(in:)`), mark the assignment extended, replace its resolve timers.
    case extendResolveDue
    /// Record the contest (its reason, the reply's note, now); the clocks keep running.
    case contested(reason: Reply.ContestReason)
    /// Record the ruling (the reply's note, the ruling command center, now). An `empty` ruling
    /// also feeds `.assignmentCancelled(…, reason: .emptyWhistle)` to the ticket, which cancels it.
    case ruled(Reply.Ruling)
    /// Feed this input to `TicketMachine` for the assignment's ticket.
    case ticket(TicketInput)
}

/// The answer to one reply: accepted with the assignment's new state and what to do, or
/// rejected with every problem found (the `errors` of `reply.rejected`). A rejected reply
/// changes nothing.
public enum AssignmentDecision: Sendable, Hashable {
    case accepted(AssignmentState, [AssignmentEffect])
    case rejected([FieldError])

    /// The effects of an accepted reply; empty when rejected.
    public var effects: [AssignmentEffect] {
        if case .accepted(_, let effects) = self { return effects }
        return []
    }

    /// The errors of a rejected reply; empty when accepted.
    public var errors: [FieldError] {
        if case .rejected(let errors) = self { return errors }
        return []
    }

    /// The `assignment.*` event an accepted reply emits, nil when rejected.
    public var event: EventType? {
        for case .emit(let type) in effects { return type }
        return nil
    }

    /// For an accepted `acknowledge`, whether it came at or before `ack_due`; else nil.
    public var acknowledgedOnTime: Bool? {
        for case .acknowledged(let onTime) in effects { return onTime }
        return nil
    }
}

/// Judges a department's reply against its assignment (CONTRACT §4), without I/O.
///
/// Rules:
/// - only the assignment's own department may reply (`assignment_id`: `not_allowed`);
/// - `acknowledge` only from `dispatched`; `progress`, `extend` and `complete` only from
///   `acknowledged`; `return` from `dispatched` or `acknowledged`; `completed`, `returned` and
///   `cancelled` take no replies (`action`: `not_allowed`);
/// - `extend` only on a petition, and only once (`action`: `not_allowed`);
/// - `complete` needs a `result`, `return` a `reason_code`, `extend` a `note`, `contest` a
///   `reason_code` and a `note`, `rule` a `ruling` and a `note` (`required`); the validator
///   checks these already, this re-checks them (a blank text counts as missing);
/// - `contest` (吹空哨, CONTRACT §10) only by a `co` department of a whistle ticket whose whistler
///   has a ruler, while dispatched or acknowledged, once; its clocks keep running;
/// - `rule` only by the ruler (`ReplySenderRule.rulingProblem`), only on a contested assignment
///   not ruled yet and still open; `upheld` changes nothing else, `empty` cancels the
///   assignment (the ticket may then resolve without it).
///
/// Decisions taken here:
/// - every problem is reported, except that a reply from another department gets no word about
///   the assignment's state or kind: it learns only that the assignment is not its own;
/// - clocks run on the system's time `now`, never on the department's own `at`, which is
///   recorded for the timeline only: a department cannot make itself on time;
/// - an acknowledgement exactly at `ack_due` (a completion exactly at `resolve_due`) is on time.
public enum AssignmentMachine {
    /// Decides what `reply`, sent by `replyingDepartment` at `now`, does to `assignment`.
    /// - Parameters:
    ///   - replyingDepartment: the speaker (the reply's routing key): the assignment's department,
    ///     or for `rule` the ruling command center.
    ///   - isPetition: the assignment's ticket came in on the petition channel (`extend` allowed).
    ///   - whistle: the ticket's whistler and ruler, nil when the ticket has no whistle.
    public static func apply(
        reply: Reply, to assignment: AssignmentSnapshot, replyingDepartment: String, isPetition: Bool,
        whistle: ContestParties? = nil, now: Date
    ) -> AssignmentDecision {
        if reply.action == .rule { return rule(reply, assignment, speaker: replyingDepartment, parties: whistle) }
        var errors: [FieldError] = []
        let ownDepartment = replyingDepartment == assignment.department
        if !ownDepartment {
            let id = TextRules.quoted(reply.assignmentId)
            let department = TextRules.quoted(replyingDepartment)
            let message = "assignment \(id) is not an assignment of department \(department)"
            errors.append(FieldError(field: "assignment_id", code: .notAllowed, message: message))
        } else {
            errors += stateErrors(reply.action, assignment, isPetition: isPetition)
            if reply.action == .contest { errors += contestErrors(assignment, whistle) }
        }
        errors += missingFieldErrors(reply)
        guard errors.isEmpty else { return .rejected(errors) }
        return accept(reply, assignment, now: now)
    }

    /// Why the assignment's state (or its ticket's kind) does not allow `action`.
    private static func stateErrors(_ action: Reply.Action, _ assignment: AssignmentSnapshot, isPetition: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        let state = assignment.state
        if !state.allowedActions.contains(action) {
            let message: String
            switch state {
            case .completed, .returned, .cancelled:
                message = "the assignment is \(state.rawValue) and takes no further replies"
            case .dispatched:
                message = "\(action.rawValue) is allowed only after acknowledge; the assignment is dispatched"
            case .acknowledged:
                message = "\(action.rawValue) is allowed only while the assignment is dispatched; it is acknowledged"
            }
            errors.append(FieldError(field: "action", code: .notAllowed, message: message))
        }
        if action == .extend {
            if !isPetition {
                errors.append(FieldError(field: "action", code: .notAllowed, message: "extend is allowed only on petitions"))
            } else if assignment.extended {
                errors.append(FieldError(field: "action", code: .notAllowed, message: "the assignment was already extended once"))
            }
        }
        return errors
    }

    /// The texts an action needs, missing or blank.
    static func missingFieldErrors(_ reply: Reply) -> [FieldError] {
        var errors: [FieldError] = []
        switch reply.action {
        case .complete where isBlank(reply.result):
            errors.append(FieldError(field: "result", code: .required, message: "complete needs a result"))
        case .return where reply.reasonCode == nil:
            errors.append(FieldError(field: "reason_code", code: .required, message: "return needs a reason_code"))
        case .contest where reply.contestReason == nil:
            errors.append(FieldError(field: "reason_code", code: .required, message: "contest needs a reason_code"))
        case .rule where reply.ruling == nil:
            errors.append(FieldError(field: "ruling", code: .required, message: "rule needs a ruling"))
        default:
            break
        }
        if [.extend, .contest, .rule].contains(reply.action) && isBlank(reply.note) {
            errors.append(FieldError(field: "note", code: .required, message: "\(reply.action.rawValue) needs a note"))
        }
        return errors
    }

    private static func isBlank(_ text: String?) -> Bool {
        guard let text else { return true }
        return text.allSatisfy(\.isWhitespace)
    }

    /// The decision for a reply already known to be allowed and complete.
    private static func accept(_ reply: Reply, _ assignment: AssignmentSnapshot, now: Date) -> AssignmentDecision {
        let id = assignment.assignmentId
        switch reply.action {
        case .acknowledge:
            return .accepted(
                .acknowledged,
                [
                    .emit(.assignmentAcknowledged), .acknowledged(onTime: now <= assignment.ackDue),
                    .ticket(.assignmentAcknowledged(assignmentId: id)),
                ])
        case .progress:
            return .accepted(.acknowledged, [.emit(.assignmentProgress)])
        case .complete:
            guard let result = reply.result else { return .rejected(missingFieldErrors(reply)) }
            return .accepted(
                .completed,
                [
                    .emit(.assignmentCompleted), .completed(result: result, onTime: now <= assignment.resolveDue),
                    .ticket(.assignmentCompleted(assignmentId: id)),
                ])
        case .return:
            guard let reason = reply.reasonCode else { return .rejected(missingFieldErrors(reply)) }
            return .accepted(
                .returned, [.emit(.assignmentReturned), .returned(reason: reason), .ticket(.assignmentReturned(assignmentId: id))])
        case .extend:
            return .accepted(.acknowledged, [.emit(.assignmentExtended), .extendResolveDue])
        case .contest:
            guard let reason = reply.contestReason else { return .rejected(missingFieldErrors(reply)) }
            return .accepted(assignment.state, [.emit(.assignmentContested), .contested(reason: reason)])
        case .rule:
            // `apply` decides a ruling before anything else (`rule(_:_:speaker:parties:)`).
            return .rejected([FieldError(field: "action", code: .notAllowed, message: "a ruling is not a department's reply")])
        }
    }
}
