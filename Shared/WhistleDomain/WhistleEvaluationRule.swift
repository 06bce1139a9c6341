import WhistleMessages

/// 一哨一考核 (CONTRACT §2 `evaluation`): only the street that blew a ticket's whistle scores that
/// ticket's departments, each once. A value type that returns the errors; no I/O.
public enum WhistleEvaluationRule {
    /// What the rule needs to know of the evaluated ticket.
    public struct Ticket: Sendable, Hashable {
        /// Whether the ticket was raised by a grid worker's whistle (吹哨).
        public var whistled: Bool
        /// The street office of the street whose grid blew the whistle; nil when the ticket's
        /// grid has none.
        public var whistlingStreet: String?
        /// Every department the whistle named or that had an assignment on the ticket.
        public var departments: Set<String>
        /// Departments already evaluated on this ticket.
        public var alreadyScored: Set<String>

        public init(whistled: Bool, whistlingStreet: String?, departments: Set<String>, alreadyScored: Set<String>) {
            self.whistled = whistled
            self.whistlingStreet = whistlingStreet
            self.departments = departments
            self.alreadyScored = alreadyScored
        }
    }

    /// Every reason `evaluation` may not be recorded against `ticket` (empty when it may).
    public static func check(_ evaluation: Evaluation, against ticket: Ticket) -> [FieldError] {
        guard ticket.whistled else {
            return [
                FieldError(
                    field: "ticket_no", code: .notAllowed,
                    message: "ticket \(evaluation.ticketNo) was not raised by a whistle (吹哨); only whistle tickets are evaluated")
            ]
        }
        guard let street = ticket.whistlingStreet else {
            return [
                FieldError(
                    field: "ticket_no", code: .notAllowed,
                    message: "ticket \(evaluation.ticketNo) has no street office for its grid to evaluate it")
            ]
        }
        guard evaluation.by == street else {
            return [
                FieldError(
                    field: "by", code: .notAllowed,
                    message: "only \(street), the street that blew this ticket's whistle, may evaluate it, not \(evaluation.by)")
            ]
        }
        var errors: [FieldError] = []
        for (index, score) in evaluation.scores.enumerated() {
            let field = "scores[\(index)].department"
            if score.department == street {
                errors.append(FieldError(field: field, code: .notAllowed, message: "the whistling street does not evaluate itself"))
            } else if !ticket.departments.contains(score.department) {
                errors.append(FieldError(field: field, code: .notAllowed, message: "\(score.department) had no assignment on this ticket"))
            } else if ticket.alreadyScored.contains(score.department) {
                errors.append(
                    FieldError(field: field, code: .notAllowed, message: "\(score.department) was already evaluated on this ticket"))
            }
        }
        return errors
    }
}
