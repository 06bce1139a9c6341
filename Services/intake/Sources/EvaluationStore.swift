import Foundation
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Evaluations arriving on `whistle.intake` (routing key `evaluation`): validated, checked,
/// recorded, and answered with `evaluation.recorded` or `evaluation.rejected` listing every error.
///
/// - Of a whistle ticket (一哨一考核, `ticket_no`): only from its whistler (`WhistleParties`) and
///   its broker user, each department once and only once its work is completed or overdue
///   (`WhistleEvaluationRule`, from the read view `ticket_departments`).
/// - Of a period (年终考核评议, `period`): only from a street office and its broker user, about
///   its district's departments, once per (street, department, period), for a period that has
///   begun (`PeriodEvaluationRule`); recorded in `period_evaluations`, announced with `period`
///   set and no `ticket_no`.
struct EvaluationStore {
    let connection: PostgresConnection
    let reference: ReferenceCodes
    /// The area tree and departments: who blew a whistle, which departments a street may score.
    let areas: ReferenceData
    let now: Date
    /// The deployment's time zone: when a period begins.
    let timeZone: TimeZone
    let senders: SenderRules

    /// Records `evaluations`, appending their events and timeline entries.
    func record(_ evaluations: [InboundMessage], events: inout [OutboundMessage], timeline: inout TimelineRows) throws {
        let validator = EvaluationValidator(reference: reference)
        let known = try existingTickets(evaluations.compactMap { EvaluationValidator.ticketNo(in: $0.body) })
        for message in evaluations {
            let source = MessageSource(channel: nil, externalId: nil, messageId: message.messageId)
            var errors = message.messageIdError.map { [$0] } ?? []
            let validation = validator.validate(body: message.body)
            switch validation {
            case .invalid(let found):
                errors = found + errors
            case .valid(let item):
                if let ticketNo = item.ticketNo {
                    errors += try ticketProblems(item, ticketNo: ticketNo, message: message)
                } else {
                    errors += try periodProblems(item, message: message)
                }
            }
            guard errors.isEmpty, case .valid(let item) = validation else {
                let ticketNo = EvaluationValidator.ticketNo(in: message.body).flatMap { known.contains($0) ? $0 : nil }
                events.append(
                    try Outbox.event(
                        EventEnvelope(
                            type: .evaluationRejected, occurredAt: now, ticketNo: ticketNo,
                            data: InboundRejected(source: source, errors: errors))))
                continue
            }
            try insert(item, message: message)
            let data = EvaluationRecorded(
                source: source, by: item.by, scores: item.scores.map { .init(department: $0.department, score: $0.score) },
                period: item.period?.description)
            let event = EventEnvelope(type: .evaluationRecorded, occurredAt: now, ticketNo: item.ticketNo, data: data)
            try timeline.append(event, actor: item.by)
            events.append(try Outbox.event(event))
        }
    }

    /// Why the evaluation of `ticketNo` may not be recorded: an unknown ticket, the rule, the sender.
    private func ticketProblems(_ item: Evaluation, ticketNo: String, message: InboundMessage) throws -> [FieldError] {
        guard let ticket = try evaluated(ticketNo) else {
            return [FollowUpStore.unknownTicket(ticketNo)]
        }
        var errors = WhistleEvaluationRule.check(item, against: ticket, at: now)
        if let problem = senders.evaluationProblem(userId: message.delivery.userId, evaluator: ticket.whistler) {
            errors.append(problem)
        }
        return errors
    }

    /// Why the period evaluation may not be recorded: the rule, the sender. The street's period is
    /// locked first, so that two evaluations of it are checked one after the other.
    private func periodProblems(_ item: Evaluation, message: InboundMessage) throws -> [FieldError] {
        guard let period = item.period else { return [] }
        _ = try connection.query(
            "SELECT pg_advisory_xact_lock(hashtext('whistle.period-evaluation'), hashtext($1 || '|' || $2))",
            [item.by, period.description])
        let scored = try connection.query(
            "SELECT department FROM period_evaluations WHERE by_department = $1 AND period = $2", [item.by, period.description]
        ).map { try $0.decode(0, as: String.self) }
        let today = LocalDate.local(of: now, in: timeZone).date
        var errors = PeriodEvaluationRule.check(item, reference: areas, alreadyScored: Set(scored), today: today)
        if let problem = senders.evaluationProblem(userId: message.delivery.userId, evaluator: item.by) { errors.append(problem) }
        return errors
    }

    private func insert(_ item: Evaluation, message: InboundMessage) throws {
        let scores: [(any PostgresEncodable)?] = [
            TextArray(item.scores.map(\.department)), TextArray(item.scores.map { String($0.score) }),
            TextArray(item.scores.map(\.comment)),
        ]
        if let ticketNo = item.ticketNo {
            _ = try connection.query(
                """
                INSERT INTO evaluations (message_id, ticket_no, by_department, department, score, comment)
                SELECT $1, $2, $3, s.department, s.score::int, s.comment
                FROM unnest($4::text[], $5::text[], $6::text[]) AS s(department, score, comment)
                """, [message.inboxKey, ticketNo, item.by] as [(any PostgresEncodable)?] + scores)
        } else if let period = item.period {
            _ = try connection.query(
                """
                INSERT INTO period_evaluations (message_id, period, by_department, department, score, comment)
                SELECT $1, $2, $3, s.department, s.score::int, s.comment
                FROM unnest($4::text[], $5::text[], $6::text[]) AS s(department, score, comment)
                """, [message.inboxKey, period.description, item.by] as [(any PostgresEncodable)?] + scores)
        }
    }

    /// The tickets of `ticketNos` that exist.
    private func existingTickets(_ ticketNos: [String]) throws -> Set<String> {
        guard !ticketNos.isEmpty else { return [] }
        return Set(
            try connection.query("SELECT ticket_no FROM ticket_facts WHERE ticket_no = ANY($1::text[])", [ticketNos]).map {
                try $0.decode(0, as: String.self)
            })
    }

    /// What 一哨一考核 needs to know of the ticket: its whistle and whistler, its departments
    /// (named by the whistle or assigned), their assignments, and those already scored; nil when
    /// there is no such ticket. The ticket's row is locked so that two evaluations of one ticket
    /// are checked one after the other.
    private func evaluated(_ ticketNo: String) throws -> WhistleEvaluationRule.Ticket? {
        // The lock in a statement of its own: a statement that waited for it would still read the
        // evaluations with the snapshot it began with, missing those the other transaction made.
        guard !(try connection.query("SELECT 1 FROM ticket_facts WHERE ticket_no = $1 FOR UPDATE", [ticketNo])).isEmpty else {
            return nil
        }
        let rows = try connection.query(
            """
            SELECT t.channel, t.area_code, t.whistle IS NOT NULL, t.whistle ->> 'by',
                   ARRAY(SELECT DISTINCT d.department FROM ticket_departments d WHERE d.ticket_no = t.ticket_no),
                   ARRAY(SELECT e.department FROM evaluations e WHERE e.ticket_no = t.ticket_no)
            FROM ticket_facts t WHERE t.ticket_no = $1
            """, [ticketNo])
        guard let row = rows.first else { return nil }
        let channel = try row.decodeIfPresent(0, as: String.self).flatMap(Channel.init(rawValue:))
        let whistled = try row.decode(2, as: Bool.self)
        let whistle = whistled ? Whistle(by: try row.decodeIfPresent(3, as: String.self), departments: []) : nil
        let area = try row.decodeIfPresent(1, as: String.self)
        let whistler = channel.flatMap { WhistleParties.whistler(channel: $0, area: area, whistle: whistle, reference: areas) }
        let assignments = try connection.query(
            """
            SELECT department, status, ack_due, resolve_due, acknowledged_at, completed_at, returned_at, overdue_at, empty_whistle
            FROM ticket_departments WHERE ticket_no = $1 AND assignment_id IS NOT NULL
            """, [ticketNo]
        ).map { row in
            let status = try row.decode(1, as: String.self)
            guard let state = AssignmentState(rawValue: status) else {
                throw PostgresError(.decode, "assignment of \(ticketNo) in an unknown state \(status)")
            }
            return WhistleEvaluationRule.Assignment(
                department: try row.decode(0, as: String.self), state: state, ackDue: try row.decode(2, as: Date.self),
                resolveDue: try row.decode(3, as: Date.self), acknowledgedAt: try row.decodeIfPresent(4, as: Date.self),
                completedAt: try row.decodeIfPresent(5, as: Date.self), endedAt: try row.decodeIfPresent(6, as: Date.self),
                overdueAt: try row.decodeIfPresent(7, as: Date.self), emptyWhistle: try row.decode(8, as: Bool.self))
        }
        return WhistleEvaluationRule.Ticket(
            whistled: whistled, whistler: whistler, departments: Set(try row.decode(4, as: [String].self)),
            assignments: assignments, alreadyScored: Set(try row.decode(5, as: [String].self)))
    }
}
