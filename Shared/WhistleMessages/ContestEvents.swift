import Foundation

/// `assignment.contested` (CONTRACT §10): a co-department summoned by a whistle says it was not
/// needed (吹空哨) or that the matter is not its duty. Its clocks keep running until the ruling.
public struct AssignmentContested: Codable, Sendable, Hashable {
    public static let type = EventType.assignmentContested
    public var assignmentId: String
    public var department: String
    public var role: String
    /// `not_needed` or `not_our_duty`.
    public var reasonCode: String
    public var note: String?
    /// The department that blew the whistle.
    public var whistler: String
    /// The command center that must rule on the contest.
    public var ruler: String
    /// The AMQP `message_id` of the reply (extension).
    public var messageId: String?

    public init(
        assignmentId: String, department: String, role: String, reasonCode: String, note: String?, whistler: String,
        ruler: String, messageId: String? = nil
    ) {
        self.assignmentId = assignmentId
        self.department = department
        self.role = role
        self.reasonCode = reasonCode
        self.note = note
        self.whistler = whistler
        self.ruler = ruler
        self.messageId = messageId
    }
}

/// `whistle.ruled {assignment_id, department, whistler, ruling}` (CONTRACT §10): the supervising
/// command center's ruling on a contest. `empty` cancels the assignment and counts against the
/// whistler; `upheld` keeps it and counts as a contest lost by the department.
///
/// The extension fields let a KPI fold take back, for an `empty` ruling, what the cancelled
/// assignment had already counted against the department (never scored against it): when it was
/// dispatched, whether and how it was acknowledged, and when its clocks went overdue.
public struct WhistleRuled: Codable, Sendable, Hashable {
    public static let type = EventType.whistleRuled
    public var assignmentId: String
    public var department: String
    public var whistler: String
    /// `upheld` or `empty`.
    public var ruling: String
    public var note: String?
    /// The command center that ruled (extension).
    public var ruledBy: String?
    /// When the contested assignment was dispatched (extension).
    public var dispatchedAt: Date?
    /// Whether its acknowledgement came in time; nil when it was never acknowledged (extension).
    public var acknowledgedOnTime: Bool?
    /// When each of its clocks went overdue, in order (extension; empty when none did).
    public var overdueAt: [Date]?
    /// The AMQP `message_id` of the ruling (extension).
    public var messageId: String?

    public init(
        assignmentId: String, department: String, whistler: String, ruling: String, note: String? = nil,
        ruledBy: String? = nil, dispatchedAt: Date? = nil, acknowledgedOnTime: Bool? = nil, overdueAt: [Date]? = nil,
        messageId: String? = nil
    ) {
        self.assignmentId = assignmentId
        self.department = department
        self.whistler = whistler
        self.ruling = ruling
        self.note = note
        self.ruledBy = ruledBy
        self.dispatchedAt = dispatchedAt
        self.acknowledgedOnTime = acknowledgedOnTime
        self.overdueAt = overdueAt
        self.messageId = messageId
    }
}

/// `assignment.cancelled {assignment_id, department, role, reason}`: the ticket no longer needs
/// the assignment; its clocks stop and it takes no further replies.
public struct AssignmentCancelled: Codable, Sendable, Hashable {
    public static let type = EventType.assignmentCancelled
    public var assignmentId: String
    public var department: String
    public var role: String
    /// `empty_whistle` (a contest ruled empty), `triage` (the ticket went back to the command
    /// center) or `became_lead` (the department now holds the lead's assignment).
    public var reason: String

    public init(assignmentId: String, department: String, role: String, reason: String) {
        self.assignmentId = assignmentId
        self.department = department
        self.role = role
        self.reason = reason
    }
}
