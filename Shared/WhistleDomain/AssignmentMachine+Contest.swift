import WhistleMessages

/// 吹空哨 (CONTRACT §10): a summoned department's contest of a whistle and the supervising command
/// center's ruling, as `AssignmentMachine` judges them.
extension AssignmentMachine {
    /// Why `assignment` may not be contested, beyond its state (`stateErrors`): only a `co`
    /// assignment of a whistle ticket whose whistler has a ruler, and only once.
    static func contestErrors(_ assignment: AssignmentSnapshot, _ parties: ContestParties?) -> [FieldError] {
        guard let parties else {
            return [
                FieldError(field: "action", code: .notAllowed, message: "contest is allowed only on the assignments of a whistle ticket")
            ]
        }
        var errors: [FieldError] = []
        if assignment.role != .co {
            errors.append(
                FieldError(
                    field: "action", code: .notAllowed,
                    message: "only a department the whistle summoned (co) may contest; this is the lead's assignment"))
        }
        if parties.ruler == nil {
            let whistler = TextRules.quoted(parties.whistler)
            errors.append(
                FieldError(
                    field: "action", code: .notAllowed,
                    message: "no command center supervises the whistler \(whistler): nobody could rule on a contest"))
        }
        if assignment.contested {
            errors.append(FieldError(field: "action", code: .notAllowed, message: "the assignment was already contested once"))
        }
        return errors
    }

    /// A ruling by `speaker` on `assignment`. Only the ruler may rule (`ReplySenderRule`); anyone
    /// else learns only that, nothing of the assignment's state. The ruler's ruling needs a
    /// contested, not yet ruled assignment whose work is still open.
    static func rule(_ reply: Reply, _ assignment: AssignmentSnapshot, speaker: String, parties: ContestParties?) -> AssignmentDecision {
        var errors: [FieldError] = []
        if let problem = ReplySenderRule.rulingProblem(speaker: speaker, assignmentId: reply.assignmentId, parties: parties) {
            errors.append(problem)
        } else {
            if !assignment.state.isOpen {
                errors.append(
                    FieldError(
                        field: "action", code: .notAllowed,
                        message: "the assignment is \(assignment.state.rawValue); a contest is ruled only while the work is open"))
            }
            if !assignment.contested {
                errors.append(
                    FieldError(field: "action", code: .notAllowed, message: "the assignment is not contested: there is nothing to rule"))
            }
            if assignment.ruled {
                errors.append(FieldError(field: "action", code: .notAllowed, message: "the contest was already ruled"))
            }
        }
        errors += missingFieldErrors(reply)
        guard errors.isEmpty, let ruling = reply.ruling else { return .rejected(errors) }
        switch ruling {
        case .upheld:
            return .accepted(assignment.state, [.emit(.whistleRuled), .ruled(.upheld)])
        case .empty:
            return .accepted(
                .cancelled,
                [
                    .emit(.whistleRuled), .ruled(.empty),
                    .ticket(.assignmentCancelled(assignmentId: assignment.assignmentId, reason: .emptyWhistle)),
                ])
        }
    }
}
