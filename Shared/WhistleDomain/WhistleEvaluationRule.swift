import Foundation
import WhistleMessages

/// 一哨一考核 (CONTRACT §2 `evaluation`, §10): only the whistler of a ticket — the `by` of a
/// whistle message, or the street office of a grid report's whistle (`WhistleParties`) — scores
/// that ticket's departments, each once, and only once the department's work is done or late:
/// one of its assignments on the ticket is completed, or let its acknowledgement or resolve
/// deadline pass without the acknowledgement or completion. An assignment cancelled by an
/// empty-whistle ruling (吹空哨) is never scored. A value type that returns the errors; no I/O.
public enum WhistleEvaluationRule {
    /// One assignment of a department on the ticket, as the read view `ticket_departments` shows it.
    public struct Assignment: Sendable, Hashable {
        public var department: String
        public var state: AssignmentState
        /// `assignments.ack_due`.
        public var ackDue: Date
        /// `assignments.resolve_due`.
        public var resolveDue: Date
        public var acknowledgedAt: Date?
        public var completedAt: Date?
        /// When its clocks stopped without a completion: returned, or cancelled (when known).
        public var endedAt: Date?
        /// When the dispatcher found one of its clocks overdue (`assignment.overdue`), if it did.
        public var overdueAt: Date?
        /// Cancelled by an empty-whistle ruling: never scored.
        public var emptyWhistle: Bool

        public init(
            department: String, state: AssignmentState, ackDue: Date, resolveDue: Date, acknowledgedAt: Date? = nil,
            completedAt: Date? = nil, endedAt: Date? = nil, overdueAt: Date? = nil, emptyWhistle: Bool = false
        ) {
            self.department = department
            self.state = state
            self.ackDue = ackDue
            self.resolveDue = resolveDue
            self.acknowledgedAt = acknowledgedAt
            self.completedAt = completedAt
            self.endedAt = endedAt
            self.overdueAt = overdueAt
            self.emptyWhistle = emptyWhistle
        }

        /// Whether the work was done: completed.
        public var isCompleted: Bool { state == .completed }

        /// Whether a deadline passed, by `now`, without what it asked for: not acknowledged by
        /// `ackDue` (at `ackDue` itself it is overdue), or acknowledged after it; not completed
        /// by `resolveDue`, or completed after it; or the dispatcher found it overdue. The clocks
        /// of a returned or cancelled assignment stopped at `endedAt`: a cancelled one whose
        /// instant is unknown is late only when the dispatcher found it overdue.
        public func isLate(at now: Date) -> Bool {
            if let overdueAt, overdueAt <= now { return true }
            let stoppedAt: Date?
            switch state {
            case .dispatched, .acknowledged, .completed: stoppedAt = now
            case .returned, .cancelled: stoppedAt = endedAt.map { min($0, now) }
            }
            if let acknowledgedAt {
                if acknowledgedAt > ackDue { return true }
            } else if let stoppedAt, ackDue <= stoppedAt {
                return true
            }
            if let completedAt { return completedAt > resolveDue }
            if let stoppedAt, resolveDue <= stoppedAt { return true }
            return false
        }
    }

    /// Whether a department of the ticket may be scored now.
    public enum Readiness: Sendable, Hashable {
        /// One of its assignments is completed or late.
        case ready
        /// It has no assignment on the ticket yet.
        case notDispatched
        /// Its work is neither done nor late yet.
        case notYet
        /// Every assignment it had was cancelled by an empty-whistle ruling.
        case emptyWhistle
    }

    /// What the rule needs to know of the evaluated ticket.
    public struct Ticket: Sendable, Hashable {
        /// Whether the ticket has a whistle (吹哨): a whistle message's, or a grid report's.
        public var whistled: Bool
        /// Who blew the whistle (`WhistleParties.whistler`); nil when no one may evaluate it.
        public var whistler: String?
        /// Every department the whistle named or that had an assignment on the ticket.
        public var departments: Set<String>
        /// Every assignment on the ticket, of every round.
        public var assignments: [Assignment]
        /// Departments already evaluated on this ticket.
        public var alreadyScored: Set<String>

        public init(
            whistled: Bool, whistler: String?, departments: Set<String>, assignments: [Assignment] = [],
            alreadyScored: Set<String> = []
        ) {
            self.whistled = whistled
            self.whistler = whistler
            self.departments = departments
            self.assignments = assignments
            self.alreadyScored = alreadyScored
        }
    }

    /// Whether `department` may be scored at `now`, from its `assignments` on the ticket.
    public static func readiness(of department: String, in assignments: [Assignment], at now: Date) -> Readiness {
        let own = assignments.filter { $0.department == department }
        guard !own.isEmpty else { return .notDispatched }
        let scorable = own.filter { !$0.emptyWhistle }
        guard !scorable.isEmpty else { return .emptyWhistle }
        return scorable.contains { $0.isCompleted || $0.isLate(at: now) } ? .ready : .notYet
    }

    /// Every reason `evaluation` may not be recorded against `ticket` at `now` (empty when it may).
    public static func check(_ evaluation: Evaluation, against ticket: Ticket, at now: Date) -> [FieldError] {
        guard ticket.whistled else {
            return [
                FieldError(
                    field: "ticket_no", code: .notAllowed,
                    message: "this ticket was not raised by a whistle (吹哨); only whistle tickets are evaluated")
            ]
        }
        guard let whistler = ticket.whistler else {
            return [FieldError(field: "ticket_no", code: .notAllowed, message: "this ticket has no whistler to evaluate it")]
        }
        guard evaluation.by == whistler else {
            return [
                FieldError(
                    field: "by", code: .notAllowed,
                    message: "only \(whistler), who blew this ticket's whistle, may evaluate it, not \(evaluation.by)")
            ]
        }
        var errors: [FieldError] = []
        for (index, score) in evaluation.scores.enumerated() {
            let field = "scores[\(index)].department"
            func refuse(_ message: String) { errors.append(FieldError(field: field, code: .notAllowed, message: message)) }
            if score.department == whistler {
                refuse("the whistler does not evaluate itself")
            } else if !ticket.departments.contains(score.department) {
                refuse("\(score.department) had no assignment on this ticket")
            } else if ticket.alreadyScored.contains(score.department) {
                refuse("\(score.department) was already evaluated on this ticket")
            } else {
                switch readiness(of: score.department, in: ticket.assignments, at: now) {
                case .ready: break
                case .notDispatched: refuse("\(score.department) has no assignment on this ticket yet; evaluate it once its work is done")
                case .notYet: refuse("\(score.department)'s work is neither completed nor overdue yet; evaluate it once it is")
                case .emptyWhistle: refuse("\(score.department)'s assignment was cancelled as an empty whistle (吹空哨); it is not scored")
                }
            }
        }
        return errors
    }
}
