import Foundation
import WhistleDomain
import WhistlePostgres

/// What the dashboard's map shows, for the area the viewer sees (`areas`: an area's subtree, or
/// nil for the whole tree): every grid with its polygon and its demands per channel in the
/// scoreboard's period, the demands placed above the grids or nowhere (未落格), and the hotspot
/// alerts raised within the current window. Counts are numbers only — `demand_stats` holds no
/// content, so a petition is never more than a figure here.
struct DashboardMap: Sendable {
    struct Grid: Sendable {
        var code: String
        var name: String
        /// `[lat, lon]` corners; nil when the grid has no usable polygon (listed, not drawn).
        var polygon: [[Double]]?
        /// Channel → demands.
        var counts: [String: Int]

        var total: Int { counts.values.reduce(0, +) }
    }

    /// Demands whose area is not a grid: a community, street or district (placed by address or
    /// falling back to the district), or none at all (`area` nil).
    struct Unplaced: Sendable {
        var area: String?
        var name: String?
        var counts: [String: Int]

        var total: Int { counts.values.reduce(0, +) }
    }

    /// An area × category with a `hotspot_alerts` row detected within the window ending now.
    struct Alert: Sendable {
        var area: String
        var category: String
        /// Demands of the pair in the current window (at least the count the alert was raised at
        /// while that window lasts).
        var count: Int
        var detectedAt: Date
    }

    var grids: [Grid] = []
    var unplaced: [Unplaced] = []
    var alerts: [Alert] = []

    /// A polygon from `areas.polygon` as text: a JSON list of at least three `[lat, lon]` pairs of
    /// finite numbers, else nil (the grid is then listed rather than drawn).
    static func polygon(_ text: String?) -> [[Double]]? {
        guard let text else { return nil }
        let corners: [[Double]]
        do {
            corners = try JSONDecoder().decode([[Double]].self, from: Data(text.utf8))
        } catch {
            return nil  // not a list of number pairs: the grid has no polygon to draw
        }
        guard corners.count >= 3, corners.allSatisfy({ $0.count == 2 && abs($0[0]) <= 90 && abs($0[1]) <= 180 }) else { return nil }
        return corners
    }

    /// Reads the map in two set-based queries: the grids with their counts and the other areas'
    /// counts (one statement), and the alerts. `includesUnplaced` adds the demands without an
    /// area (the top of the tree's: the whole tree's, a district's or the city's viewers).
    static func load(
        _ connection: PostgresConnection, areas: [String]?, includesUnplaced: Bool, from: LocalDate, to: LocalDate, timeZone: TimeZone,
        now: Date, hotspotHours: Int
    ) throws -> DashboardMap {
        var map = DashboardMap()
        let everywhere = areas == nil
        var grids: [String: Grid] = [:]
        var unplaced: [String: Unplaced] = [:]
        for row in try connection.query(
            """
            WITH counts AS (
                SELECT s.area_code, s.channel, sum(s.count)::int AS n
                FROM demand_stats s
                WHERE s.hour >= ($1::date::timestamp AT TIME ZONE $3) AND s.hour < (($2::date + 1)::timestamp AT TIME ZONE $3)
                  AND ($4::boolean OR s.area_code = ANY($5::text[]) OR (s.area_code = '' AND $6::boolean))
                GROUP BY s.area_code, s.channel
            )
            SELECT a.code, a.name, a.polygon::text, c.channel, c.n, true
            FROM areas a LEFT JOIN counts c ON c.area_code = a.code
            WHERE a.level = 'grid' AND ($4::boolean OR a.code = ANY($5::text[]))
            UNION ALL
            SELECT c.area_code, a.name, NULL, c.channel, c.n, false
            FROM counts c LEFT JOIN areas a ON a.code = c.area_code
            WHERE a.level IS DISTINCT FROM 'grid'
            """,
            [from.description, to.description, timeZone.identifier, everywhere, areas ?? [], includesUnplaced])
        {
            let code: String = try row.decode(0)
            let name: String? = try row.decodeIfPresent(1)
            let channel: String? = try row.decodeIfPresent(3)
            let count = try row.decodeIfPresent(4, as: Int.self) ?? 0
            if try row.decode(5, as: Bool.self) {
                let shape: String? = try row.decodeIfPresent(2)
                var grid = grids[code] ?? Grid(code: code, name: name ?? code, polygon: polygon(shape), counts: [:])
                if let channel { grid.counts[channel, default: 0] += count }
                grids[code] = grid
            } else {
                var line = unplaced[code] ?? Unplaced(area: code.isEmpty ? nil : code, name: name, counts: [:])
                if let channel { line.counts[channel, default: 0] += count }
                unplaced[code] = line
            }
        }
        map.grids = grids.values.sorted { $0.code < $1.code }
        map.unplaced = unplaced.values.sorted { ($1.total, $0.area ?? "") < ($0.total, $1.area ?? "") }
        for row in try connection.query(
            """
            SELECT h.area_code, h.category_code, max(h.detected_at),
                   (SELECT coalesce(sum(s.count), 0)::int FROM demand_stats s
                    WHERE s.area_code = h.area_code AND s.category_code = h.category_code
                      AND s.hour > to_timestamp($2::int8) - make_interval(hours => $1::int) AND s.hour <= to_timestamp($2::int8))
            FROM hotspot_alerts h
            WHERE h.window_hours = $1::int AND h.detected_at > $3::timestamptz - make_interval(hours => $1::int) AND h.detected_at <= $3
              AND ($4::boolean OR h.area_code = ANY($5::text[]))
            GROUP BY h.area_code, h.category_code
            ORDER BY 4 DESC, 1, 2
            """, [hotspotHours, DemandStatistics.hour(of: now), now, everywhere, areas ?? []])
        {
            map.alerts.append(
                Alert(
                    area: try row.decode(0), category: try row.decode(1), count: try row.decode(3, as: Int.self),
                    detectedAt: try row.decode(2)))
        }
        return map
    }
}
