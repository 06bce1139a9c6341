import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres

/// One row of `assignments` as the dispatcher holds it during a batch.
struct AssignmentRecord: Sendable {
    var id: String
    var ticketNo: String
    var department: String
    var role: AssignmentRole
    var state: AssignmentState
    var round: Int
    var reopenCount: Int
    var ackDue: Date
    var resolveDue: Date
    /// The dispatch instant both clocks count from (`created_at`).
    var dispatchedAt: Date
    var acknowledgedAt: Date?
    var completedAt: Date?
    var returnedAt: Date?
    var result: String?
    var returnReason: String?
    var extendedAt: Date?
    /// Its contest, ruling, cancellation and overdue clocks (`0011_contests.sql`).
    var account = AssignmentAccount()
    /// `ack_warning_at` and `resolve_warning_at` (`0017_assignment_clocks.sql`); nil on work closed
    /// before that migration.
    var ackWarningAt: Date?
    var resolveWarningAt: Date?
    /// `ack_stage` and `resolve_stage`: how far each clock has run.
    var ackStage = ClockStage.running
    var resolveStage = ClockStage.running
    /// Inserted by this batch.
    var isNew = false
    /// Changed by this batch.
    var isDirty = false

    var snapshot: AssignmentSnapshot {
        AssignmentSnapshot(
            assignmentId: id, ticketNo: ticketNo, department: department, role: role, state: state, ackDue: ackDue,
            resolveDue: resolveDue, extended: extendedAt != nil, contested: account.contestedAt != nil,
            ruled: account.ruledAt != nil)
    }

    /// Its acknowledge and resolve clocks as the row keeps them; setting them marks nothing dirty.
    /// A row written without a warning (not by dispatcher) warns at its deadline, as the partial
    /// indexes read it (`coalesce(warning, due)`).
    var clockMarks: AssignmentClockMarks {
        get {
            AssignmentClockMarks(
                ackWarningAt: ackWarningAt ?? ackDue, ackDue: ackDue, ackStage: ackStage,
                resolveWarningAt: resolveWarningAt ?? resolveDue, resolveDue: resolveDue, resolveStage: resolveStage)
        }
        set {
            (ackWarningAt, ackDue, ackStage) = (newValue.ackWarningAt, newValue.ackDue, newValue.ackStage)
            (resolveWarningAt, resolveDue, resolveStage) = (newValue.resolveWarningAt, newValue.resolveDue, newValue.resolveStage)
        }
    }

    /// Whether its acknowledgement came at or before `ack_due`; nil when never acknowledged.
    var acknowledgedOnTime: Bool? { acknowledgedAt.map { $0 <= ackDue } }
}

/// What the accountability rules keep of an assignment (columns of `0011_contests.sql`): the
/// department's contest of a whistle, the command center's ruling, why the assignment was
/// cancelled, and when each of its clocks went overdue (so that a ruling can say what an
/// empty-ruled assignment had counted).
struct AssignmentAccount: Sendable {
    var contestReason: String?
    var contestNote: String?
    var contestedAt: Date?
    var ruling: String?
    var rulingNote: String?
    var ruledBy: String?
    var ruledAt: Date?
    var cancelReason: String?
    var ackOverdueAt: Date?
    var resolveOverdueAt: Date?
    /// Changed by this batch (`TicketWrites.updateAccounts` writes it).
    var isDirty = false

    /// When its clocks went overdue, in order.
    var overdueAt: [Date] { [ackOverdueAt, resolveOverdueAt].compactMap { $0 }.sorted() }
}

/// A ticket and all its assignments, locked (`FOR UPDATE`) for the batch that changes it.
struct TicketRecord: Sendable {
    var ticketNo: String
    var status: TicketStatus
    var channel: Channel
    var category: String?
    var categoryMethod: String?
    var urgency: Urgency
    var area: String?
    var leadDepartment: String?
    var title: String?
    var content: String
    var location: Location?
    var confidential: Bool
    var petitionKind: Petition.Kind?
    var subjectUnit: String?
    var petitioners: Int?
    var whistle: Whistle?
    var reopenCount: Int
    var returnCount: Int
    var dispatchRound: Int
    var escalationLevel: EscalationLevel?
    var extended: Bool
    var outcome: TicketOutcome?
    var openedAt: Date
    var resolvedAt: Date?
    var feedbackDue: Date?
    var closedAt: Date?
    /// The category intake classified the ticket in (`category` is the one in force).
    var classifiedCategory: String?
    /// The opening demand's attachments.
    var attachments: [Attachment] = []
    var assignments: [AssignmentRecord] = []
    var isDirty = false

    /// Who blew the ticket's whistle and who rules contests against it; nil without a whistle.
    func contestParties(in reference: ReferenceData) -> ContestParties? {
        ContestParties.of(channel: channel, area: area, whistle: whistle, reference: reference)
    }

    /// The facts routing decides on.
    var routingRequest: RoutingRequest {
        RoutingRequest(
            channel: channel, category: category, area: area, whistle: whistle, petitionKind: petitionKind,
            subjectUnit: subjectUnit, petitioners: petitioners)
    }

    /// The ticket as `TicketMachine` sees it: the assignments of the current cycle (those
    /// dispatched since the last reopen) and every department that ever returned it.
    var snapshot: TicketSnapshot {
        let returned = assignments.filter { $0.state == .returned }
            .sorted { ($0.returnedAt ?? .distantPast) < ($1.returnedAt ?? .distantPast) }
        var returnedDepartments: [String] = []
        for assignment in returned where !returnedDepartments.contains(assignment.department) {
            returnedDepartments.append(assignment.department)
        }
        return TicketSnapshot(
            status: status, leadDepartment: leadDepartment, reopenCount: reopenCount, returnCount: returnCount,
            returnedDepartments: returnedDepartments,
            assignments: assignments.filter { $0.reopenCount == reopenCount }.map {
                TicketAssignment(assignmentId: $0.id, department: $0.department, role: $0.role, state: $0.state)
            },
            resolvedAt: resolvedAt, feedbackDue: feedbackDue, outcome: outcome)
    }

    /// Takes over the columns and assignment states of a snapshot `TicketMachine` returned.
    mutating func adopt(_ next: TicketSnapshot) {
        status = next.status
        leadDepartment = next.leadDepartment
        reopenCount = next.reopenCount
        returnCount = next.returnCount
        resolvedAt = next.resolvedAt
        feedbackDue = next.feedbackDue
        outcome = next.outcome
        isDirty = true
        for assignment in next.assignments {
            guard let index = assignments.firstIndex(where: { $0.id == assignment.assignmentId }),
                assignments[index].state != assignment.state
            else { continue }
            assignments[index].state = assignment.state
            assignments[index].isDirty = true
        }
    }

    /// The assignment with this id, if it belongs to the ticket.
    func assignmentIndex(_ id: String) -> Int? { assignments.firstIndex { $0.id == id } }
}
