import Foundation

/// One assignment as `ticket.dispatched` lists it.
public struct DispatchedAssignment: Codable, Sendable, Hashable {
    public var assignmentId: String
    public var department: String
    public var role: String
    public var ackDue: Date
    public var resolveDue: Date
    public init(assignmentId: String, department: String, role: String, ackDue: Date, resolveDue: Date) {
        self.assignmentId = assignmentId
        self.department = department
        self.role = role
        self.ackDue = ackDue
        self.resolveDue = resolveDue
    }
}

/// `ticket.dispatched`: the assignments one dispatch round created. `category` and `rule`
/// (why these departments) are extensions of v1.
public struct TicketDispatched: Codable, Sendable, Hashable {
    public static let type = EventType.ticketDispatched
    public var round: Int
    public var assignments: [DispatchedAssignment]
    public var category: String?
    public var rule: String
    public init(round: Int, assignments: [DispatchedAssignment], category: String?, rule: String) {
        self.round = round
        self.assignments = assignments
        self.category = category
        self.rule = rule
    }
}

/// `ticket.triage`: nothing routes the ticket; the command center must
/// (`whistlectl triage route`). `reason` is `no_rule`, `no_department_left` or `returned`.
public struct TicketTriaged: Codable, Sendable, Hashable {
    public static let type = EventType.ticketTriage
    public var reason: String
    public var detail: String?
    /// The command center expected to route it, when the reference data has one.
    public var commandCenter: String?
    public init(reason: String, detail: String?, commandCenter: String?) {
        self.reason = reason
        self.detail = detail
        self.commandCenter = commandCenter
    }
}

/// The data of every `assignment.*` event: `{assignment_id, department, role, …}`. Which of
/// the optional members are set depends on the type:
/// `acknowledged` (`on_time`), `progress` (`note`), `completed` (`result`, `on_time`),
/// `returned` (`reason_code`, `note`), `extended` (`resolve_due`, `note`),
/// `due_soon` and `overdue` (`clock`: `acknowledge` or `resolve`, `due_at`).
public struct AssignmentEvent: Codable, Sendable, Hashable {
    public var assignmentId: String
    public var department: String
    public var role: String
    public var onTime: Bool?
    public var note: String?
    public var result: String?
    public var reasonCode: String?
    public var clock: String?
    public var dueAt: Date?
    public var resolveDue: Date?
    /// The AMQP `message_id` of the reply that caused the event (replies only; extension).
    public var messageId: String?
    /// When the assignment was dispatched (`acknowledged` and `returned`; extension): the
    /// response and return rates count these on the dispatch's day.
    public var dispatchedAt: Date?
    public init(
        assignmentId: String, department: String, role: String, onTime: Bool? = nil, note: String? = nil,
        result: String? = nil, reasonCode: String? = nil, clock: String? = nil, dueAt: Date? = nil, resolveDue: Date? = nil,
        messageId: String? = nil
    ) {
        self.messageId = messageId
        self.assignmentId = assignmentId
        self.department = department
        self.role = role
        self.onTime = onTime
        self.note = note
        self.result = result
        self.reasonCode = reasonCode
        self.clock = clock
        self.dueAt = dueAt
        self.resolveDue = resolveDue
    }
}

/// `ticket.escalated` `{level, reason}`; `department` (who now supervises it) and
/// `lead_department` (who answers for the ticket; the escalation counts in its KPIs) are extensions.
public struct TicketEscalated: Codable, Sendable, Hashable {
    public static let type = EventType.ticketEscalated
    /// `street`, `district` or `city`.
    public var level: String
    /// `overdue`, `repeated`, `group_petition` or `returned`.
    public var reason: String
    public var department: String?
    public var leadDepartment: String?
    /// The command center that holds the ticket's triage when it escalates before any lead was
    /// dispatched (extension): the escalation counts against it, as it would against a lead.
    public var heldBy: String?
    public init(level: String, reason: String, department: String?, leadDepartment: String? = nil, heldBy: String? = nil) {
        self.level = level
        self.reason = reason
        self.department = department
        self.leadDepartment = leadDepartment
        self.heldBy = heldBy
    }
}

/// The feedback a reopening or closing answered (extension of `ticket.reopened` and
/// `ticket.closed`): what the citizen or grid worker said, and the departments whose completed
/// work it judged — the satisfaction and resolution figures of those departments.
public struct FeedbackJudgment: Codable, Sendable, Hashable {
    /// `satisfied`, `basically_satisfied` or `unsatisfied`.
    public var satisfaction: String
    public var resolved: Bool
    /// Every department with completed work on the ticket, sorted.
    public var departments: [String]
    public init(satisfaction: String, resolved: Bool, departments: [String]) {
        self.satisfaction = satisfaction
        self.resolved = resolved
        self.departments = departments
    }
}

/// `ticket.resolved`: every live assignment is complete; the 7-day feedback window runs until
/// `feedback_due` (extension).
public struct TicketResolved: Codable, Sendable, Hashable {
    public static let type = EventType.ticketResolved
    public var feedbackDue: Date?
    public init(feedbackDue: Date?) { self.feedbackDue = feedbackDue }
}

/// `ticket.reopened` `{reopen_count}`; `lead_department` (extension) gets it again, to rework;
/// `feedback` (extension) is the unsatisfied answer that reopened it.
public struct TicketReopened: Codable, Sendable, Hashable {
    public static let type = EventType.ticketReopened
    public var reopenCount: Int
    public var leadDepartment: String?
    public var feedback: FeedbackJudgment?
    public init(reopenCount: Int, leadDepartment: String?, feedback: FeedbackJudgment? = nil) {
        self.reopenCount = reopenCount
        self.leadDepartment = leadDepartment
        self.feedback = feedback
    }
}

/// `ticket.closed` `{outcome}`: `satisfied`, `no_feedback`, `unsatisfied_final` or `rejected`;
/// `feedback` (extension) is the answer that closed it, when feedback did.
public struct TicketClosed: Codable, Sendable, Hashable {
    public static let type = EventType.ticketClosed
    public var outcome: String
    public var feedback: FeedbackJudgment?
    public init(outcome: String, feedback: FeedbackJudgment? = nil) {
        self.outcome = outcome
        self.feedback = feedback
    }
}

/// `reply.rejected` `{assignment_id, department, errors, source}`: a reply (or a triage routing)
/// that changed nothing. `assignment_id` is null when the body had no readable one.
public struct ReplyRejected: Codable, Sendable, Hashable {
    public static let type = EventType.replyRejected
    public var assignmentId: String?
    public var department: String
    public var errors: [FieldError]
    public var source: MessageSource
    public init(assignmentId: String?, department: String, errors: [FieldError], source: MessageSource) {
        self.assignmentId = assignmentId
        self.department = department
        self.errors = errors
        self.source = source
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(assignmentId, forKey: .assignmentId)
        try container.encode(department, forKey: .department)
        try container.encode(errors, forKey: .errors)
        try container.encode(source, forKey: .source)
    }

    private enum CodingKeys: String, CodingKey { case assignmentId, department, errors, source }
}
