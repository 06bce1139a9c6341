import Foundation
import WhistleDomain
import WhistleMessages

/// The dispatch flow on locked tickets: routing, dispatch rounds, the ticket state machine's
/// effects and escalation. Each step changes the records in memory and queues its events and
/// timeline entries; `DispatchWork.flush` writes them.
extension DispatchWork {
    /// Routes a newly accepted ticket: classification (given, else keywords, else triage), the
    /// routing rules or the whistle, then the first dispatch round; a group petition escalates.
    func route(_ ticketNo: String) throws {
        guard var ticket = tickets[ticketNo], ticket.status == .accepted, ticket.dispatchRound == 0 else { return }
        if ticket.category == nil, ticket.whistle == nil {
            // Intake classified with the reference data of its time; reference data seeded since may know more.
            if let code = reference.classifier.classify(title: ticket.title, content: ticket.content).categoryCode {
                ticket.category = code
                ticket.categoryMethod = "keywords"
                ticket.isDirty = true
            }
        }
        tickets[ticketNo] = ticket
        let request = ticket.routingRequest
        switch router.route(request) {
        case .assign(let lead, let co, let rule):
            try dispatch(ticketNo, lead: lead, co: co, rule: rule, actor: "dispatcher")
        case .triage(let reason):
            try apply(.triageRouted(.noRule), to: ticketNo, actor: "dispatcher", detail: reason)
        }
        if let escalation = RepeatEscalation.groupPetition(request) {
            try escalate(ticketNo, escalation, actor: "dispatcher")
        }
    }

    /// A new dispatch round: one assignment for the lead and one per co-department, all with the
    /// deadlines of the ticket's policy counted from now, their clocks, the assignment messages,
    /// `ticket.dispatched`, and the round fed to the ticket's state machine.
    func dispatch(_ ticketNo: String, lead: String, co: [String], rule: String, actor: String) throws {
        guard var ticket = tickets[ticketNo] else { return }
        let policy = reference.policies.policy(channel: ticket.channel, urgency: ticket.urgency)
        let clock = AssignmentClock(start: now, policy: policy, calendar: reference.calendar)
        ticket.dispatchRound += 1
        ticket.isDirty = true
        var round: [AssignmentRecord] = []
        for (department, role) in [(lead, AssignmentRole.lead)] + co.map({ ($0, AssignmentRole.co) }) {
            var assignment = AssignmentRecord(
                id: UUID().uuidString.lowercased(), ticketNo: ticketNo, department: department, role: role, state: .dispatched,
                round: ticket.dispatchRound, reopenCount: ticket.reopenCount, ackDue: clock.ackDue, resolveDue: clock.resolveDue,
                dispatchedAt: now)
            // Its clocks live on its row (warnings, deadlines, stages): no timer rows.
            assignment.clockMarks = AssignmentClockMarks(clock: clock)
            assignment.isNew = true
            round.append(assignment)
            outgoing.append((ticketNo, assignment.id))
        }
        tickets[ticketNo] = ticket
        clockStarted(at: clock.ackWarningAt)
        // The state machine takes the round as new work, then the records hold it.
        let input = round.map { TicketAssignment(assignmentId: $0.id, department: $0.department, role: $0.role, state: .dispatched) }
        try apply(.dispatched(round: input), to: ticketNo, actor: actor)
        tickets[ticketNo]?.assignments += round
        let listed = round.map {
            DispatchedAssignment(
                assignmentId: $0.id, department: $0.department, role: $0.role.rawValue, ackDue: $0.ackDue, resolveDue: $0.resolveDue)
        }
        let data = TicketDispatched(round: ticket.dispatchRound, assignments: listed, category: ticket.category, rule: rule)
        try record(.ticketDispatched, ticketNo: ticketNo, data, actor: actor)
    }

    /// Feeds `input` to the ticket's state machine and carries out the effects in order.
    /// `detail` says why, for a triage.
    func apply(_ input: TicketInput, to ticketNo: String, actor: String, detail: String? = nil) throws {
        guard let ticket = tickets[ticketNo] else { return }
        let outer = judgment
        defer { judgment = outer }
        if case .feedback(let satisfaction, let resolved) = input {
            // The departments whose completed work the answer judges (their 满意率 and 解决率);
            // a reopening goes back to exactly these.
            let departments = ticket.snapshot.judgedDepartments
            judgment = FeedbackJudgment(satisfaction: satisfaction.rawValue, resolved: resolved, departments: departments)
        }
        let decision = TicketMachine.reduce(ticket.snapshot, input, now: now)
        guard case .changed(let next, let effects) = decision else {
            if case .unchanged(let reason) = decision {
                logger.debug("ticket unchanged", metadata: ["ticket.no": "\(ticketNo)", "reason": "\(reason)"])
            }
            return
        }
        tickets[ticketNo]?.adopt(next)
        for effect in effects {
            try perform(effect, ticketNo: ticketNo, actor: actor, detail: detail)
        }
    }

    private func perform(_ effect: TicketEffect, ticketNo: String, actor: String, detail: String?) throws {
        guard let ticket = tickets[ticketNo] else { return }
        switch effect {
        case .emit(let type, let data):
            try emitTicketEvent(type, data, ticket: ticket, actor: actor, detail: detail)
        case .dispatchAgain(let lead, let co):
            let rule = "reopen \(ticket.reopenCount): every department whose work the feedback judged"
            try dispatch(ticketNo, lead: lead, co: co, rule: rule, actor: actor)
        case .reroute(let excluding):
            switch router.route(ticket.routingRequest, excluding: Set(excluding)) {
            case .assign(let lead, _, let rule):
                // The live co-departments keep their work: the round only needs a new lead (a co
                // that becomes the lead gives up its co assignment: `TicketMachine`).
                try dispatch(ticketNo, lead: lead, co: [], rule: "re-routed after a return; \(rule)", actor: actor)
            case .triage(let reason):
                try apply(.triageRouted(.noDepartmentLeft), to: ticketNo, actor: actor, detail: reason)
            }
        case .toTriage:
            break  // the ticket.triage event of the same decision tells the command center
        case .escalate(let escalation):
            try escalate(ticketNo, escalation, actor: actor)
        case .close:
            tickets[ticketNo]?.closedAt = now
            timers.cancel(ticketNo: ticketNo)
        case .startFeedbackWindow:
            let due = ticket.feedbackDue ?? TimerPlan.feedbackTimer(resolvedAt: now).dueAt
            timers.plan(ticketNo: ticketNo, assignmentId: nil, kind: .feedbackWindow, dueAt: due)
            clockStarted(at: due)
        case .cancelAssignments(let ids, let reason):
            for id in ids {
                guard let index = tickets[ticketNo]?.assignmentIndex(id), var assignment = tickets[ticketNo]?.assignments[index] else {
                    continue
                }
                // Its clocks stop with its state; only a city escalation may be a row.
                stopCityTimer(of: assignment)
                assignment.isDirty = true
                assignment.account.cancelReason = reason.rawValue
                assignment.account.isDirty = true
                tickets[ticketNo]?.assignments[index] = assignment
                let data = AssignmentCancelled(
                    assignmentId: id, department: assignment.department, role: assignment.role.rawValue, reason: reason.rawValue)
                try record(.assignmentCancelled, ticketNo: ticketNo, data, actor: actor)
            }
        }
    }

    private func emitTicketEvent(_ type: EventType, _ data: TicketEventData, ticket: TicketRecord, actor: String, detail: String?) throws {
        let ticketNo = ticket.ticketNo
        switch data {
        case .none:
            try record(type, ticketNo: ticketNo, TicketResolved(feedbackDue: ticket.feedbackDue), actor: actor)
        case .reopened(let count):
            try record(
                type, ticketNo: ticketNo, TicketReopened(reopenCount: count, leadDepartment: ticket.leadDepartment, feedback: judgment),
                actor: actor)
        case .closed(let outcome):
            try record(type, ticketNo: ticketNo, TicketClosed(outcome: outcome.rawValue, feedback: judgment), actor: actor)
        case .triage(let reason):
            let center = EscalationTarget.triageHolder(area: ticket.area, in: reference.data)?.code
            try record(
                type, ticketNo: ticketNo, TicketTriaged(reason: reason.rawValue, detail: detail, commandCenter: center), actor: actor)
        }
    }

    /// Makes `escalation` when `Escalation.decision(current:status:)` says it applies: raises
    /// the ticket's level, records who now supervises it and emits `ticket.escalated`, with
    /// `held_by` (the command center holding the triage) when no lead was dispatched yet.
    func escalate(_ ticketNo: String, _ escalation: Escalation, actor: String) throws {
        guard var ticket = tickets[ticketNo] else { return }
        guard case .escalate = escalation.decision(current: ticket.escalationLevel, status: ticket.status) else { return }
        let (level, reason) = (escalation.level, escalation.reason)
        ticket.escalationLevel = level
        ticket.isDirty = true
        tickets[ticketNo] = ticket
        let department = EscalationTarget.department(for: escalation, area: ticket.area, in: reference.data)?.code
        let heldBy = EscalationTarget.heldBy(leadDepartment: ticket.leadDepartment, area: ticket.area, in: reference.data)
        let payload = TicketEscalated(
            level: level.rawValue, reason: reason.rawValue, department: department, leadDepartment: ticket.leadDepartment,
            heldBy: heldBy)
        try record(.ticketEscalated, ticketNo: ticketNo, payload, actor: actor)
    }
}
