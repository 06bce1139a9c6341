import Foundation
import WhistleMessages

/// The state of one department's assignment (CONTRACT §4); the raw value is the wire and
/// database spelling (`assignments.status`).
///
/// ```
/// dispatched ──acknowledge──▶ acknowledged ──complete──▶ completed
///     │                          │  ▲  progress / extend / contest / rule upheld (stay)
///     └────────return────────────┴──────────▶ returned
/// any live state ──(ticket no longer needs it, or a contest ruled empty)──▶ cancelled
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

    /// The replies this state accepts, before the department, the petition and the whistle
    /// rules are checked: a contest and its ruling only while the work is open.
    public var allowedActions: Set<Reply.Action> {
        switch self {
        case .dispatched: [.acknowledge, .return, .contest, .rule]
        case .acknowledged: [.progress, .extend, .complete, .return, .contest, .rule]
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
    /// True once the department contested the whistle (it may do so once).
    public var contested: Bool
    /// True once the contest was ruled on (it is ruled once).
    public var ruled: Bool

    public init(
        assignmentId: String, ticketNo: String, department: String, role: AssignmentRole,
        state: AssignmentState, ackDue: Date, resolveDue: Date, extended: Bool = false, contested: Bool = false,
        ruled: Bool = false
    ) {
        self.assignmentId = assignmentId
        self.ticketNo = ticketNo
        self.department = department
        self.role = role
        self.state = state
        self.ackDue = ackDue
        self.resolveDue = resolveDue
        self.extended = extended
        self.contested = contested
        self.ruled = ruled
    }
}

/// Why an assignment was cancelled (the `reason` of `assignment.cancelled`); the raw value is the
/// wire and database spelling (`assignments.cancel_reason`).
public enum AssignmentCancelReason: String, Codable, Sendable, CaseIterable {
    /// Its contest was ruled empty (吹空哨): the whistle did not need the department.
    case emptyWhistle = "empty_whistle"
    /// The ticket went to the command center (triage), which routes it afresh.
    case triage
    /// The department became the ticket's lead and holds the lead's assignment instead.
    case becameLead = "became_lead"
}

/// The two parties of a whistle ticket that the contest rules need: who blew the whistle and
/// which command center rules contests against it (`WhistleParties`). A ticket without a whistle
/// has none.
public struct ContestParties: Sendable, Hashable {
    /// The department that blew the whistle; it leads the ticket.
    public var whistler: String
    /// The command center that rules on contests; nil when none supervises the whistler (then
    /// nobody could rule, and no contest is taken).
    public var ruler: String?

    public init(whistler: String, ruler: String?) {
        self.whistler = whistler
        self.ruler = ruler
    }

    /// The parties of a ticket from `WhistleParties`, nil when the ticket has no whistler.
    public static func of(channel: Channel, area: String?, whistle: Whistle?, reference: ReferenceData) -> ContestParties? {
        guard let whistler = WhistleParties.whistler(channel: channel, area: area, whistle: whistle, reference: reference) else {
            return nil
        }
        return ContestParties(whistler: whistler, ruler: WhistleParties.ruler(ofWhistler: whistler, reference: reference))
    }
}
