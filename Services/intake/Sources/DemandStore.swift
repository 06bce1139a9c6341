import Foundation
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Stores a batch of demands with multi-row statements: looks up known (channel, external_id)
/// pairs, allocates ticket numbers, inserts tickets, demands, reporters and timeline entries,
/// and writes each demand's outcome event to the outbox.
struct DemandStore {
    let connection: PostgresConnection
    let outbox: Outbox
    let timeZone: TimeZone
    let now: Date

    func record(_ items: [(message: InboundMessage, channel: Channel?, result: DemandValidation)]) throws {
        let existing = try knownTickets(items.compactMap(\.result.demand))
        let decisions = IntakePlan.decide(items.map { ($0.channel, $0.result) }, existing: existing)
        let opened = decisions.indices.filter { if case .open = decisions[$0] { true } else { false } }
        let numbers = try allocate(opened.count)
        var ticketOf: [Int: String] = [:]
        for (index, number) in zip(opened, numbers) { ticketOf[index] = number }

        var rows = DemandRows()
        var tickets = TicketRows()
        var timeline = TimelineRows()
        var events: [OutboundMessage] = []
        for (index, decision) in decisions.enumerated() {
            let message = items[index].message
            let source = MessageSource(channel: items[index].channel?.rawValue, externalId: decision.externalId, messageId: message.messageId)
            switch decision {
            case .open(let demand):
                let ticketNo = ticketOf[index]!
                tickets.append(ticketNo, demand)
                rows.append(message, demand: demand, externalId: nil, outcome: "accepted", ticketNo: ticketNo, errors: nil)
                timeline.append(ticketNo, type: EventType.ticketAccepted.rawValue, actor: "intake", source: source)
                events.append(
                    try Outbox.event(
                        EventEnvelope(
                            type: .ticketAccepted, occurredAt: now, ticketNo: ticketNo,
                            data: TicketAccepted(source: source, category: demand.category, urgency: demand.urgency, area: demand.location?.grid))))
            case .duplicate(let demand, let ticketNo):
                try duplicate(message, demand, ticketNo: ticketNo, source: source, rows: &rows, timeline: &timeline, events: &events)
            case .duplicateOfBatch(let demand, let first):
                try duplicate(message, demand, ticketNo: ticketOf[first]!, source: source, rows: &rows, timeline: &timeline, events: &events)
            case .reject(_, let externalId, let errors):
                rows.append(message, demand: nil, externalId: externalId, outcome: "rejected", ticketNo: nil, errors: errors)
                events.append(
                    try Outbox.event(
                        EventEnvelope(type: .demandRejected, occurredAt: now, ticketNo: nil, data: InboundRejected(source: source, errors: errors))))
            }
        }
        try tickets.insert(connection, openedAt: now)
        try rows.insert(connection)
        try timeline.insert(connection, at: now)
        try outbox.enqueue(connection, events)
    }

    private func duplicate(
        _ message: InboundMessage, _ demand: Demand, ticketNo: String, source: MessageSource,
        rows: inout DemandRows, timeline: inout TimelineRows, events: inout [OutboundMessage]
    ) throws {
        rows.append(message, demand: demand, externalId: nil, outcome: "duplicate", ticketNo: ticketNo, errors: nil)
        timeline.append(ticketNo, type: EventType.demandDuplicate.rawValue, actor: "intake", source: source)
        events.append(
            try Outbox.event(EventEnvelope(type: .demandDuplicate, occurredAt: now, ticketNo: ticketNo, data: DemandDuplicate(source: source))))
    }

    /// The ticket of every (channel, external_id) among `demands` that already opened or joined one.
    private func knownTickets(_ demands: [Demand]) throws -> [DemandKey: String] {
        guard !demands.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT d.channel, d.external_id, d.ticket_no FROM demands d
            JOIN unnest($1::text[], $2::text[]) AS k(channel, external_id)
              ON d.channel = k.channel AND d.external_id = k.external_id
            WHERE d.outcome IN ('accepted', 'merged')
            """, [demands.map(\.channel.rawValue), demands.map(\.externalId)])
        var known: [DemandKey: String] = [:]
        for row in rows {
            guard let channel = Channel(rawValue: try row.decode(0)) else { continue }
            known[DemandKey(channel: channel, externalId: try row.decode(1))] = try row.decode(2, as: String.self)
        }
        return known
    }

    /// Reserves `count` consecutive numbers of today's (local) sequence.
    private func allocate(_ count: Int) throws -> [String] {
        guard count > 0 else { return [] }
        let rows = try connection.query(
            """
            INSERT INTO ticket_sequences (day, last_value) VALUES ($1::date, $2)
            ON CONFLICT (day) DO UPDATE SET last_value = ticket_sequences.last_value + $2
            RETURNING last_value
            """, [TicketNumber.isoDay(of: now, in: timeZone), count])
        let last = try rows[0].decode(0, as: Int.self)
        guard last <= TicketNumber.maxSequence else {
            throw PostgresError(.query, "the daily ticket sequence is exhausted (\(last))")
        }
        let day = TicketNumber.localDay(of: now, in: timeZone)
        return (last - count + 1...last).map { TicketNumber.format(year: day.year, month: day.month, day: day.day, sequence: $0) }
    }
}

extension IntakeDecision {
    /// The external id to report in the outcome event's `source`.
    var externalId: String? {
        switch self {
        case .open(let demand), .duplicate(let demand, _), .duplicateOfBatch(let demand, _): return demand.externalId
        case .reject(_, let externalId, _): return externalId
        }
    }
}
