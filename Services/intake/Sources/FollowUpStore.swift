import Foundation
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Feedback (回访) and evaluations (一哨一考核, period evaluations) arriving on `whistle.intake`:
/// validated, checked against their ticket, recorded, and answered with `feedback.received` /
/// `evaluation.recorded`, or `feedback.rejected` / `evaluation.rejected` listing every error.
/// Feedback counts only from the adapter of one of its ticket's channels, or for a whistle's
/// ticket from its whistler (`SenderRules`);
/// evaluations are `EvaluationStore`'s.
struct FollowUpStore {
    let connection: PostgresConnection
    let outbox: Outbox
    let reference: ReferenceCodes
    /// The area tree and departments, to find who blew a whistle.
    let areas: ReferenceData
    let now: Date
    /// The deployment's time zone (when an evaluated period begins).
    let timeZone: TimeZone
    let senders: SenderRules

    func record(feedback: [InboundMessage], evaluations: [InboundMessage]) throws {
        var events: [OutboundMessage] = []
        var timeline = TimelineRows()
        let feedbackValidator = FeedbackValidator()
        let validatedFeedback = feedback.map { ($0, feedbackValidator.validate(body: $0.body)) }
        var ticketNos: [String] = []
        for case (_, .valid(let item)) in validatedFeedback { ticketNos.append(item.ticketNo) }
        let channels = try ticketChannels(ticketNos)
        let known = Set(channels.keys)
        var accepted: [(messageId: String, item: Feedback)] = []

        for (message, validation) in validatedFeedback {
            let source = MessageSource(channel: nil, externalId: nil, messageId: message.messageId)
            var errors = message.messageIdError.map { [$0] } ?? []
            if case .valid(let item) = validation, !known.contains(item.ticketNo) { errors.append(Self.unknownTicket(item.ticketNo)) }
            if case .invalid(let found) = validation { errors = found + errors }
            let about: FeedbackSenders? = if case .valid(let item) = validation { channels[item.ticketNo] } else { nil }
            if let problem = senders.feedbackProblem(
                userId: message.delivery.userId, ticketChannels: about?.channels ?? [], whistler: about?.whistler)
            {
                errors.append(problem)
            }
            guard errors.isEmpty, case .valid(let item) = validation else {
                events.append(
                    try Outbox.event(
                        EventEnvelope(
                            type: .feedbackRejected, occurredAt: now,
                            ticketNo: FeedbackValidator.ticketNo(in: message.body).flatMap { known.contains($0) ? $0 : nil },
                            data: InboundRejected(source: source, errors: errors))))
                continue
            }
            accepted.append((message.inboxKey, item))
            let data = FeedbackReceived(
                source: source, satisfaction: item.satisfaction.rawValue, resolved: item.resolved, comment: item.comment)
            let event = EventEnvelope(type: .feedbackReceived, occurredAt: now, ticketNo: item.ticketNo, data: data)
            try timeline.append(event, actor: about?.whistler ?? "citizen")
            events.append(try Outbox.event(event))
        }

        try insert(accepted)
        if !evaluations.isEmpty {
            try EvaluationStore(connection: connection, reference: reference, areas: areas, now: now, timeZone: timeZone, senders: senders)
                .record(evaluations, events: &events, timeline: &timeline)
        }
        try timeline.insert(connection, at: now, into: .intake)
        try outbox.enqueue(connection, events)
    }

    /// Stores the accepted feedback of the batch in one statement, in the order received.
    private func insert(_ accepted: [(messageId: String, item: Feedback)]) throws {
        guard !accepted.isEmpty else { return }
        _ = try connection.query(
            """
            INSERT INTO feedback (message_id, ticket_no, satisfaction, resolved, comment)
            SELECT f.message_id, f.ticket_no, f.satisfaction, f.resolved::bool, f.comment
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                WITH ORDINALITY AS f(message_id, ticket_no, satisfaction, resolved, comment, n)
            ORDER BY f.n
            """,
            [
                TextArray(accepted.map(\.messageId)), TextArray(accepted.map(\.item.ticketNo)),
                TextArray(accepted.map(\.item.satisfaction.rawValue)), TextArray(accepted.map { $0.item.resolved ? "t" : "f" }),
                TextArray(accepted.map(\.item.comment)),
            ])
    }

    /// Who may send a ticket's feedback: the adapters of the channels of the demands that opened
    /// or joined it, and for a whistle's ticket its whistler, who verifies the work.
    struct FeedbackSenders {
        var channels: Set<Channel>
        var whistler: String?
    }

    /// The tickets of `ticketNos` that exist, each with who may send its feedback.
    private func ticketChannels(_ ticketNos: [String]) throws -> [String: FeedbackSenders] {
        guard !ticketNos.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT t.ticket_no,
                   ARRAY(SELECT t.channel UNION SELECT d.channel FROM demands d
                         WHERE d.ticket_no = t.ticket_no AND d.outcome IN ('accepted', 'merged') AND d.channel IS NOT NULL),
                   CASE WHEN t.channel = 'whistle' THEN t.whistle ->> 'by' END
            FROM ticket_facts t WHERE t.ticket_no = ANY($1::text[])
            """, [ticketNos])
        var senders: [String: FeedbackSenders] = [:]
        for row in rows {
            senders[try row.decode(0, as: String.self)] = FeedbackSenders(
                channels: Set(try row.decode(1, as: [String].self).compactMap(Channel.init(rawValue:))),
                whistler: try row.decodeIfPresent(2, as: String.self))
        }
        return senders
    }

    static func unknownTicket(_ ticketNo: String) -> FieldError {
        FieldError(field: "ticket_no", code: .unknownCode, message: "no ticket \(ticketNo)")
    }
}
