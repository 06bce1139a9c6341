import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// The decisions dispatcher's clock and flow take without a server: what a due timer does
/// (`TimerRule`), whether an escalation applies (`Escalation.decision`), who takes it
/// (`EscalationTarget`), and a co-department that re-routing makes the lead (`TicketMachine`).
@Suite("Dispatch decisions")
struct DispatchDecisionTests {
    /// Every timer kind against every assignment state on a working ticket: the alert it
    /// announces and the escalation it makes, as `TimerService` carries them out.
    @Test func whatEachTimerDoesOnAWorkingTicket() {
        func fired(_ kind: TimerKind, _ state: AssignmentState) -> String {
            switch TimerRule.decide(kind, ticket: .inProgress, assignment: state) {
            case .ticket(let input): return "ticket \(input)"
            case .assignment(let alert, let escalation):
                let announced = alert.map { "\($0.type.rawValue) \($0.clock.rawValue)" } ?? "-"
                return announced + " / " + (escalation.map { "\($0.level.rawValue) \($0.reason.rawValue)" } ?? "-")
            case .nothing: return "nothing"
            }
        }
        #expect(fired(.ackDueSoon, .dispatched) == "assignment.due_soon acknowledge / -")
        #expect(fired(.ackOverdue, .dispatched) == "assignment.overdue acknowledge / street overdue")
        #expect(fired(.resolveDueSoon, .dispatched) == "assignment.due_soon resolve / -")
        #expect(fired(.resolveDueSoon, .acknowledged) == "assignment.due_soon resolve / -")
        #expect(fired(.resolveOverdue, .acknowledged) == "assignment.overdue resolve / district overdue")
        #expect(fired(.escalateCity, .acknowledged) == "- / city overdue")
        #expect(fired(.feedbackWindow, .completed) == "ticket feedbackWindowElapsed")
        // The acknowledgement clock stops at `acknowledge`; both stop when the work is done.
        for kind in TimerKind.acknowledgeKinds {
            #expect(fired(kind, .acknowledged) == "nothing")
        }
        for kind in TimerKind.acknowledgeKinds.union(TimerKind.resolveKinds) {
            for state in [AssignmentState.completed, .returned, .cancelled] {
                #expect(fired(kind, state) == "nothing", "\(kind.rawValue) on \(state.rawValue) work")
            }
        }
    }

    @Test func aTimerFiresNothingOnAFinalTicketOrWithoutItsAssignment() {
        for status in [TicketStatus.closed, .rejected] {
            for kind in TimerKind.allCases {
                #expect(
                    TimerRule.decide(kind, ticket: status, assignment: .dispatched) == .nothing(reason: "the ticket is \(status.rawValue)"))
            }
        }
        #expect(TimerRule.decide(.ackOverdue, ticket: .dispatched, assignment: nil) == .nothing(reason: "no assignment"))
        #expect(TimerRule.decide(.feedbackWindow, ticket: .resolved, assignment: nil) == .ticket(.feedbackWindowElapsed))
    }

    /// The supervisor the notifier tells about overdue work is the level the clock escalates to.
    @Test func theOverdueClockNamesTheEscalation() {
        #expect(DeadlineClock.acknowledge.overdueEscalation == .acknowledgeOverdue)
        #expect(DeadlineClock.resolve.overdueEscalation == .resolveOverdue)
        #expect(Escalation.acknowledgeOverdue.level == .street && Escalation.resolveOverdue.level == .district)
        #expect(Escalation.resolveOverdueAgain.level == .city)
        for escalation in [Escalation.acknowledgeOverdue, .resolveOverdue, .resolveOverdueAgain] {
            #expect(escalation.reason == .overdue)
        }
        #expect(DeadlineClock.allCases.map(\.rawValue) == ["acknowledge", "resolve"])
    }

    @Test func anEscalationNeverLowersOrRepeatsALevel() {
        #expect(Escalation.groupPetition.decision(current: nil, status: .dispatched) == .escalate(.groupPetition))
        #expect(Escalation.resolveOverdue.decision(current: .street, status: .inProgress) == .escalate(.resolveOverdue))
        #expect(Escalation.resolveOverdueAgain.decision(current: .district, status: .inProgress) == .escalate(.resolveOverdueAgain))
        #expect(
            Escalation.acknowledgeOverdue.decision(current: .street, status: .dispatched)
                == .unchanged(reason: "the ticket is already at street"))
        #expect(
            Escalation.repeated.decision(current: .district, status: .inProgress) == .unchanged(reason: "the ticket is already at district")
        )
        #expect(
            Escalation.resolveOverdue.decision(current: .city, status: .inProgress) == .unchanged(reason: "the ticket is already at city"))
    }

    /// "Not when already final": only the `repeated` escalation that comes with the close of the
    /// third failed feedback reaches a closed ticket.
    @Test func aFinalTicketIsEscalatedOnlyForTheRepeatedFailure() {
        for status in [TicketStatus.closed, .rejected] {
            for escalation in [Escalation.acknowledgeOverdue, .resolveOverdue, .resolveOverdueAgain, .groupPetition, .returned] {
                #expect(escalation.decision(current: nil, status: status) == .unchanged(reason: "the ticket is \(status.rawValue)"))
            }
        }
        #expect(Escalation.repeated.decision(current: nil, status: .closed) == .escalate(.repeated))
        #expect(Escalation.repeated.decision(current: .street, status: .closed) == .unchanged(reason: "the ticket is already at street"))
    }

    /// The chain a ticket of 青石街道 climbs, with who takes it at each step.
    @Test func theChainOfOneTicketAndWhoTakesEachStep() {
        let data = RoutingTown.reference
        var level: EscalationLevel?
        var taken: [String] = []
        for escalation in [Escalation.groupPetition, .acknowledgeOverdue, .resolveOverdue, .repeated, .resolveOverdueAgain] {
            guard case .escalate(let made) = escalation.decision(current: level, status: .inProgress) else { continue }
            level = made.level
            taken.append(
                "\(made.level.rawValue) \(EscalationTarget.department(for: made.level, area: "G-QS-LX-01", in: data)?.code ?? "-")")
        }
        #expect(taken == ["street QS-ZHZX", "district XS-ZHZX", "city YC-ZHZX"])
    }

    /// Re-routing after the lead's return chooses a department that already holds a live co
    /// assignment: the co assignment is cancelled, the department works as the lead.
    @Test func aCoThatBecomesTheLeadGivesUpItsCoAssignment() {
        var ticket = TicketSnapshot(status: .accepted)
        let first: [TicketAssignment] = [
            TicketAssignment(assignmentId: "L1", department: "CG-QS", role: .lead),
            TicketAssignment(assignmentId: "C1", department: "HB-QS", role: .co),
            TicketAssignment(assignmentId: "C2", department: "ZJ-QS", role: .co),
        ]
        for input in [
            TicketInput.dispatched(round: first), .assignmentAcknowledged(assignmentId: "C1"), .assignmentReturned(assignmentId: "L1"),
        ] {
            ticket = TicketMachine.reduce(ticket, input, now: Date(timeIntervalSince1970: 0)).snapshot ?? ticket
        }
        let round = [TicketAssignment(assignmentId: "L2", department: "HB-QS", role: .lead)]
        let decision = TicketMachine.reduce(ticket, .dispatched(round: round), now: Date(timeIntervalSince1970: 0))
        #expect(decision.effects == [.cancelAssignments(["C1"], reason: .becameLead)])
        let next = decision.snapshot
        #expect(next?.leadDepartment == "HB-QS")
        #expect(
            next?.assignments.map { "\($0.assignmentId) \($0.state.rawValue)" } == [
                "L1 returned", "C1 cancelled", "C2 dispatched", "L2 dispatched",
            ])
        #expect(next?.status == .dispatched, "the cancelled co's acknowledgement no longer counts")
        // A new lead that held no co assignment cancels nothing.
        let elsewhere = [TicketAssignment(assignmentId: "L3", department: "JD-QS", role: .lead)]
        #expect(TicketMachine.reduce(ticket, .dispatched(round: elsewhere), now: Date(timeIntervalSince1970: 0)).effects == [])
    }
}
