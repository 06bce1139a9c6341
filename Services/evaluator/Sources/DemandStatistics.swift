import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Demands per hour × grid × category × channel (`demand_stats`), from `ticket.accepted` and
/// `ticket.merged`: what hotspots are detected from, and the dashboard's heat map and trend.
struct DemandStatistics {
    struct Key: Hashable {
        var hour: Int64
        var area: String
        var category: String
        var channel: String
    }

    /// A grid × category the batch added demands to, and the latest event time it did.
    struct Pair: Hashable {
        var area: String
        var category: String
    }

    private(set) var counts: [Key: Int] = [:]
    private(set) var touched: [Pair: Date] = [:]

    static let countedTypes: Set<String> = [EventType.ticketAccepted.rawValue, EventType.ticketMerged.rawValue]

    /// Counts one demand event (other types are ignored).
    mutating func add(_ event: ReceivedEvent) {
        guard Self.countedTypes.contains(event.type) else { return }
        let area = event.data["area"]?.stringValue ?? ""
        let category = event.data["category"]?.stringValue ?? ""
        let channel = event.data["source"]?["channel"]?.stringValue ?? "unknown"
        let hour = Self.hour(of: event.occurredAt)
        counts[Key(hour: hour, area: area, category: category, channel: channel), default: 0] += 1
        guard !area.isEmpty, !category.isEmpty else { return }
        let pair = Pair(area: area, category: category)
        touched[pair] = max(touched[pair] ?? event.occurredAt, event.occurredAt)
    }

    /// The start of the hour of `instant`, in seconds since 1970.
    static func hour(of instant: Date) -> Int64 {
        Int64((instant.timeIntervalSince1970 / 3600).rounded(.down)) * 3600
    }

    func write(on connection: PostgresConnection) throws {
        guard !counts.isEmpty else { return }
        let keys = Array(counts.keys)
        _ = try connection.query(
            """
            INSERT INTO demand_stats (hour, area_code, category_code, channel, count)
            SELECT to_timestamp(s.hour), s.area, s.category, s.channel, s.n
            FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int[]) AS s(hour, area, category, channel, n)
            ON CONFLICT (area_code, category_code, hour, channel) DO UPDATE SET count = demand_stats.count + EXCLUDED.count
            """,
            [
                keys.map(\.hour), TextArray(keys.map(\.area)), TextArray(keys.map(\.category)), TextArray(keys.map(\.channel)),
                keys.map { counts[$0] ?? 0 },
            ])
    }
}

/// Demand counts of a place × category: in the window ending at an instant, and in the same
/// window on each of the 7 days before (hour resolution: the window is the last `hours` hour
/// buckets, the current hour included). Only areas of `HotspotRule.placeLevels` are counted.
struct WindowCounts: Sendable {
    var area: String
    var category: String
    var count: Int
    var history: [Int]

    var baseline: Double { history.isEmpty ? 0 : Double(history.reduce(0, +)) / Double(history.count) }
    var threshold: Double { HotspotRule.threshold(history: history) }
    var isHotspot: Bool { HotspotRule.isHotspot(count: count, history: history) }

    /// The SQL columns `count, history` over `demand_stats s` for a window of `$hours` hours
    /// ending in the hour bucket `h` (an expression).
    static func columns(hours: String, h: String) -> String {
        let current = "coalesce(sum(s.count) FILTER (WHERE s.hour > \(h) - make_interval(hours => \(hours))), 0)::int"
        let history = (1...7).map { day in
            "coalesce(sum(s.count) FILTER (WHERE s.hour > \(h) - make_interval(hours => \(hours) + \(24 * day)) "
                + "AND s.hour <= \(h) - make_interval(hours => \(24 * day))), 0)::int"
        }
        return current + ", ARRAY[" + history.joined(separator: ", ") + "]"
    }

    /// Every grid × category with at least `minimum` demands in the window of `hours` ending at `at`.
    static func all(on connection: PostgresConnection, hours: Int, at: Date, minimum: Int) throws -> [WindowCounts] {
        let rows = try connection.query(
            """
            SELECT s.area_code, s.category_code, \(columns(hours: "$1::int", h: "to_timestamp($2::int8)"))
            FROM demand_stats s JOIN areas a ON a.code = s.area_code AND a.level = ANY($4::text[])
            WHERE s.category_code <> ''
              AND s.hour > to_timestamp($2::int8) - make_interval(hours => $1::int + 168) AND s.hour <= to_timestamp($2::int8)
            GROUP BY s.area_code, s.category_code
            HAVING coalesce(sum(s.count) FILTER (WHERE s.hour > to_timestamp($2::int8) - make_interval(hours => $1::int)), 0) >= $3
            """, [hours, DemandStatistics.hour(of: at), minimum, Self.placeLevels])
        return try rows.map(Self.init(row:))
    }

    /// The counts of these grid × category pairs, each in the window ending at its own instant.
    static func of(_ pairs: [(DemandStatistics.Pair, Date)], on connection: PostgresConnection, hours: Int) throws -> [WindowCounts] {
        guard !pairs.isEmpty else { return [] }
        let rows = try connection.query(
            """
            SELECT p.area, p.category, \(columns(hours: "$4::int", h: "to_timestamp(p.h)"))
            FROM unnest($1::text[], $2::text[], $3::int8[]) AS p(area, category, h)
            JOIN areas a ON a.code = p.area AND a.level = ANY($5::text[])
            LEFT JOIN demand_stats s ON s.area_code = p.area AND s.category_code = p.category
             AND s.hour > to_timestamp(p.h) - make_interval(hours => $4::int + 168) AND s.hour <= to_timestamp(p.h)
            GROUP BY p.area, p.category, p.h
            """,
            [
                TextArray(pairs.map(\.0.area)), TextArray(pairs.map(\.0.category)), pairs.map { DemandStatistics.hour(of: $0.1) }, hours,
                Self.placeLevels,
            ])
        return try rows.map(Self.init(row:))
    }

    /// `HotspotRule.placeLevels` as the SQL's text array.
    static var placeLevels: [String] { HotspotRule.placeLevels.map(\.rawValue) }

    init(row: PostgresRow) throws {
        area = try row.decode(0)
        category = try row.decode(1)
        count = try row.decode(2, as: Int.self)
        history = try row.decode(3, as: [Int].self)
    }
}
