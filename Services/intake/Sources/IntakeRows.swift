import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Demand rows of a batch, inserted in one statement; reporters' identity goes to
/// `demand_reporters`, never into `normalized`.
struct DemandRows {
    /// Who brought each demand in (`SenderRules.origin`): `demands.adapter` / `demands.via`.
    let senders: SenderRules
    private var adapters: [String?] = []
    private var vias: [String?] = []
    private var messageIds: [String?] = []
    private var routingKeys: [String?] = []
    private var channels: [String?] = []
    private var externalIds: [String?] = []
    private var outcomes: [String?] = []
    private var ticketNos: [String?] = []
    private var rawBodies: [String?] = []
    private var normalized: [String?] = []
    private var errors: [String?] = []
    private var submittedAt: [String?] = []
    /// The reporter in the points ledger (`PointsReference`), never the phone itself.
    private var pointsRefs: [String?] = []
    private var reporters: [String: Reporter] = [:]

    init(senders: SenderRules = SenderRules()) { self.senders = senders }

    mutating func append(
        _ message: InboundMessage, demand: Demand?, externalId: String?, outcome: String, ticketNo: String?, errors list: [FieldError]?
    ) {
        messageIds.append(message.messageId)
        let origin = senders.origin(of: message)
        adapters.append(origin.adapter)
        vias.append(origin.via)
        routingKeys.append(message.routingKey)
        channels.append(demand?.channel.rawValue ?? Channel(intakeRoutingKey: message.routingKey)?.rawValue)
        externalIds.append(demand?.externalId ?? externalId)
        outcomes.append(outcome)
        ticketNos.append(ticketNo)
        // A body over the limit is kept as its first bytes; its length and digest are in `errors`.
        rawBodies.append(Hex.encode(DemandBodyLimit.stored(message.body)))
        pointsRefs.append(demand.flatMap { PointsReference.of(channel: $0.channel, reporter: $0.reporter) })
        if let demand {
            var stored = demand
            if let reporter = demand.reporter {
                reporters[message.messageId] = reporter
                stored.reporter = Reporter(anonymous: reporter.anonymous, id: reporter.id)
            }
            normalized.append((try? WhistleJSON.encode(stored)).map { String(decoding: $0, as: UTF8.self) })
            submittedAt.append(RFC3339.format(demand.submittedAt))
        } else {
            normalized.append(nil)
            submittedAt.append(nil)
        }
        self.errors.append(list.flatMap { (try? WhistleJSON.encode($0)).map { String(decoding: $0, as: UTF8.self) } })
    }

    func insert(_ connection: PostgresConnection) throws {
        guard !messageIds.isEmpty else { return }
        let rows = try connection.query(
            """
            INSERT INTO demands (message_id, routing_key, channel, external_id, outcome, ticket_no, raw_body, normalized, errors, submitted_at,
                                 points_ref, adapter, via)
            SELECT d.mid, d.rk, d.ch, d.ext, d.outcome, d.tno, decode(d.raw, 'hex'), d.norm::jsonb, d.err::jsonb, d.sub::timestamptz, d.pref,
                   d.adapter, d.via
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                        $11::text[], $12::text[], $13::text[])
              AS d(mid, rk, ch, ext, outcome, tno, raw, norm, err, sub, pref, adapter, via)
            RETURNING id, message_id
            """,
            [
                TextArray(messageIds), TextArray(routingKeys), TextArray(channels), TextArray(externalIds), TextArray(outcomes),
                TextArray(ticketNos), TextArray(rawBodies), TextArray(normalized), TextArray(errors), TextArray(submittedAt),
                TextArray(pointsRefs), TextArray(adapters), TextArray(vias),
            ])
        guard !reporters.isEmpty else { return }
        var ids: [String?] = []
        var names: [String?] = []
        var phones: [String?] = []
        var anonymous: [String?] = []
        var refs: [String?] = []
        for row in rows {
            guard let reporter = reporters[try row.decode(1, as: String.self)] else { continue }
            ids.append(String(try row.decode(0, as: Int64.self)))
            names.append(reporter.name)
            phones.append(reporter.phone)
            anonymous.append(reporter.anonymous ? "t" : "f")
            refs.append(reporter.id)
        }
        _ = try connection.query(
            """
            INSERT INTO demand_reporters (demand_id, name, phone, anonymous, reporter_ref)
            SELECT r.id::bigint, r.name, r.phone, r.anon::bool, r.ref
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS r(id, name, phone, anon, ref)
            """, [TextArray(ids), TextArray(names), TextArray(phones), TextArray(anonymous), TextArray(refs)])
    }
}

/// New tickets of a batch: their facts (`ticket_facts`, intake's table), inserted in one
/// statement. Until dispatcher writes its state, the read model shows them `accepted`.
struct TicketRows {
    private var columns = [[String?]](repeating: [], count: 16)

    mutating func append(_ ticketNo: String, _ demand: Demand, category: String?, method: String, linkedTo: String?) throws {
        let location = try demand.location.map { String(decoding: try WhistleJSON.encode($0), as: UTF8.self) }
        let whistle = try demand.whistle.map { String(decoding: try WhistleJSON.encode($0), as: UTF8.self) }
        let attachments = String(decoding: try WhistleJSON.encode(demand.attachments), as: UTF8.self)
        let values: [String?] = [
            ticketNo, demand.channel.rawValue, category, demand.urgency.rawValue, demand.ticketArea,
            demand.title, demand.content, location, demand.isConfidential ? "t" : "f", demand.petition?.kind.rawValue,
            demand.petition?.subjectUnit, demand.petition.map { String($0.petitioners) }, whistle, method, linkedTo, attachments,
        ]
        for (i, value) in values.enumerated() { columns[i].append(value) }
    }

    func insert(_ connection: PostgresConnection, openedAt: Date) throws {
        guard !columns[0].isEmpty else { return }
        _ = try connection.query(
            """
            INSERT INTO ticket_facts (ticket_no, channel, category_code, urgency, area_code, title, content, location,
                                      confidential, petition_kind, subject_unit, petitioners, whistle, category_method,
                                      linked_ticket, attachments, opened_at)
            SELECT t.no, t.ch, t.cat, t.urg, t.area, t.title, t.content, t.loc::jsonb,
                   t.conf::bool, t.kind, t.subject, t.pet::int, t.whistle::jsonb, t.method, t.linked, t.att::jsonb, $17
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
              AS t(no, ch, cat, urg, area, title, content, loc, conf, kind, subject, pet, whistle, method, linked, att)
            ORDER BY t.linked NULLS FIRST
            """, columns.map { TextArray($0) } + [openedAt])
    }
}
