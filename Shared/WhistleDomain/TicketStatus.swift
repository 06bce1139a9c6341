import Foundation
import WhistleMessages

/// A ticket's status (CONTRACT §7); the raw value is the wire and database spelling
/// (`tickets.status`).
public enum TicketStatus: String, Codable, Sendable, CaseIterable {
    /// Opened by a demand, not routed yet.
    case accepted
    /// No rule routes it, or it was returned twice: the command center must route it.
    case triage
    /// Assignments are out; none of the live ones acknowledged yet.
    case dispatched
    /// At least one live assignment was acknowledged.
    case inProgress = "in_progress"
    /// Every live assignment is completed; the feedback window runs.
    case resolved
    /// Done, with an outcome.
    case closed
    /// The demand was refused.
    case rejected

    /// True for `closed` and `rejected`: nothing changes a ticket any more.
    public var isFinal: Bool { self == .closed || self == .rejected }
}

/// How a closed ticket ended (`ticket.closed` `{outcome}`, CONTRACT §5).
public enum TicketOutcome: String, Codable, Sendable, CaseIterable {
    case satisfied
    case noFeedback = "no_feedback"
    case unsatisfiedFinal = "unsatisfied_final"
    case rejected
}

/// Why a ticket goes to triage (`ticket.triage` `{reason}`), a compatible extension of v1.
public enum TicketTriageReason: String, Codable, Sendable, CaseIterable {
    /// No routing rule routes it (no category, or no rule for its category and area).
    case noRule = "no_rule"
    /// Re-routing after a return found no department that has not returned it.
    case noDepartmentLeft = "no_department_left"
    /// Its lead returned it twice.
    case returned
}

/// One assignment of a ticket as `TicketMachine` sees it.
public struct TicketAssignment: Sendable, Hashable {
    public var assignmentId: String
    public var department: String
    public var role: AssignmentRole
    public var state: AssignmentState

    public init(assignmentId: String, department: String, role: AssignmentRole, state: AssignmentState = .dispatched) {
        self.assignmentId = assignmentId
        self.department = department
        self.role = role
        self.state = state
    }
}

/// A ticket's state as far as its life cycle goes: the columns of `tickets` that
/// `TicketMachine` reads and writes, and the assignments of its current cycle.
///
/// The *current cycle* is every assignment dispatched since the ticket was last reopened (or
/// opened): the dispatcher loads the ticket's assignments whose `reopen_count` equals the
/// ticket's. A reopen starts a new cycle with only the new lead assignment; the co-departments'
/// completed work of the earlier cycle stays done.
public struct TicketSnapshot: Sendable, Hashable {
    public var status: TicketStatus
    /// The lead department (主办) of the current routing; nil before the first dispatch.
    public var leadDepartment: String?
    /// How often failed feedback reopened the ticket (0, 1 or 2).
    public var reopenCount: Int
    /// How often the lead returned the ticket (co returns are not counted here).
    public var returnCount: Int
    /// Every department that returned an assignment of this ticket, lead or co, first return
    /// first: re-routing excludes them.
    public var returnedDepartments: [String]
    /// The assignments of the current cycle, in any state.
    public var assignments: [TicketAssignment]
    /// When the ticket was resolved; nil unless `resolved` or closed after it.
    public var resolvedAt: Date?
    /// When the feedback window ends; nil unless `resolved` or closed after it.
    public var feedbackDue: Date?
    /// Set when the ticket closes.
    public var outcome: TicketOutcome?

    public init(
        status: TicketStatus, leadDepartment: String? = nil, reopenCount: Int = 0, returnCount: Int = 0,
        returnedDepartments: [String] = [], assignments: [TicketAssignment] = [], resolvedAt: Date? = nil,
        feedbackDue: Date? = nil, outcome: TicketOutcome? = nil
    ) {
        self.status = status
        self.leadDepartment = leadDepartment
        self.reopenCount = reopenCount
        self.returnCount = returnCount
        self.returnedDepartments = returnedDepartments
        self.assignments = assignments
        self.resolvedAt = resolvedAt
        self.feedbackDue = feedbackDue
        self.outcome = outcome
    }

    /// The live assignments: neither returned nor cancelled.
    public var liveAssignments: [TicketAssignment] { assignments.filter { $0.state.isLive } }

    /// The live lead assignment, if any.
    public var liveLead: TicketAssignment? { liveAssignments.first { $0.role == .lead } }

    /// True when there is a live lead and every live assignment is completed. Without a live
    /// lead (it returned the ticket and re-routing is pending) the ticket cannot be resolved,
    /// even when every live co-department is done.
    public var isResolvable: Bool {
        liveLead != nil && liveAssignments.allSatisfy { $0.state == .completed }
    }

    /// `in_progress` when a live assignment was acknowledged (or already completed), else
    /// `dispatched`: the status of a ticket whose assignments are out.
    var workingStatus: TicketStatus {
        liveAssignments.contains { $0.state == .acknowledged || $0.state == .completed } ? .inProgress : .dispatched
    }
}
