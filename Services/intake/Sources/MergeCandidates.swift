import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres

/// The open tickets a batch of new demands may join (并单), read once per batch, plus the tickets
/// the batch itself opens, so that three similar demands in one batch also become one ticket.
struct MergeCandidates {
    /// Ticket statuses that still absorb demands: not resolved, closed or rejected.
    static let openStatuses = ["accepted", "triage", "dispatched", "in_progress"]

    private(set) var tickets: [MergePolicy.OpenTicket]
    let policy: MergePolicy

    init(tickets: [MergePolicy.OpenTicket], policy: MergePolicy = MergePolicy()) {
        self.tickets = tickets
        self.policy = policy
    }

    /// The open tickets of `categories` opened within the merge window before `earliest`.
    static func load(
        _ connection: PostgresConnection, categories: Set<String>, earliest: Date, policy: MergePolicy = MergePolicy()
    ) throws -> MergeCandidates {
        guard !categories.isEmpty else { return MergeCandidates(tickets: [], policy: policy) }
        let rows = try connection.query(
            """
            SELECT ticket_no, category_code, area_code, (location->>'lat')::float8, (location->>'lon')::float8,
                   opened_at, content, channel
            FROM tickets
            WHERE category_code = ANY($1::text[]) AND status = ANY($2::text[]) AND opened_at >= $3
            """, [Array(categories), openStatuses, earliest.addingTimeInterval(-policy.maxAge)])
        var tickets: [MergePolicy.OpenTicket] = []
        for row in rows {
            guard let channel = Channel(rawValue: try row.decode(7)) else { continue }
            tickets.append(
                MergePolicy.OpenTicket(
                    ticketNo: try row.decode(0), category: try row.decodeIfPresent(1), grid: try row.decodeIfPresent(2),
                    lat: try row.decodeIfPresent(3), lon: try row.decodeIfPresent(4), openedAt: try row.decode(5),
                    content: try row.decode(6), channel: channel))
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
                ticketNo: key, category: category, grid: demand.location?.grid, lat: demand.location?.lat,
                lon: demand.location?.lon, openedAt: openedAt, content: demand.content, channel: demand.channel))
    }
}

/// How intake files one valid, non-duplicate demand.
enum Filing {
    /// Open a new ticket of `category`; `linkedTo` is the open ticket a petition on the same matter
    /// is linked to (petitions are never merged).
    case open(category: String?, classification: String, linkedTo: String?)
    /// Join this ticket (a number, or the batch key of a ticket the batch opens).
    case merge(into: String, similarity: Double)
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
