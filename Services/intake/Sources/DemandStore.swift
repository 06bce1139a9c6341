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
    let reference: ReferenceSnapshot
    let timeZone: TimeZone
    let now: Date
    /// Whose `x-whistle-adapter` / `x-whistle-via` headers are believed (`SenderRules.origin`).
    var senders = SenderRules()

    func record(_ items: [(message: InboundMessage, channel: Channel?, result: DemandValidation)]) throws {
        let existing = try knownTickets(items.compactMap(\.result.demand))
        let decisions = IntakePlan.decide(items.map { ($0.channel, $0.result) }, existing: existing)
        let filings = try file(decisions)
        let opened = decisions.indices.filter { if case .open? = filings[$0] { true } else { false } }
        let numbers = try allocate(opened.count)
        var number: [String: String] = [:]
        for (index, ticketNo) in zip(opened, numbers) { number[Self.batchKey(index)] = ticketNo }
        func resolve(_ key: String) -> String { number[key] ?? key }
        var ticketOf: [Int: String] = [:]
        var rows = DemandRows(senders: senders)
        var tickets = TicketRows()
        var timeline = TimelineRows()
        var events: [OutboundMessage] = []
        var merges: [Merge] = []
        for (index, decision) in decisions.enumerated() {
            let message = items[index].message
            let origin = senders.origin(of: message)
            let source = MessageSource(
                channel: items[index].channel?.rawValue, externalId: decision.externalId, messageId: message.messageId,
                adapter: origin.adapter, via: origin.via)
            switch decision {
            case .open(let demand):
                switch filings[index] {
                case .merge(let into, let similarity, let category)?:
                    let ticketNo = resolve(into)
                    ticketOf[index] = ticketNo
                    rows.append(message, demand: demand, externalId: nil, outcome: "merged", ticketNo: ticketNo, errors: nil)
                    merges.append(
                        Merge(ticketNo: ticketNo, source: source, similarity: similarity, category: category, area: demand.ticketArea))
                case .open(let category, let method, let linkedTo)?:
                    let ticketNo = resolve(Self.batchKey(index))
                    ticketOf[index] = ticketNo
                    let link = linkedTo.map(resolve)
                    try tickets.append(ticketNo, demand, category: category, method: method, linkedTo: link)
                    rows.append(message, demand: demand, externalId: nil, outcome: "accepted", ticketNo: ticketNo, errors: nil)
                    let whistler = WhistleParties.whistler(
                        channel: demand.channel, area: demand.ticketArea, whistle: demand.whistle, reference: reference.data)
                    let event = EventEnvelope(
                        type: .ticketAccepted, occurredAt: now, ticketNo: ticketNo,
                        data: TicketAccepted(
                            source: source, category: category, urgency: demand.urgency, area: demand.ticketArea, whistler: whistler,
                            placement: demand.placement))
                    if whistler != nil || [.coordinates, .address].contains(demand.placement?.method) {
                        // The whistler counts in the scores, and a rebuild from the timeline must see it;
                        // an area found from coordinates or an address shows how it was found (a grid code
                        // or the district fallback says nothing the ticket does not).
                        try timeline.append(event, actor: "intake")
                    } else {
                        timeline.append(
                            ticketNo, type: EventType.ticketAccepted.rawValue, actor: "intake", source: source, eventId: event.eventId)
                    }
                    if let link {
                        try timeline.append(link, type: "ticket.linked", actor: "intake", detail: ["petition_ticket": ticketNo])
                        try timeline.append(ticketNo, type: "ticket.linked", actor: "intake", detail: ["linked_ticket": link])
                    }
                    events.append(try Outbox.event(event))
                case nil:
                    continue
                }
            case .duplicate(let demand, let ticketNo):
                try duplicate(message, demand, ticketNo: ticketNo, source: source, rows: &rows, timeline: &timeline, events: &events)
            case .duplicateOfBatch(let demand, let first):
                guard let ticketNo = ticketOf[first] else { continue }
                try duplicate(message, demand, ticketNo: ticketNo, source: source, rows: &rows, timeline: &timeline, events: &events)
            case .reject(_, let externalId, let errors):
                rows.append(message, demand: nil, externalId: externalId, outcome: "rejected", ticketNo: nil, errors: errors)
                events.append(
                    try Outbox.event(
                        EventEnvelope(
                            type: .demandRejected, occurredAt: now, ticketNo: nil, data: InboundRejected(source: source, errors: errors))))
            }
        }
        try tickets.insert(connection, openedAt: now)
        try rows.insert(connection)
        events += try merged(merges, timeline: &timeline)
        try timeline.insert(connection, at: now, into: .intake)
        try outbox.enqueue(connection, events)
    }

    /// How each demand that opens something is filed: a new ticket (classified), or merged into
    /// an open one (并单). Indexes without a filing are duplicates or rejections.
    private func file(_ decisions: [IntakeDecision]) throws -> [Filing?] {
        var categories: [Int: KeywordClassification] = [:]
        var earliest = now
        for (index, decision) in decisions.enumerated() {
            guard case .open(let demand) = decision else { continue }
            categories[index] = reference.classifier.classify(demand)
            earliest = min(earliest, demand.submittedAt)
        }
        guard !categories.isEmpty else { return decisions.map { _ in nil } }
        let probes = categories.keys.sorted().compactMap { index -> (demand: Demand, category: String?)? in
            guard case .open(let demand) = decisions[index] else { return nil }
            return (demand, categories[index]?.categoryCode)
        }
        var candidates = try MergeCandidates.load(connection, demands: probes, earliest: earliest)
        var filings: [Filing?] = []
        for (index, decision) in decisions.enumerated() {
            guard case .open(let demand) = decision, let classification = categories[index] else {
                filings.append(nil)
                continue
            }
            let category = classification.categoryCode
            switch candidates.decide(demand, category: category) {
            case .merge(let ticketNo, let similarity):
                filings.append(.merge(into: ticketNo, similarity: similarity, category: category))
            case .link(let ticketNo):
                filings.append(.open(category: category, classification: classification.method, linkedTo: ticketNo))
            case .new:
                filings.append(.open(category: category, classification: classification.method, linkedTo: nil))
                if demand.channel != .petition && demand.channel != .whistle {
                    candidates.add(key: Self.batchKey(index), demand: demand, category: category, openedAt: now)
                }
            }
        }
        return filings
    }

    /// Adds the merged demands to their tickets' report counts (atomically, so concurrent intake
    /// instances count right) and returns one `ticket.merged` per demand with the count it made.
    /// A demand joining a ticket: where it came from, how similar it was, and its category and grid.
    struct Merge {
        var ticketNo: String
        var source: MessageSource
        var similarity: Double
        var category: String?
        var area: String?
    }

    private func merged(_ merges: [Merge], timeline: inout TimelineRows) throws -> [OutboundMessage] {
        guard !merges.isEmpty else { return [] }
        var added: [String: Int] = [:]
        for merge in merges { added[merge.ticketNo, default: 0] += 1 }
        let rows = try connection.query(
            """
            UPDATE ticket_facts t SET report_count = t.report_count + a.n, updated_at = now()
            FROM unnest($1::text[], $2::int[]) AS a(ticket_no, n)
            WHERE t.ticket_no = a.ticket_no
            RETURNING t.ticket_no, t.report_count
            """, [Array(added.keys), Array(added.values)])
        var final: [String: Int] = [:]
        for row in rows { final[try row.decode(0)] = try row.decode(1, as: Int.self) }
        var seen: [String: Int] = [:]
        var events: [OutboundMessage] = []
        for merge in merges {
            seen[merge.ticketNo, default: 0] += 1
            let count = (final[merge.ticketNo] ?? 0) - (added[merge.ticketNo] ?? 0) + (seen[merge.ticketNo] ?? 0)
            let data = TicketMerged(source: merge.source, reportCount: count, category: merge.category, area: merge.area)
            let event = EventEnvelope(type: .ticketMerged, occurredAt: now, ticketNo: merge.ticketNo, data: data)
            try timeline.append(
                merge.ticketNo, type: EventType.ticketMerged.rawValue, actor: "intake",
                detail: MergeDetail(data: data, similarity: merge.similarity),
                eventId: event.eventId)
            events.append(try Outbox.event(event))
        }
        return events
    }

    static func batchKey(_ index: Int) -> String { "batch:\(index)" }

    private func duplicate(
        _ message: InboundMessage, _ demand: Demand, ticketNo: String, source: MessageSource,
        rows: inout DemandRows, timeline: inout TimelineRows, events: inout [OutboundMessage]
    ) throws {
        rows.append(message, demand: demand, externalId: nil, outcome: "duplicate", ticketNo: ticketNo, errors: nil)
        let event = EventEnvelope(type: .demandDuplicate, occurredAt: now, ticketNo: ticketNo, data: DemandDuplicate(source: source))
        timeline.append(ticketNo, type: EventType.demandDuplicate.rawValue, actor: "intake", source: source, eventId: event.eventId)
        events.append(try Outbox.event(event))
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

/// The timeline detail of a merge: the event's data and how similar the texts were.
struct MergeDetail: Encodable {
    let source: MessageSource
    let reportCount: Int
    let similarity: Double

    init(data: TicketMerged, similarity: Double) {
        source = data.source
        reportCount = data.reportCount
        self.similarity = (similarity * 1000).rounded() / 1000
    }
}
