import Foundation
import WhistleMessages

/// The state of one department's assignment (CONTRACT §4); the raw value is the wire and
/// database spelling (`assignments.status`).
///
/// ```
/// dispatched ──acknowledge──▶ acknowledged ──complete──▶ completed
///     │                          │  ▲  progress / extend (stay)
///     └────────return────────────┴──────────▶ returned
/// any live state ──(ticket no longer needs it)──▶ cancelled
/// ```
public enum AssignmentState: String, Codable, Sendable, CaseIterable {
    /// Published to the department's queue; the acknowledgement clock runs.
    case dispatched
    /// Signed for (签收/报到); the resolve clock runs.
    case acknowledged
    /// Done (办结), with a result. Takes no further replies.
    case completed
    /// Sent back (退单) with a reason. Takes no further replies.
    case returned
    /// The ticket no longer needs it (re-routed to triage, closed). Takes no further replies.
    case cancelled

    /// True when the assignment still counts for its ticket: not returned and not cancelled.
    /// A completed assignment is live: it is part of what resolves the ticket.
    public var isLive: Bool { self != .returned && self != .cancelled }

    /// True when the assignment takes no further replies: completed, returned or cancelled.
    public var isFinal: Bool { self == .completed || self == .returned || self == .cancelled }

    /// True while the department still owes work: dispatched or acknowledged.
    public var isOpen: Bool { self == .dispatched || self == .acknowledged }

    /// The replies this state accepts, before the department and the petition rules are checked.
    public var allowedActions: Set<Reply.Action> {
        switch self {
        case .dispatched: [.acknowledge, .return]
        case .acknowledged: [.progress, .extend, .complete, .return]
        case .completed, .returned, .cancelled: []
        }
    }
}

/// A department's role on a ticket: `lead` (主办) or `co` (协办). The raw value is the wire and
/// database spelling.
public enum AssignmentRole: String, Codable, Sendable, CaseIterable {
    case lead
    case co
}

/// What `AssignmentMachine` needs to know about an assignment to judge a reply: one row of
/// `assignments` as the dispatcher reads it.
public struct AssignmentSnapshot: Sendable, Hashable {
    public var assignmentId: String
    public var ticketNo: String
    /// The department the assignment was dispatched to; only it may reply.
    public var department: String
    public var role: AssignmentRole
    public var state: AssignmentState
    /// When the acknowledgement is due; an acknowledgement at or before it is on time.
    public var ackDue: Date
    /// When the assignment must be completed.
    public var resolveDue: Date
    /// True once the petition's one extension was granted.
    public var extended: Bool

    public init(
        assignmentId: String, ticketNo: String, department: String, role: AssignmentRole,
        state: AssignmentState, ackDue: Date, resolveDue: Date, extended: Bool = false
    ) {
        self.assignmentId = assignmentId
        self.ticketNo = ticketNo
        self.department = department
        self.role = role
        self.state = state
        self.ackDue = ackDue
        self.resolveDue = resolveDue
        self.extended = extended
    }
}
