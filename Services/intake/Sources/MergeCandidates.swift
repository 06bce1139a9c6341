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
        // Per distinct (category, place) of the batch, the newest tickets intake still counts as
        // absorbing (`ticket_facts.absorbing`): of the category in its grid; (a petition without a
        // place) anywhere; in another grid within the box around its coordinates, among the
        // category's newest (and every one of those that no longer absorbs, wherever it is, so
        // that intake forgets it and the next scan reads open tickets only). Then, from
        // dispatcher's state, those it gave this category and those reopened. Every branch is an
        // ordered index scan with a limit, however busy the place is. The state and the category
        // in force are the read model's (`tickets`).
        // The planner misjudges the per-demand limit and reads every ticket of a busy place by
        // bitmap; the ordered index scan reads 50 (measured on 20,000 tickets: 1 ms against
        // 10–20 ms for two demands).
        let columns = """
            t.ticket_no, t.category_code, t.area_code, (t.location->>'lat')::float8 AS lat, (t.location->>'lon')::float8 AS lon,
            t.opened_at, t.content, t.channel, t.status
            """
        let near =
            "(r.area_code = p.grid OR p.anywhere OR (r.lat BETWEEN p.lat - p.lat_span AND p.lat + p.lat_span AND abs(r.lon - p.lon) <= p.lon_span))"
        try connection.execute("SET LOCAL enable_bitmapscan = off")
        let rows = try connection.query(
            """
            SELECT DISTINCT c.* FROM (
                SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::bool[], $7::float8[],
                                              $8::float8[])
                    AS u(category, grid, lat, lon, anywhere, lat_span, lon_span)) AS p
            CROSS JOIN LATERAL (
                (SELECT \(columns) FROM ticket_facts f JOIN tickets t ON t.ticket_no = f.ticket_no
                 WHERE f.absorbing AND f.category_code = p.category AND f.area_code = p.grid AND f.opened_at >= $6
                 ORDER BY f.opened_at DESC LIMIT $9)
                UNION ALL
                (SELECT \(columns) FROM ticket_facts f JOIN tickets t ON t.ticket_no = f.ticket_no
                 WHERE p.anywhere AND f.absorbing AND f.category_code = p.category AND f.opened_at >= $6
                 ORDER BY f.opened_at DESC LIMIT $9)
                UNION ALL
                (SELECT r.* FROM (
                    SELECT \(columns) FROM ticket_facts f JOIN tickets t ON t.ticket_no = f.ticket_no
                    WHERE p.lat IS NOT NULL AND f.absorbing AND f.category_code = p.category AND f.opened_at >= $6
                    ORDER BY f.opened_at DESC LIMIT $10) AS r
                 WHERE NOT r.status = ANY($11::text[])
                    OR (r.area_code IS DISTINCT FROM p.grid
                        AND r.lat BETWEEN p.lat - p.lat_span AND p.lat + p.lat_span AND abs(r.lon - p.lon) <= p.lon_span))
                UNION ALL
                (SELECT r.* FROM (
                    SELECT \(columns) FROM tickets t
                    WHERE t.decided_category = p.category AND t.status = ANY($11::text[]) AND t.opened_at >= $6
                    ORDER BY t.opened_at DESC LIMIT $10) AS r
                 WHERE \(near))
                UNION ALL
                (SELECT r.* FROM (
                    SELECT \(columns) FROM tickets t
                    WHERE t.reopened AND t.status = ANY($11::text[]) AND t.category_code = p.category AND t.opened_at >= $6
                    ORDER BY t.opened_at DESC LIMIT $10) AS r
                 WHERE \(near))
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
