import Foundation
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Feedback (回访) and whistle evaluations (一哨一考核) arriving on `whistle.intake`: validated,
/// checked against their ticket, recorded, and answered with `feedback.received` /
/// `evaluation.recorded`, or `feedback.rejected` / `evaluation.rejected` listing every error.
/// Feedback counts only from the adapter of one of its ticket's channels, an evaluation only from
/// the whistling street's broker user (`SenderRules`).
struct FollowUpStore {
    let connection: PostgresConnection
    let outbox: Outbox
    let reference: ReferenceCodes
    /// The area tree and departments, to find the street whose grid blew a whistle.
    let areas: ReferenceData
    let now: Date
    let senders: SenderRules

    func record(feedback: [InboundMessage], evaluations: [InboundMessage]) throws {
        var events: [OutboundMessage] = []
        var timeline = TimelineRows()
        let feedbackValidator = FeedbackValidator()
        let evaluationValidator = EvaluationValidator(reference: reference)
        let validatedFeedback = feedback.map { ($0, feedbackValidator.validate(body: $0.body)) }
        let validatedEvaluations = evaluations.map { ($0, evaluationValidator.validate(body: $0.body)) }
        var ticketNos: [String] = []
        for case (_, .valid(let item)) in validatedFeedback { ticketNos.append(item.ticketNo) }
        for case (_, .valid(let item)) in validatedEvaluations { ticketNos.append(item.ticketNo) }
        let channels = try ticketChannels(ticketNos)
        let known = Set(channels.keys)

        for (message, validation) in validatedFeedback {
            let source = MessageSource(channel: nil, externalId: nil, messageId: message.messageId)
            var errors = message.messageIdError.map { [$0] } ?? []
            if case .valid(let item) = validation, !known.contains(item.ticketNo) { errors.append(Self.unknownTicket(item.ticketNo)) }
            if case .invalid(let found) = validation { errors = found + errors }
            let about: Set<Channel> = if case .valid(let item) = validation { channels[item.ticketNo] ?? [] } else { [] }
            if let problem = senders.feedbackProblem(userId: message.delivery.userId, ticketChannels: about) { errors.append(problem) }
            guard errors.isEmpty, case .valid(let item) = validation else {
                events.append(
                    try Outbox.event(
                        EventEnvelope(
                            type: .feedbackRejected, occurredAt: now,
                            ticketNo: FeedbackValidator.ticketNo(in: message.body).flatMap { known.contains($0) ? $0 : nil },
                            data: InboundRejected(source: source, errors: errors))))
                continue
            }
            _ = try connection.query(
                "INSERT INTO feedback (message_id, ticket_no, satisfaction, resolved, comment) VALUES ($1, $2, $3, $4, $5)",
                [message.inboxKey, item.ticketNo, item.satisfaction.rawValue, item.resolved, item.comment])
            let data = FeedbackReceived(
                source: source, satisfaction: item.satisfaction.rawValue, resolved: item.resolved, comment: item.comment)
            let event = EventEnvelope(type: .feedbackReceived, occurredAt: now, ticketNo: item.ticketNo, data: data)
            try timeline.append(event, actor: "citizen")
            events.append(try Outbox.event(event))
        }

        for (message, validation) in validatedEvaluations {
            let source = MessageSource(channel: nil, externalId: nil, messageId: message.messageId)
            var errors = message.messageIdError.map { [$0] } ?? []
            if case .invalid(let found) = validation { errors = found + errors }
            if case .valid(let item) = validation {
                if !known.contains(item.ticketNo) {
                    errors.append(Self.unknownTicket(item.ticketNo))
                } else {
                    let ticket = try evaluated(item)
                    errors += WhistleEvaluationRule.check(item, against: ticket)
                    if let problem = senders.evaluationProblem(userId: message.delivery.userId, whistlingStreet: ticket.whistlingStreet) {
                        errors.append(problem)
                    }
                }
            }
            guard errors.isEmpty, case .valid(let item) = validation else {
                events.append(
                    try Outbox.event(
                        EventEnvelope(
                            type: .evaluationRejected, occurredAt: now,
                            ticketNo: EvaluationValidator.ticketNo(in: message.body).flatMap { known.contains($0) ? $0 : nil },
                            data: InboundRejected(source: source, errors: errors))))
                continue
            }
            _ = try connection.query(
                """
                INSERT INTO evaluations (message_id, ticket_no, by_department, department, score, comment)
                SELECT $1, $2, $3, s.department, s.score::int, s.comment
                FROM unnest($4::text[], $5::text[], $6::text[]) AS s(department, score, comment)
                """,
                [
                    message.inboxKey, item.ticketNo, item.by, TextArray(item.scores.map(\.department)),
                    TextArray(item.scores.map { String($0.score) }), TextArray(item.scores.map(\.comment)),
                ])
            let data = EvaluationRecorded(
                source: source, by: item.by, scores: item.scores.map { .init(department: $0.department, score: $0.score) })
            let event = EventEnvelope(type: .evaluationRecorded, occurredAt: now, ticketNo: item.ticketNo, data: data)
            try timeline.append(event, actor: item.by)
            events.append(try Outbox.event(event))
        }
        try timeline.insert(connection, at: now, into: .intake)
        try outbox.enqueue(connection, events)
    }

    /// The tickets of `ticketNos` that exist, each with the channels of the demands that opened
    /// or joined it (whose adapters may send its feedback).
    private func ticketChannels(_ ticketNos: [String]) throws -> [String: Set<Channel>] {
        guard !ticketNos.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT t.ticket_no,
                   ARRAY(SELECT t.channel UNION SELECT d.channel FROM demands d
                         WHERE d.ticket_no = t.ticket_no AND d.outcome IN ('accepted', 'merged') AND d.channel IS NOT NULL)
            FROM ticket_facts t WHERE t.ticket_no = ANY($1::text[])
            """, [ticketNos])
        var channels: [String: Set<Channel>] = [:]
        for row in rows {
            channels[try row.decode(0, as: String.self)] = Set(try row.decode(1, as: [String].self).compactMap(Channel.init(rawValue:)))
        }
        return channels
    }

    /// What 一哨一考核 needs to know of the evaluated ticket: its whistle, the street office of its
    /// grid's street (the whistling street), its departments (those the whistle named and those
    /// with an assignment) and those already scored. The ticket's row is locked so that two
    /// evaluations of one ticket are checked one after the other.
    private func evaluated(_ evaluation: Evaluation) throws -> WhistleEvaluationRule.Ticket {
        let rows = try connection.query(
            """
            SELECT t.whistle IS NOT NULL AND t.channel = 'grid', t.area_code,
                   ARRAY(SELECT d.department FROM ticket_departments d WHERE d.ticket_no = t.ticket_no),
                   ARRAY(SELECT e.department FROM evaluations e WHERE e.ticket_no = t.ticket_no)
            FROM ticket_facts t WHERE t.ticket_no = $1
            FOR UPDATE OF t
            """, [evaluation.ticketNo])
        guard let row = rows.first else {
            return WhistleEvaluationRule.Ticket(whistled: false, whistlingStreet: nil, departments: [], alreadyScored: [])
        }
        let street = try row.decodeIfPresent(1, as: String.self).flatMap { areas.street(of: $0) }
        return WhistleEvaluationRule.Ticket(
            whistled: try row.decode(0, as: Bool.self), whistlingStreet: street.flatMap { areas.streetOffice(ofStreet: $0.code)?.code },
            departments: Set(try row.decode(2, as: [String].self)), alreadyScored: Set(try row.decode(3, as: [String].self)))
    }

    static func unknownTicket(_ ticketNo: String) -> FieldError {
        FieldError(field: "ticket_no", code: .unknownCode, message: "no ticket \(ticketNo)")
    }
}
