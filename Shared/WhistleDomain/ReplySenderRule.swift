import WhistleMessages

/// Who may speak for a department on `whistle.replies` (CONTRACT §4): the broker-validated
/// `user_id` of the reply must be the department's own broker user (`dept-<code>`), or an operator
/// account trusted to act for any department (`whistlectl dept reply` by the command center's
/// staff). The routing key alone is not enough: it is whatever the publisher wrote.
///
/// A ruling on a contest (`rule`, CONTRACT §10) speaks for a command center: its routing key is
/// the command center's code, checked like any department's, and only the command center that
/// supervises the ticket's whistler may rule (`rulingProblem`).
public struct ReplySenderRule: Sendable, Equatable {
    public enum Mode: String, Sendable { case department, any }

    /// `department` checks the `user_id`; `any` accepts every reply (development only).
    public var mode: Mode
    /// Broker users that may reply for any department.
    public var trusted: Set<String>

    public static let userPrefix = "dept-"

    public init(mode: Mode = .department, trusted: Set<String> = ["whistle-admin"]) {
        self.mode = mode
        self.trusted = trusted
    }

    /// The broker user of a department.
    public static func user(of department: String) -> String { userPrefix + department }

    /// The error when `speaker` (the routing key of a `rule` reply) may not rule on the contest
    /// of assignment `assignmentId`, nil when it may: only the ruler of the ticket's whistler
    /// (`parties.ruler`, from `WhistleParties.ruler(ofWhistler:reference:)`). The message is the
    /// same whether the ticket has a whistle or not: a stranger learns nothing of the ticket.
    public static func rulingProblem(speaker: String, assignmentId: String, parties: ContestParties?) -> FieldError? {
        if let ruler = parties?.ruler, ruler == speaker { return nil }
        let id = TextRules.quoted(assignmentId)
        return FieldError(
            field: "assignment_id", code: .notAllowed,
            message:
                "\(TextRules.quoted(speaker)) may not rule on assignment \(id): only the command center that supervises its ticket's whistler may"
        )
    }

    /// The error when `userId` may not reply as `department`, nil when it may.
    public func problem(userId: String?, department: String) -> FieldError? {
        guard mode == .department else { return nil }
        guard let userId, !userId.isEmpty else {
            return FieldError(
                field: nil, code: .notAllowed,
                message:
                    "the reply carries no user_id; publish it as \(Self.user(of: department)), the department's broker user, with user_id set"
            )
        }
        if userId == Self.user(of: department) || trusted.contains(userId) { return nil }
        return FieldError(
            field: nil, code: .notAllowed,
            message: "broker user \(userId) may not reply for \(department); only \(Self.user(of: department)) may")
    }
}
