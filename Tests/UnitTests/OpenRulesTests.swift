import Foundation
import Testing
import WhistleDomain
import WhistleMessages

private let t0 = Date(timeIntervalSince1970: 1_763_700_000)

private func assignment(_ id: String, _ department: String, _ role: AssignmentRole) -> TicketAssignment {
    TicketAssignment(assignmentId: id, department: department, role: role)
}

/// Feeds `inputs` in order; every one must change the ticket. Returns the last effects.
@discardableResult
private func feed(
    _ ticket: inout TicketSnapshot, _ inputs: [TicketInput], sourceLocation: SourceLocation = #_sourceLocation
) -> [TicketEffect] {
    feedTicket(&ticket, inputs, now: t0, sourceLocation: sourceLocation)
}

/// A whistle ticket led by the street office with three summoned departments: XS-CGJ completes,
/// XS-SCJG returns its assignment, XS-ZJJ contests and is ruled empty; then the lead completes.
private func resolvedWithEveryKindOfCo() -> TicketSnapshot {
    var ticket = TicketSnapshot(status: .accepted)
    let round = [
        assignment("L1", "FL-JDB", .lead), assignment("C1", "XS-CGJ", .co), assignment("C2", "XS-SCJG", .co),
        assignment("C3", "XS-ZJJ", .co),
    ]
    feed(
        &ticket,
        [
            .dispatched(round: round), .assignmentAcknowledged(assignmentId: "L1"), .assignmentAcknowledged(assignmentId: "C1"),
            .assignmentCompleted(assignmentId: "C1"), .assignmentReturned(assignmentId: "C2"),
            .assignmentCancelled(assignmentId: "C3", reason: .emptyWhistle), .assignmentCompleted(assignmentId: "L1"),
        ])
    return ticket
}

/// The rules issue 15 settles (item 6) and the cancellation of an empty whistle.
@Suite("Open rules: reopen to all, an empty whistle, place-less petitions, pre-dispatch escalations")
struct OpenRulesTests {
    @Test func aReopeningGoesBackToEveryDepartmentWhoseCompletedWorkWasJudged() {
        var ticket = resolvedWithEveryKindOfCo()
        #expect(ticket.status == .resolved)
        #expect(ticket.judgedDepartments == ["FL-JDB", "XS-CGJ"], "neither the returned nor the cancelled co did judged work")
        let effects = feed(&ticket, [.feedback(.unsatisfied, resolved: false)])
        #expect(effects == [.emit(.ticketReopened, .reopened(reopenCount: 1)), .dispatchAgain(lead: "FL-JDB", co: ["XS-CGJ"])])
        #expect(ticket.status == .dispatched && ticket.reopenCount == 1 && ticket.assignments.isEmpty)

        // The new round must be acknowledged and completed again, by every department in it.
        feed(&ticket, [.dispatched(round: [assignment("L2", "FL-JDB", .lead), assignment("C4", "XS-CGJ", .co)])])
        #expect(ticket.status == .dispatched)
        feed(&ticket, [.assignmentAcknowledged(assignmentId: "L2"), .assignmentCompleted(assignmentId: "L2")])
        #expect(ticket.status == .inProgress, "the reopened co's work is still open")
        feed(&ticket, [.assignmentAcknowledged(assignmentId: "C4"), .assignmentCompleted(assignmentId: "C4")])
        #expect(ticket.status == .resolved)
        #expect(ticket.judgedDepartments == ["FL-JDB", "XS-CGJ"])
    }

    @Test func anEmptyWhistleCancelsTheCoAndTheTicketResolvesWhenTheRestIsDone() {
        var ticket = TicketSnapshot(status: .accepted)
        feed(&ticket, [.dispatched(round: [assignment("L1", "FL-JDB", .lead), assignment("C1", "XS-CGJ", .co)])])
        feed(&ticket, [.assignmentAcknowledged(assignmentId: "L1"), .assignmentAcknowledged(assignmentId: "C1")])
        // The lead still works: only the cancellation.
        var open = ticket
        #expect(
            feed(&open, [.assignmentCancelled(assignmentId: "C1", reason: .emptyWhistle)]) == [
                .cancelAssignments(["C1"], reason: .emptyWhistle)
            ])
        #expect(open.status == .inProgress)
        // The lead done first: the cancellation resolves the ticket at once.
        feed(&ticket, [.assignmentCompleted(assignmentId: "L1")])
        #expect(ticket.status == .inProgress)
        let effects = feed(&ticket, [.assignmentCancelled(assignmentId: "C1", reason: .emptyWhistle)])
        #expect(
            effects == [.cancelAssignments(["C1"], reason: .emptyWhistle), .emit(.ticketResolved, .none), .startFeedbackWindow(days: 7)])
        #expect(ticket.status == .resolved && ticket.assignments.map(\.state) == [.completed, .cancelled])
        // Finished work is not cancelled.
        #expect(TicketMachine.reduce(ticket, .assignmentCancelled(assignmentId: "L1", reason: .emptyWhistle), now: t0).snapshot == nil)
    }

    @Test func aGroupPetitionWithoutAPlaceGoesToTheDistrictsPetitionBureau() {
        let data = RoutingTown.reference
        #expect(EscalationTarget.department(for: Escalation.groupPetition, area: nil, in: data)?.code == "XS-XFJ")
        #expect(EscalationTarget.department(for: Escalation.groupPetition, area: "NO-SUCH-AREA", in: data)?.code == "XS-XFJ")
        #expect(EscalationTarget.department(for: Escalation.groupPetition, area: "D-XS", in: data)?.code == "XS-XFJ")
        // With a place in a street, the street takes it, as before.
        #expect(EscalationTarget.department(for: Escalation.groupPetition, area: "G-QS-SQ-01", in: data)?.code == "QS-ZHZX")
        // Other escalations without a street stay without a street department.
        #expect(EscalationTarget.department(for: Escalation.repeated, area: nil, in: data) == nil)
        // A deployment without a district-level bureau: the top one.
        let cityOnly = ReferenceData(
            areas: RoutingTown.areas, departments: RoutingTown.departments.filter { $0.code != "XS-XFJ" },
            categories: RoutingTown.categories, rules: RoutingTown.rules)
        #expect(EscalationTarget.districtPetitionBureau(area: nil, in: cityOnly)?.code == "YC-XFJ")
    }

    @Test func anEscalationBeforeAnyLeadIsHeldByTheCommandCenterHoldingTheTriage() {
        let data = RoutingTown.reference
        #expect(EscalationTarget.heldBy(leadDepartment: nil, area: "G-QS-SQ-01", in: data) == "QS-ZHZX", "the street's center")
        #expect(EscalationTarget.heldBy(leadDepartment: nil, area: "G-FL-HF-01", in: data) == "XS-ZHZX", "no street center: the district's")
        #expect(EscalationTarget.heldBy(leadDepartment: nil, area: nil, in: data) == "YC-ZHZX", "no area: the top one")
        #expect(EscalationTarget.heldBy(leadDepartment: "XS-CGJ", area: "G-QS-SQ-01", in: data) == nil, "a lead answers itself")
        #expect(EscalationTarget.triageHolder(area: nil, in: data)?.code == "YC-ZHZX")
        #expect(EscalationTarget.triageHolder(area: "G-QS-LX-01", in: data)?.code == "QS-ZHZX")
    }

    @Test func everyCancellationNamesItsReason() {
        // A co that becomes the lead gives up its co assignment; triage cancels the open work.
        var ticket = TicketSnapshot(status: .accepted)
        let round = [assignment("L1", "XS-CGJ", .lead), assignment("C1", "XS-SWJ", .co), assignment("C2", "XS-ZJJ", .co)]
        feed(&ticket, [.dispatched(round: round), .assignmentReturned(assignmentId: "L1")])
        let becameLead = feed(&ticket, [.dispatched(round: [assignment("L2", "XS-SWJ", .lead)])])
        #expect(becameLead == [.cancelAssignments(["C1"], reason: .becameLead)])
        let triage = feed(&ticket, [.assignmentReturned(assignmentId: "L2")])
        #expect(triage.first == .cancelAssignments(["C2"], reason: .triage))
        #expect(ticket.status == .triage)
    }
}
