import Foundation
import Testing
import WhistleDomain
import WhistleMessages

private let t0 = Date(timeIntervalSince1970: 1_763_700_000)
private let hour: TimeInterval = 3_600
private let day: TimeInterval = 86_400

// MARK: - Assignments

/// One row of the CONTRACT §4 table: what `action` does from `state`.
struct ReplyTransition: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable, Hashable {
        case accepted(AssignmentState, EventType)
        case rejected
        /// Refused for the state and, besides, for what a contest needs (no whistle on the ticket).
        case rejectedTwice
        /// A ruling by the assignment's own department: only the whistler's ruler may rule.
        case notTheRuler
    }

    let state: AssignmentState
    let action: Reply.Action
    let expected: Expected

    var testDescription: String { "\(state.rawValue) × \(action.rawValue)" }
}

/// Written out, not derived from `AssignmentState.allowedActions`: the live states row by row,
/// the final states refusing every action.
private let replyTable: [ReplyTransition] =
    [
        .init(state: .dispatched, action: .acknowledge, expected: .accepted(.acknowledged, .assignmentAcknowledged)),
        .init(state: .dispatched, action: .progress, expected: .rejected),
        .init(state: .dispatched, action: .complete, expected: .rejected),
        .init(state: .dispatched, action: .return, expected: .accepted(.returned, .assignmentReturned)),
        .init(state: .dispatched, action: .extend, expected: .rejected),
        .init(state: .acknowledged, action: .acknowledge, expected: .rejected),
        .init(state: .acknowledged, action: .progress, expected: .accepted(.acknowledged, .assignmentProgress)),
        .init(state: .acknowledged, action: .complete, expected: .accepted(.completed, .assignmentCompleted)),
        .init(state: .acknowledged, action: .return, expected: .accepted(.returned, .assignmentReturned)),
        .init(state: .acknowledged, action: .extend, expected: .accepted(.acknowledged, .assignmentExtended)),
        // A lead of a ticket without a whistle: no contest, and no department rules (ContestRulesTests).
        .init(state: .dispatched, action: .contest, expected: .rejected),
        .init(state: .acknowledged, action: .contest, expected: .rejected),
        .init(state: .dispatched, action: .rule, expected: .notTheRuler),
        .init(state: .acknowledged, action: .rule, expected: .notTheRuler),
    ]
    + [AssignmentState.completed, .returned, .cancelled].flatMap { state in
        Reply.Action.allCases.map { action in
            let expected: ReplyTransition.Expected =
                switch action {
                case .rule: .notTheRuler
                case .contest: .rejectedTwice
                default: .rejected
                }
            return ReplyTransition(state: state, action: action, expected: expected)
        }
    }

private func assignment(_ state: AssignmentState, extended: Bool = false) -> AssignmentSnapshot {
    AssignmentSnapshot(
        assignmentId: "a-1", ticketNo: "W20251121-000001", department: "CG-QS", role: .lead, state: state,
        ackDue: t0 + 2 * hour, resolveDue: t0 + 5 * day, extended: extended)
}

/// A reply with every text its action needs.
private func completeReply(_ action: Reply.Action) -> Reply {
    Reply(
        assignmentId: "a-1", action: action, note: "需延期处理", result: "已清理", reasonCode: .notOurDuty, contestReason: .notNeeded,
        ruling: .empty)
}

@Suite("Assignment replies (CONTRACT §4)")
struct AssignmentMachineTests {
    @Test("the state × action table", arguments: replyTable)
    func table(_ row: ReplyTransition) {
        let decision = AssignmentMachine.apply(
            reply: completeReply(row.action), to: assignment(row.state), replyingDepartment: "CG-QS", isPetition: true, now: t0)
        switch row.expected {
        case .accepted(let state, let event):
            guard case .accepted(let reached, _) = decision else {
                Issue.record("\(row.action) on \(row.state) must be accepted")
                return
            }
            #expect(reached == state)
            #expect(decision.event == event)
            #expect(decision.errors.isEmpty)
        case .rejected:
            #expect(decision.errors.map(\.code) == [.notAllowed])
            #expect(decision.errors.map(\.field) == ["action"])
        case .rejectedTwice:
            #expect(decision.errors.map(\.code) == [.notAllowed, .notAllowed])
            #expect(decision.errors.map(\.field) == ["action", "action"])
        case .notTheRuler:
            #expect(decision.errors.map(\.code) == [.notAllowed])
            #expect(decision.errors.map(\.field) == ["assignment_id"])
        }
    }

    @Test("the table covers every state and action once")
    func tableIsComplete() {
        #expect(replyTable.count == AssignmentState.allCases.count * Reply.Action.allCases.count)
        #expect(Set(replyTable.map { "\($0.state)/\($0.action)" }).count == replyTable.count)
    }

    @Test("a reply about another department's assignment is not_allowed on assignment_id, and says nothing of its state")
    func otherDepartment() {
        for state in AssignmentState.allCases {
            let decision = AssignmentMachine.apply(
                reply: completeReply(.acknowledge), to: assignment(state), replyingDepartment: "SW-QS", isPetition: false, now: t0)
            #expect(decision.errors.map(\.code) == [.notAllowed], "state \(state)")
            #expect(decision.errors.map(\.field) == ["assignment_id"], "state \(state)")
        }
    }

    @Test("extend is refused on a non-petition, and a second time on a petition")
    func extendRules() {
        let notPetition = AssignmentMachine.apply(
            reply: completeReply(.extend), to: assignment(.acknowledged), replyingDepartment: "CG-QS", isPetition: false, now: t0)
        #expect(notPetition.errors == [FieldError(field: "action", code: .notAllowed, message: "extend is allowed only on petitions")])
        let twice = AssignmentMachine.apply(
            reply: completeReply(.extend), to: assignment(.acknowledged, extended: true), replyingDepartment: "CG-QS", isPetition: true,
            now: t0)
        #expect(twice.errors.map(\.code) == [.notAllowed] && twice.errors.map(\.field) == ["action"])
        let first = AssignmentMachine.apply(
            reply: completeReply(.extend), to: assignment(.acknowledged), replyingDepartment: "CG-QS", isPetition: true, now: t0)
        #expect(first.effects == [.emit(.assignmentExtended), .extendResolveDue])
    }

    @Test("missing or blank result, reason_code and note are required, next to every other problem")
    func missingTexts() {
        func errors(_ reply: Reply, _ state: AssignmentState) -> [String] {
            AssignmentMachine.apply(reply: reply, to: assignment(state), replyingDepartment: "CG-QS", isPetition: true, now: t0)
                .errors.map { "\($0.field ?? "-"):\($0.code)" }
        }
        #expect(errors(Reply(assignmentId: "a-1", action: .complete), .acknowledged) == ["result:required"])
        #expect(errors(Reply(assignmentId: "a-1", action: .complete, result: "  \n"), .acknowledged) == ["result:required"])
        #expect(errors(Reply(assignmentId: "a-1", action: .return), .dispatched) == ["reason_code:required"])
        #expect(errors(Reply(assignmentId: "a-1", action: .extend, note: ""), .acknowledged) == ["note:required"])
        #expect(errors(Reply(assignmentId: "a-1", action: .complete), .dispatched) == ["action:not_allowed", "result:required"])
        #expect(errors(Reply(assignmentId: "a-1", action: .progress), .acknowledged).isEmpty)
    }

    @Test("acknowledgedOnTime compares the system's time with ack_due, never the department's own `at`")
    func acknowledgedOnTime() {
        func onTime(now: Date, at: Date? = nil) -> Bool? {
            AssignmentMachine.apply(
                reply: Reply(assignmentId: "a-1", action: .acknowledge, at: at), to: assignment(.dispatched), replyingDepartment: "CG-QS",
                isPetition: false, now: now
            ).acknowledgedOnTime
        }
        #expect(onTime(now: t0 + hour) == true)
        #expect(onTime(now: t0 + 2 * hour) == true)
        #expect(onTime(now: t0 + 2 * hour + 1) == false)
        #expect(onTime(now: t0 + 3 * hour, at: t0) == false)
    }

    @Test("accepted replies carry the ticket's input and the KPI facts")
    func effects() {
        let ack = AssignmentMachine.apply(
            reply: completeReply(.acknowledge), to: assignment(.dispatched), replyingDepartment: "CG-QS", isPetition: false, now: t0)
        #expect(
            ack
                == .accepted(
                    .acknowledged,
                    [.emit(.assignmentAcknowledged), .acknowledged(onTime: true), .ticket(.assignmentAcknowledged(assignmentId: "a-1"))]))
        let late = AssignmentMachine.apply(
            reply: completeReply(.complete), to: assignment(.acknowledged), replyingDepartment: "CG-QS", isPetition: false,
            now: t0 + 6 * day)
        #expect(late.effects.contains(.completed(result: "已清理", onTime: false)))
        #expect(late.effects.contains(.ticket(.assignmentCompleted(assignmentId: "a-1"))))
        let back = AssignmentMachine.apply(
            reply: completeReply(.return), to: assignment(.dispatched), replyingDepartment: "CG-QS", isPetition: false, now: t0)
        #expect(
            back.effects == [.emit(.assignmentReturned), .returned(reason: .notOurDuty), .ticket(.assignmentReturned(assignmentId: "a-1"))])
        let note = AssignmentMachine.apply(
            reply: completeReply(.progress), to: assignment(.acknowledged), replyingDepartment: "CG-QS", isPetition: false, now: t0)
        #expect(note.effects == [.emit(.assignmentProgress)] && note.acknowledgedOnTime == nil)
    }
}

// MARK: - Tickets

private let lead = TicketAssignment(assignmentId: "L1", department: "CG-QS", role: .lead)
private let co = TicketAssignment(assignmentId: "C1", department: "SW-QS", role: .co)
private let co2 = TicketAssignment(assignmentId: "C2", department: "HB-QS", role: .co)

/// Feeds inputs one by one, failing on an input that changes nothing; returns the last input's effects.
@discardableResult
private func run(
    _ ticket: inout TicketSnapshot, _ inputs: [TicketInput], now: Date = t0, sourceLocation: SourceLocation = #_sourceLocation
) -> [TicketEffect] {
    feedTicket(&ticket, inputs, now: now, sourceLocation: sourceLocation)
}

/// A ticket dispatched to the lead and co, both acknowledged.
private func working() -> TicketSnapshot {
    var ticket = TicketSnapshot(status: .accepted)
    run(
        &ticket,
        [.dispatched(round: [lead, co]), .assignmentAcknowledged(assignmentId: "L1"), .assignmentAcknowledged(assignmentId: "C1")])
    return ticket
}

/// A resolved ticket, resolved at `t0`.
private func resolved() -> TicketSnapshot {
    var ticket = working()
    run(&ticket, [.assignmentCompleted(assignmentId: "L1"), .assignmentCompleted(assignmentId: "C1")])
    return ticket
}

@Suite("Ticket life cycle (DESIGN: Resolution, Returned, Escalation)")
struct TicketMachineTests {
    @Test("dispatched, then in_progress at the first acknowledgement")
    func acknowledge() {
        var ticket = TicketSnapshot(status: .accepted)
        #expect(run(&ticket, [.dispatched(round: [lead, co])]).isEmpty)
        #expect(ticket.status == .dispatched && ticket.leadDepartment == "CG-QS")
        run(&ticket, [.assignmentAcknowledged(assignmentId: "C1")])
        #expect(ticket.status == .inProgress)
        #expect(TicketMachine.reduce(ticket, .assignmentAcknowledged(assignmentId: "C1"), now: t0).snapshot == nil)
        #expect(TicketMachine.reduce(ticket, .assignmentAcknowledged(assignmentId: "nope"), now: t0).snapshot == nil)
    }

    @Test("resolved only when every live assignment is completed; the 7-day window starts")
    func resolve() {
        var ticket = working()
        #expect(run(&ticket, [.assignmentCompleted(assignmentId: "L1")]).isEmpty)
        #expect(ticket.status == .inProgress)
        let effects = run(&ticket, [.assignmentCompleted(assignmentId: "C1")], now: t0 + day)
        #expect(ticket.status == .resolved)
        #expect(effects == [.emit(.ticketResolved, .none), .startFeedbackWindow(days: 7)])
        #expect(ticket.resolvedAt == t0 + day && ticket.feedbackDue == t0 + 8 * day)
        #expect(ticket.feedbackDue == TimerPlan.feedbackTimer(resolvedAt: t0 + day).dueAt)
    }

    @Test(
        "satisfied or basically satisfied, and resolved, closes satisfied",
        arguments: [Feedback.Satisfaction.satisfied, .basicallySatisfied])
    func satisfied(_ satisfaction: Feedback.Satisfaction) {
        var ticket = resolved()
        let effects = run(&ticket, [.feedback(satisfaction, resolved: true)])
        #expect(ticket.status == .closed && ticket.outcome == .satisfied)
        #expect(effects == [.close(.satisfied), .emit(.ticketClosed, .closed(.satisfied))])
    }

    @Test(
        "any other feedback reopens to the same lead and to every co whose completed work it judged",
        arguments: [(Feedback.Satisfaction.unsatisfied, true), (.unsatisfied, false), (.satisfied, false), (.basicallySatisfied, false)])
    func reopen(_ satisfaction: Feedback.Satisfaction, _ resolvedFlag: Bool) {
        var ticket = resolved()
        let effects = run(&ticket, [.feedback(satisfaction, resolved: resolvedFlag)])
        #expect(ticket.status == .dispatched && ticket.reopenCount == 1)
        #expect(effects == [.emit(.ticketReopened, .reopened(reopenCount: 1)), .dispatchAgain(lead: "CG-QS", co: ["SW-QS"])])
        #expect(ticket.assignments.isEmpty && ticket.resolvedAt == nil && ticket.feedbackDue == nil)
    }

    @Test("reopened twice, then the third failure closes unsatisfied_final and escalates")
    func threeFailures() {
        var ticket = resolved()
        for round in 1...2 {
            let again = TicketAssignment(assignmentId: "L1-r\(round)", department: "CG-QS", role: .lead)
            let reopened = run(&ticket, [.feedback(.unsatisfied, resolved: false)])
            #expect(reopened.first == .emit(.ticketReopened, .reopened(reopenCount: round)))
            #expect(ticket.reopenCount == round)
            run(&ticket, [.dispatched(round: [again])])
            #expect(ticket.status == .dispatched)
            run(&ticket, [.assignmentAcknowledged(assignmentId: again.assignmentId)])
            #expect(ticket.status == .inProgress)
            // Only the new lead assignment counts in the new cycle.
            run(&ticket, [.assignmentCompleted(assignmentId: again.assignmentId)])
            #expect(ticket.status == .resolved)
        }
        let effects = run(&ticket, [.feedback(.unsatisfied, resolved: true)])
        #expect(ticket.status == .closed && ticket.outcome == .unsatisfiedFinal && ticket.reopenCount == 2)
        #expect(effects == [.close(.unsatisfiedFinal), .emit(.ticketClosed, .closed(.unsatisfiedFinal)), .escalate(.repeated)])
    }

    @Test("no feedback within the window closes no_feedback; an early or stale timer changes nothing")
    func noFeedback() {
        var ticket = resolved()
        #expect(TicketMachine.reduce(ticket, .feedbackWindowElapsed, now: t0 + 7 * day - 1).snapshot == nil)
        let effects = run(&ticket, [.feedbackWindowElapsed], now: t0 + 7 * day)
        #expect(ticket.status == .closed && ticket.outcome == .noFeedback)
        #expect(effects == [.close(.noFeedback), .emit(.ticketClosed, .closed(.noFeedback))])
        #expect(TicketMachine.reduce(ticket, .feedback(.satisfied, resolved: true), now: t0 + 8 * day).snapshot == nil)
        #expect(TicketMachine.reduce(working(), .feedbackWindowElapsed, now: t0 + 30 * day).snapshot == nil)
    }

    @Test("feedback before resolution changes nothing")
    func earlyFeedback() {
        #expect(
            TicketMachine.reduce(working(), .feedback(.unsatisfied, resolved: false), now: t0)
                == .unchanged(reason: "feedback counts only while the ticket is resolved; it is in_progress"))
    }

    @Test("a returned co is dropped: no re-routing, no return counted, the ticket resolves when the rest is done")
    func coReturns() {
        var ticket = working()
        run(&ticket, [.assignmentCompleted(assignmentId: "L1")])
        let effects = run(&ticket, [.assignmentReturned(assignmentId: "C1")], now: t0 + hour)
        #expect(ticket.returnCount == 0 && ticket.returnedDepartments == ["SW-QS"])
        #expect(ticket.status == .resolved)
        #expect(effects == [.emit(.ticketResolved, .none), .startFeedbackWindow(days: 7)])
        #expect(!effects.contains { if case .reroute = $0 { true } else { false } })
    }

    @Test("a returned lead re-routes the ticket, excluding every department that returned it")
    func leadReturns() {
        var ticket = TicketSnapshot(status: .accepted)
        run(
            &ticket,
            [.dispatched(round: [lead, co, co2]), .assignmentReturned(assignmentId: "C2"), .assignmentAcknowledged(assignmentId: "C1")])
        let effects = run(&ticket, [.assignmentReturned(assignmentId: "L1")])
        #expect(effects == [.reroute(excluding: ["HB-QS", "CG-QS"])])
        #expect(ticket.returnCount == 1 && ticket.status == .inProgress)
        // The co finishing alone does not resolve a ticket without a lead.
        run(&ticket, [.assignmentCompleted(assignmentId: "C1")])
        #expect(ticket.status == .inProgress && !ticket.isResolvable)
        let newLead = TicketAssignment(assignmentId: "L2", department: "ZJ-QS", role: .lead)
        run(&ticket, [.dispatched(round: [newLead])])
        #expect(ticket.leadDepartment == "ZJ-QS" && ticket.status == .inProgress)
        run(&ticket, [.assignmentAcknowledged(assignmentId: "L2"), .assignmentCompleted(assignmentId: "L2")])
        #expect(ticket.status == .resolved)
    }

    @Test("the lead's second return sends the ticket to triage, cancels open work and escalates `returned`")
    func secondReturn() {
        var ticket = TicketSnapshot(status: .accepted)
        run(
            &ticket,
            [.dispatched(round: [lead, co, co2]), .assignmentAcknowledged(assignmentId: "C1"), .assignmentCompleted(assignmentId: "C1")])
        run(&ticket, [.assignmentReturned(assignmentId: "L1")])
        let newLead = TicketAssignment(assignmentId: "L2", department: "ZJ-QS", role: .lead)
        run(&ticket, [.dispatched(round: [newLead])])
        let effects = run(&ticket, [.assignmentReturned(assignmentId: "L2")])
        #expect(ticket.status == .triage && ticket.returnCount == 2)
        #expect(
            effects == [
                .cancelAssignments(["C2"], reason: .triage), .toTriage(.returned), .emit(.ticketTriage, .triage(.returned)),
                .escalate(.returned),
            ])
        #expect(ticket.assignments.map(\.state) == [.returned, .completed, .cancelled, .returned])
        // The command center routes it again.
        run(&ticket, [.dispatched(round: [TicketAssignment(assignmentId: "L3", department: "JD-QS", role: .lead)])])
        #expect(ticket.status == .inProgress && ticket.leadDepartment == "JD-QS")
    }

    @Test("routing that finds no department sends the ticket to triage without escalating")
    func triageRouted() {
        var ticket = TicketSnapshot(status: .accepted)
        let effects = run(&ticket, [.triageRouted(.noRule)])
        #expect(ticket.status == .triage)
        #expect(effects == [.toTriage(.noRule), .emit(.ticketTriage, .triage(.noRule))])
        #expect(TicketMachine.reduce(ticket, .triageRouted(.noRule), now: t0).snapshot == nil)
        run(&ticket, [.dispatched(round: [lead])])
        #expect(ticket.status == .dispatched)
        #expect(TicketMachine.reduce(ticket, .triageRouted(.noRule), now: t0).snapshot == nil, "a live lead is routed")
    }

    @Test("re-routing with no department left goes to triage and cancels the open co-departments")
    func noDepartmentLeft() {
        var ticket = TicketSnapshot(status: .accepted)
        run(&ticket, [.dispatched(round: [lead, co]), .assignmentReturned(assignmentId: "L1")])
        let effects = run(&ticket, [.triageRouted(.noDepartmentLeft)])
        #expect(ticket.status == .triage && ticket.returnCount == 1)
        #expect(
            effects == [
                .cancelAssignments(["C1"], reason: .triage), .toTriage(.noDepartmentLeft), .emit(.ticketTriage, .triage(.noDepartmentLeft)),
            ])
    }

    @Test("a closed or rejected ticket takes no input", arguments: [TicketStatus.closed, .rejected])
    func final(_ status: TicketStatus) {
        let ticket = TicketSnapshot(status: status, leadDepartment: "CG-QS", assignments: [lead])
        for input in [
            TicketInput.dispatched(round: [co]), .assignmentAcknowledged(assignmentId: "L1"), .feedback(.satisfied, resolved: true),
            .feedbackWindowElapsed, .triageRouted(.noRule),
        ] {
            #expect(TicketMachine.reduce(ticket, input, now: t0).snapshot == nil, "\(input)")
        }
    }

    @Test("a reply accepted by AssignmentMachine drives the ticket through its `.ticket` effect")
    func endToEnd() {
        var ticket = TicketSnapshot(status: .accepted)
        run(&ticket, [.dispatched(round: [lead])])
        var state = AssignmentState.dispatched
        for action in [Reply.Action.acknowledge, .progress, .complete] {
            let snapshot = AssignmentSnapshot(
                assignmentId: "L1", ticketNo: "W20251121-000001", department: "CG-QS", role: .lead, state: state, ackDue: t0 + hour,
                resolveDue: t0 + day)
            let decision = AssignmentMachine.apply(
                reply: Reply(assignmentId: "L1", action: action, result: "已修复"), to: snapshot, replyingDepartment: "CG-QS",
                isPetition: false, now: t0)
            if case .accepted(let reached, _) = decision { state = reached }
            for case .ticket(let input) in decision.effects { run(&ticket, [input]) }
        }
        #expect(state == .completed && ticket.status == .resolved)
    }
}

// MARK: - Masking

@Suite("Masking personal data (CONTRACT §3)")
struct MaskingTests {
    @Test(
        "phone numbers",
        arguments: [
            ("13812341234", "138****1234"), ("138-1234-1234", "138****1234"), ("+86 138 1234 1234", "138****1234"),
            ("+8613812341234", "138****1234"), ("008613812341234", "138****1234"), ("010-62345678", "010****5678"),
            ("62345678", "****5678"), ("0106234567", "******4567"), ("1234567", "*****67"), ("12345", "***45"), ("110", "***"),
            ("", ""), ("+-", ""), ("+1 415 555 0100", "141****0100"), ("123456789012345", "123********2345"), ("+86", "**"),
        ])
    func phone(_ input: String, _ masked: String) {
        #expect(Masking.maskPhone(input) == masked)
    }

    @Test("a masked phone never shows more than 7 digits, and shows every digit's place")
    func phoneNeverRevealsMuch() {
        for length in 0...20 {
            let digits = String((0..<length).map { Character(String($0 % 10)) })
            let masked = Masking.maskPhone(digits)
            #expect(masked.count == length, "\(length) digits")
            #expect(masked.filter(\.isNumber).count <= min(7, max(0, length - 3)), "\(length) digits: \(masked)")
        }
    }

    @Test(
        "names keep their first character",
        arguments: [("王小明", "王**"), ("欧阳娜娜", "欧***"), ("王", "王"), ("", ""), ("  李四 ", "李*"), ("John Smith", "J*********")])
    func name(_ input: String, _ masked: String) {
        #expect(Masking.maskName(input) == masked)
    }

    private let citizen = Reporter(name: "王小明", phone: "13812341234", id: "C-889")

    @Test("the lead of a non-confidential demand sees the reporter whole")
    func leadView() {
        #expect(
            ReporterView.for(role: .lead, confidential: false, reporter: citizen)
                == Reporter(name: "王小明", phone: "13812341234", id: "C-889"))
    }

    @Test("a co-department sees a masked name and phone, and no id")
    func coView() throws {
        let view = try #require(ReporterView.for(role: .co, confidential: false, reporter: citizen))
        #expect(view == Reporter(name: "王**", phone: "138****1234"))
        #expect(String(decoding: try WhistleJSON.encode(view), as: UTF8.self) == #"{"anonymous":false,"name":"王**","phone":"138****1234"}"#)
    }

    @Test("a confidential demand carries no reporter, whoever the role", arguments: AssignmentRole.allCases)
    func confidential(_ role: AssignmentRole) {
        #expect(ReporterView.for(role: role, confidential: true, reporter: citizen) == nil)
        #expect(ReporterView.for(role: role, confidential: false, reporter: nil) == nil)
    }

    @Test("an anonymous reporter shows only the flag, to everyone", arguments: AssignmentRole.allCases)
    func anonymous(_ role: AssignmentRole) {
        let reporter = Reporter(name: "王小明", phone: "13812341234", anonymous: true, id: "C-889")
        #expect(ReporterView.for(role: role, confidential: false, reporter: reporter) == Reporter(anonymous: true))
    }

    @Test("blank or digitless fields are left out")
    func blanks() {
        let reporter = Reporter(name: "  ", phone: "+-")
        #expect(ReporterView.for(role: .co, confidential: false, reporter: reporter) == Reporter())
        #expect(ReporterView.for(role: .lead, confidential: false, reporter: reporter) == Reporter())
    }
}
