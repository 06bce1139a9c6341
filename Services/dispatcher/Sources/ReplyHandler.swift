import Foundation
import Logging
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Dispatcher's work on `whistle.replies`: departments' replies about their assignments
/// (CONTRACT §4) and their contests of a whistle, command centers' rulings on those contests
/// (CONTRACT §10), and command centers' routings of tickets in triage (`triage.<code>`). A reply
/// that is invalid, about an unknown assignment or another department's, not the ruler's ruling,
/// or not allowed in the assignment's state changes nothing and yields `reply.rejected` with
/// every error.
struct ReplyHandler: BatchHandler {
    let context: DispatchContext

    func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
        let work = try context.work(on: connection)
        let codes = work.reference.codes
        var replies: [(message: InboundMessage, reply: Reply)] = []
        var routes: [(message: InboundMessage, center: String, route: TriageRoute)] = []
        for message in messages {
            // The publisher must be the department it speaks for (or a trusted operator).
            let speaker = TriageRoute.commandCenter(inRoutingKey: message.routingKey) ?? message.routingKey
            // …and name the reply with a usable message_id, its idempotency key.
            let problems = [context.senders.problem(userId: message.delivery.userId, department: speaker), message.messageIdError]
                .compactMap { $0 }
            if !problems.isEmpty {
                try reject(
                    message, department: speaker, assignmentId: ReplyValidator.assignmentId(in: message.body), ticketNo: nil, problems, work
                )
                continue
            }
            if let center = TriageRoute.commandCenter(inRoutingKey: message.routingKey) {
                switch TriageRouteValidator(reference: codes).validate(body: message.body) {
                case .valid(let route): routes.append((message, center, route))
                case .invalid(let errors): try reject(message, department: center, assignmentId: nil, ticketNo: nil, errors, work)
                }
                continue
            }
            switch ReplyValidator().validate(body: message.body) {
            case .valid(var reply):
                reply.assignmentId = reply.assignmentId.lowercased()
                replies.append((message, reply))
            case .invalid(let errors):
                let id = ReplyValidator.assignmentId(in: message.body)
                try reject(message, department: message.routingKey, assignmentId: id, ticketNo: nil, errors, work)
            }
        }
        let ticketOf = try TicketLoader.ticketsOfAssignments(connection, replies.map(\.reply.assignmentId))
        try work.load(Array(Set(ticketOf.values)) + routes.map(\.route.ticketNo))
        for (message, reply) in replies {
            try handle(reply, message: message, ticketNo: ticketOf[reply.assignmentId], work)
        }
        for (message, center, route) in routes {
            try TriageRouting(work: work).route(route, by: center, message: message)
        }
        try work.flush()
    }

    private func handle(_ reply: Reply, message: InboundMessage, ticketNo: String?, _ work: DispatchWork) throws {
        let department = message.routingKey
        guard let ticketNo, let ticket = work.tickets[ticketNo], let index = ticket.assignmentIndex(reply.assignmentId) else {
            let error = FieldError(
                field: "assignment_id", code: .unknownCode, message: "no assignment \(TextRules.quoted(reply.assignmentId))")
            return try reject(message, department: department, assignmentId: reply.assignmentId, ticketNo: nil, [error], work)
        }
        var assignment = ticket.assignments[index]
        let parties = ticket.contestParties(in: work.reference.data)
        // Those the assignment concerns learn its ticket: its department, and for a ruling its ruler.
        let own = assignment.department == department || (reply.action == .rule && parties?.ruler == department)
        var decision = AssignmentMachine.apply(
            reply: reply, to: assignment.snapshot, replyingDepartment: department, isPetition: ticket.channel == .petition,
            whistle: parties, now: work.now)
        var extended: AssignmentClock?
        if decision.effects.contains(.extendResolveDue) {
            let policy = work.reference.policies.policy(channel: ticket.channel, urgency: ticket.urgency)
            let clock = AssignmentClock(
                start: assignment.dispatchedAt, ackDue: assignment.ackDue, resolveDue: assignment.resolveDue,
                extensionWindow: policy.extensionWindow, isExtended: assignment.extendedAt != nil)
            switch clock.extended(in: work.reference.calendar) {
            case .extended(let next): extended = next
            case .refused(let why):
                decision = .rejected([
                    FieldError(field: "action", code: .notAllowed, message: "the deadline policy allows no extension (\(why.rawValue))")
                ])
            }
        }
        guard case .accepted(let state, let effects) = decision else {
            return try reject(
                message, department: department, assignmentId: reply.assignmentId, ticketNo: own ? ticketNo : nil, decision.errors, work)
        }
        assignment.isDirty = true
        var payload = AssignmentEvent(
            assignmentId: assignment.id, department: assignment.department, role: assignment.role.rawValue, note: reply.note,
            messageId: message.messageId)
        var ticketInputs: [TicketInput] = []
        var contest: Reply.ContestReason?
        var ruling: Reply.Ruling?
        for effect in effects {
            switch effect {
            case .emit: break
            case .acknowledged(let onTime):
                // The acknowledge clock stops with the state (its partial index holds dispatched work only).
                assignment.acknowledgedAt = work.now
                payload.onTime = onTime
                payload.dispatchedAt = assignment.dispatchedAt
            case .completed(let result, let onTime):
                assignment.completedAt = work.now
                assignment.result = result
                payload.result = result
                payload.onTime = onTime
                work.stopCityTimer(of: assignment)
            case .returned(let reason):
                assignment.returnedAt = work.now
                assignment.returnReason = reason.rawValue
                payload.reasonCode = reason.rawValue
                payload.dispatchedAt = assignment.dispatchedAt
                work.stopCityTimer(of: assignment)
            case .extendResolveDue:
                guard let extended else { continue }
                assignment.resolveDue = extended.resolveDue
                assignment.extendedAt = work.now
                payload.resolveDue = extended.resolveDue
                work.tickets[ticketNo]?.extended = true
                work.tickets[ticketNo]?.isDirty = true
                // The resolve clock starts again for the new deadline; a city escalation waits for its overdue.
                work.stopCityTimer(of: assignment)
                assignment.clockMarks.restartResolve(extended)
                work.clockStarted(at: extended.resolveWarningAt)
            case .contested(let reason):
                contest = reason
                assignment.account.contestReason = reason.rawValue
                assignment.account.contestNote = reply.note
                assignment.account.contestedAt = work.now
                assignment.account.isDirty = true
            case .ruled(let ruled):
                ruling = ruled
                assignment.account.ruling = ruled.rawValue
                assignment.account.rulingNote = reply.note
                assignment.account.ruledBy = department
                assignment.account.ruledAt = work.now
                assignment.account.isDirty = true
            case .ticket(let input):
                ticketInputs.append(input)
            }
        }
        // The ticket's state machine sees the assignment as it was, and moves it itself.
        work.tickets[ticketNo]?.assignments[index] = assignment
        if let contest, let parties, let ruler = parties.ruler {
            let data = AssignmentContested(
                assignmentId: assignment.id, department: assignment.department, role: assignment.role.rawValue,
                reasonCode: contest.rawValue, note: reply.note, whistler: parties.whistler, ruler: ruler, messageId: message.messageId)
            try work.record(.assignmentContested, ticketNo: ticketNo, data, actor: department)
        } else if let ruling, let parties {
            // What the assignment had counted, so that an `empty` ruling can be taken back from its KPIs.
            let data = WhistleRuled(
                assignmentId: assignment.id, department: assignment.department, whistler: parties.whistler, ruling: ruling.rawValue,
                note: reply.note, ruledBy: department, dispatchedAt: assignment.dispatchedAt,
                acknowledgedOnTime: assignment.acknowledgedOnTime, overdueAt: assignment.account.overdueAt, messageId: message.messageId)
            try work.record(.whistleRuled, ticketNo: ticketNo, data, actor: department)
        } else if let type = decision.event {
            try work.record(type, ticketNo: ticketNo, payload, actor: department)
        }
        for input in ticketInputs { try work.apply(input, to: ticketNo, actor: department) }
        work.tickets[ticketNo]?.assignments[index].state = state
    }

    private func reject(
        _ message: InboundMessage, department: String, assignmentId: String?, ticketNo: String?, _ errors: [FieldError],
        _ work: DispatchWork
    ) throws {
        let source = MessageSource(channel: nil, externalId: nil, messageId: message.messageId)
        try work.emit(
            .replyRejected, ticketNo: ticketNo,
            ReplyRejected(assignmentId: assignmentId, department: department, errors: errors, source: source))
        context.logger.info(
            "reply rejected",
            metadata: ["message.id": "\(message.messageId)", "department": "\(department)", "errors": "\(errors.map(\.code.rawValue))"])
    }
}
