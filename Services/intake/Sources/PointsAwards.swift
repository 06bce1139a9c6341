import Foundation
import Logging
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Intake's consumer of `ticket.closed` (queue `intake.events`, only from whistle-dispatcher: the
/// kit's screen dead-letters any other sender): when a ticket closes `satisfied`, each distinct
/// reporter of its demands earns points by `PointsRule`, in the batch's transaction with its inbox
/// rows. An award is made once per (ticket, reporter) however often the event is delivered; the
/// reporters' accounts are locked (in sorted order) before their year's awards are read, so that
/// the yearly cap holds however many intakes award at once. A capped award is recorded with what
/// it gave; one that gave nothing is not announced.
struct PointsAwards: EventsHandler {
    /// The events this consumer is bound to.
    static let eventKeys = [EventType.ticketClosed.routingKey]

    let reference: ReferenceCache
    let outbox: Outbox
    let timeZone: TimeZone
    let logger: Logger

    func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
        var closings: [PointsClosing] = []
        for message in messages {
            do {
                let event = try Envelope<TicketClosed>(body: message.body)
                guard event.eventType == .ticketClosed, let ticketNo = event.ticketNo else {
                    throw JSONDecodeError(path: "ticket_no", message: "is required on ticket.closed")
                }
                guard event.data.outcome == PointsRule.earningOutcome else { continue }
                closings.append(
                    PointsClosing(ticketNo: ticketNo, outcome: event.data.outcome, at: event.occurredAt, eventId: event.eventId))
            } catch {
                logger.warning(
                    "not a ticket.closed event; skipped",
                    metadata: ["message.id": "\(message.messageId)", "routing.key": "\(message.routingKey)", "error": "\(error)"])
            }
        }
        guard !closings.isEmpty else { return }
        let ticketNos = closings.map(\.ticketNo)
        let tickets = try PointsLedger.tickets(ticketNos, on: connection)
        let rule = try PointsLedger.rule(on: connection)
        var refs = Set<String>()
        var years = Set<Int>()
        for closing in closings {
            guard let ticket = tickets[closing.ticketNo] else { continue }
            let awards = rule.awards(closedWith: closing.outcome, demands: ticket.demands)
            refs.formUnion(awards.map(\.reporterRef))
            if !awards.isEmpty { years.insert(PointsRule.year(of: closing.at, in: timeZone)) }
        }
        guard !refs.isEmpty else { return }
        var balances = try PointsLedger.lockAccounts(refs, on: connection)
        var tally = PointsTally(rule: rule, awarded: try PointsLedger.awarded(refs, years: years, on: connection))
        let existing = try PointsLedger.existingAwards(ticketNos, on: connection)
        let entries = PointsLedger.awards(
            closings, tickets: tickets, reference: reference.snapshot.data, timeZone: timeZone, tally: &tally, existing: existing)
        try PointsLedger.insert(entries, on: connection)
        var changes: [String: Int] = [:]
        var events: [OutboundMessage] = []
        for entry in entries {
            changes[entry.award.reporterRef, default: 0] += entry.given
            guard entry.given > 0 else { continue }
            let balance = (balances[entry.award.reporterRef] ?? 0) + entry.given
            balances[entry.award.reporterRef] = balance
            let data = PointsAwarded(
                reporterRef: entry.award.reporterRef, points: entry.given, reason: entry.award.reason.rawValue,
                ticketNo: entry.closing.ticketNo, requested: entry.award.points, year: entry.year, street: entry.street, balance: balance)
            events.append(
                try Outbox.event(
                    EventEnvelope(type: .pointsAwarded, occurredAt: entry.closing.at, ticketNo: entry.closing.ticketNo, data: data)))
        }
        try PointsLedger.addToBalances(changes, on: connection)
        try outbox.enqueue(connection, events)
    }
}
