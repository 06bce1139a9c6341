import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// The open tickets a batch of new demands may join (并单), read once per batch, plus the tickets
/// the batch itself opens, so that three similar demands in one batch also become one ticket.
struct MergeCandidates {
    /// How many of the most recent open tickets of a category per place a demand is compared
    /// with: the matter a new demand repeats is almost always one of the latest.
    static let perPlace = 50
    /// How many of the most recent open tickets of a category are searched for one within the
    /// merge radius but in another grid (a demand on a grid's edge).
    static let nearby = 200

    private(set) var tickets: [MergePolicy.OpenTicket]
    let policy: MergePolicy

    init(tickets: [MergePolicy.OpenTicket], policy: MergePolicy = MergePolicy()) {
        self.tickets = tickets
        self.policy = policy
    }

    /// The open tickets that may absorb one of `demands` (with their decided categories): the same
    /// category, opened within the merge window before the earliest demand, and in the same grid
    /// or within a box around the demand's coordinates (a petition without a place looks at every
    /// place). Only these are read, so a busy day's thousands of open tickets cost nothing here.
    static func load(
        _ connection: PostgresConnection, demands: [(demand: Demand, category: String?)], earliest: Date,
        policy: MergePolicy = MergePolicy()
    ) throws -> MergeCandidates {
        let probes = demands.filter { $0.category != nil && $0.demand.whistle == nil }
        guard !probes.isEmpty else { return MergeCandidates(tickets: [], policy: policy) }
        // The box around each located demand that holds the merge radius (MergePolicy.searchBox).
        let boxes = probes.map { probe in probe.demand.location?.lat.map { policy.searchBox(latitude: $0) } }
        // The batch's probes are folded first: one ordered index scan with a limit per distinct
        // (category, grid) and per distinct category, however many demands of the batch share them
        // (a probe per demand ran five scans per demand: 73 ms a batch under load). Per
        // (category, grid): the newest tickets intake still counts as absorbing
        // (`ticket_facts.absorbing`) in that grid. Per category: (a petition without a place) the
        // newest anywhere; among the category's newest, those in another grid within the box
        // around a demand's coordinates (and every one of those that no longer absorbs, wherever
        // it is, so that intake forgets it and the next scan reads open tickets only); then, from
        // dispatcher's state, those it gave this category and those reopened, near a demand. The
        // union is what one scan per demand found: a scan's rows depend on the category and grid
        // only, and a demand's own filter becomes an `EXISTS` over the demands of the category.
        // The state and the category in force are the read model's (`tickets`).
        // The planner misjudges the per-place limit and reads every ticket of a busy place by
        // bitmap; the ordered index scan reads 50 (measured on 20,000 tickets: 1 ms against
        // 10–20 ms for two demands).
        let columns = """
            t.ticket_no, t.category_code, t.area_code, (t.location->>'lat')::float8 AS lat, (t.location->>'lon')::float8 AS lon,
            t.opened_at, t.content, t.channel, t.status
            """
        // Intake reads dispatcher's state through the view only (its role has no grant on `ticket_states`).
        let facts = "\(columns) FROM ticket_facts f JOIN tickets t ON t.ticket_no = f.ticket_no"
        let named = "r.ticket_no, r.category_code, r.area_code, r.lat, r.lon, r.opened_at, r.content, r.channel, r.status"
        let box = "r.lat BETWEEN p.lat - p.lat_span AND p.lat + p.lat_span AND abs(r.lon - p.lon) <= p.lon_span"
        func near(_ category: String) -> String {
            "EXISTS (SELECT 1 FROM p WHERE p.category = \(category) AND (r.area_code = p.grid OR p.anywhere OR (\(box))))"
        }
        try connection.execute("SET LOCAL enable_bitmapscan = off")
        let rows = try connection.query(
            """
            WITH p AS MATERIALIZED (
                SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::bool[], $7::float8[],
                                              $8::float8[])
                    AS u(category, grid, lat, lon, anywhere, lat_span, lon_span)),
            k AS MATERIALIZED (
                SELECT category, bool_or(anywhere) AS anywhere, bool_or(lat IS NOT NULL) AS located FROM p GROUP BY category),
            newest AS MATERIALIZED (
                SELECT k.category AS probe, r.* FROM k CROSS JOIN LATERAL (
                    SELECT \(facts)
                    WHERE k.located AND f.absorbing AND f.category_code = k.category AND f.opened_at >= $6
                    ORDER BY f.opened_at DESC LIMIT $10) AS r)
            SELECT DISTINCT c.* FROM (
                SELECT r.* FROM (SELECT DISTINCT category, grid FROM p WHERE grid IS NOT NULL) AS g CROSS JOIN LATERAL (
                    SELECT \(facts)
                    WHERE f.absorbing AND f.category_code = g.category AND f.area_code = g.grid AND f.opened_at >= $6
                    ORDER BY f.opened_at DESC LIMIT $9) AS r
                UNION ALL
                SELECT r.* FROM k CROSS JOIN LATERAL (
                    SELECT \(facts)
                    WHERE k.anywhere AND f.absorbing AND f.category_code = k.category AND f.opened_at >= $6
                    ORDER BY f.opened_at DESC LIMIT $9) AS r
                UNION ALL
                SELECT \(named) FROM newest AS r WHERE NOT r.status = ANY($11::text[])
                UNION ALL
                SELECT \(named) FROM newest AS r
                WHERE EXISTS (SELECT 1 FROM p WHERE p.category = r.probe AND r.area_code IS DISTINCT FROM p.grid AND \(box))
                UNION ALL
                SELECT r.* FROM k CROSS JOIN LATERAL (
                    SELECT \(columns) FROM tickets t
                    WHERE t.decided_category = k.category AND t.status = ANY($11::text[]) AND t.opened_at >= $6
                    ORDER BY t.opened_at DESC LIMIT $10) AS r
                WHERE \(near("k.category"))
                UNION ALL
                SELECT \(named) FROM (
                    SELECT \(columns), row_number() OVER (PARTITION BY t.category_code ORDER BY t.opened_at DESC) AS n
                    FROM tickets t
                    WHERE t.reopened AND t.status = ANY($11::text[]) AND t.category_code IN (SELECT category FROM k)
                      AND t.opened_at >= $6) AS r
                WHERE r.n <= $10 AND \(near("r.category_code"))
            ) AS c
            """,
            [
                TextArray(probes.map(\.category)), TextArray(probes.map(\.demand.mergeGrid)),
                FloatArray(probes.map(\.demand.location?.lat)), FloatArray(probes.map(\.demand.location?.lon)),
                TextArray(probes.map { $0.demand.channel == .petition && $0.demand.location == nil ? "t" : "f" }),
                earliest.addingTimeInterval(-policy.maxAge), FloatArray(boxes.map { $0?.latitude }),
                FloatArray(boxes.map { $0?.longitude }), Self.perPlace, Self.nearby,
                MergePolicy.absorbingStatuses.map(\.rawValue),
            ])
        try connection.execute("SET LOCAL enable_bitmapscan = on")
        var tickets: [MergePolicy.OpenTicket] = []
        var closed: [String] = []
        for row in rows {
            let ticketNo: String = try row.decode(0)
            guard let status = TicketStatus(rawValue: try row.decode(8)), MergePolicy.absorbs(status) else {
                closed.append(ticketNo)
                continue
            }
            guard let channel = Channel(rawValue: try row.decode(7)) else { continue }
            tickets.append(
                MergePolicy.OpenTicket(
                    ticketNo: ticketNo, category: try row.decodeIfPresent(1), grid: try row.decodeIfPresent(2),
                    lat: try row.decodeIfPresent(3), lon: try row.decodeIfPresent(4), openedAt: try row.decode(5),
                    content: try row.decode(6), channel: channel))
        }
        if !closed.isEmpty {
            // Intake's memory catches up with dispatcher's state: these no longer absorb a demand.
            _ = try connection.query("UPDATE ticket_facts SET absorbing = false WHERE ticket_no = ANY($1::text[]) AND absorbing", [closed])
        }
        return MergeCandidates(tickets: tickets, policy: policy)
    }

    /// The decision for a new demand of `category` (given or classified).
    func decide(_ demand: Demand, category: String?) -> MergeDecision {
        policy.decide(MergePolicy.Incoming(demand: demand, category: category), candidates: tickets)
    }

    /// A ticket this batch opens becomes a candidate for the rest of the batch; `key` stands for
    /// its number until numbers are allocated.
    mutating func add(key: String, demand: Demand, category: String?, openedAt: Date) {
        tickets.append(
            MergePolicy.OpenTicket(
                ticketNo: key, category: category, grid: demand.mergeGrid, lat: demand.location?.lat,
                lon: demand.location?.lon, openedAt: openedAt, content: demand.content, channel: demand.channel))
    }
}

/// How intake files one valid, non-duplicate demand.
enum Filing {
    /// Open a new ticket of `category`; `linkedTo` is the open ticket a petition on the same matter
    /// is linked to (petitions are never merged).
    case open(category: String?, classification: String, linkedTo: String?)
    /// Join this ticket (a number, or the batch key of a ticket the batch opens) of `category`.
    case merge(into: String, similarity: Double, category: String?)
}

extension KeywordClassification {
    /// How the category was decided, for the timeline: `given`, `keywords` or `none`.
    var method: String {
        switch self {
        case .given: "given"
        case .category: "keywords"
        case .triage: "none"
        }
    }
}

/// A PostgreSQL float8 array whose elements may be NULL.
struct FloatArray: PostgresEncodable {
    var elements: [Double?]
    init(_ elements: [Double?]) { self.elements = elements }
    var postgresText: String? { "{" + elements.map { $0.map { "\($0)" } ?? "NULL" }.joined(separator: ",") + "}" }
}
