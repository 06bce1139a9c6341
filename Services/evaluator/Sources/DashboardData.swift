import Foundation
import WhistleDomain
import WhistlePostgres

/// What the dashboard shows, read in one pass on one connection.
struct DashboardData: Sendable {
    struct OverdueItem: Sendable {
        var ticketNo: String
        var department: String
        var clock: String
        var dueAt: Date
        var category: String?
    }

    struct EscalatedItem: Sendable {
        var ticketNo: String
        var level: String
        var lead: String?
        var status: String
        var category: String?
        var openedAt: Date
    }

    var now: Date
    var report: ScoreReport
    var openTickets = 0
    var overdueCount = 0
    var overdue: [OverdueItem] = []
    var escalatedCount = 0
    var escalated: [EscalatedItem] = []
    /// The map of the viewer's area: grids, counts per channel, 未落格, hotspot alerts.
    var map = DashboardMap()
    /// Local day → channel → demands, for the trend's days in order.
    var days: [LocalDate] = []
    var trend: [LocalDate: [String: Int]] = [:]
    var hotspots: [WindowCounts] = []
    /// The four-level view: escalations to the caller and its whistles.
    var command = CommandViewData()

    static let trendDays = 14
    static let listLength = 12

    /// Reads everything but the report (which the caller computed). `mapAreas` is the subtree
    /// the map covers (nil: the whole tree); `mapUnplaced` whether it counts demands without area.
    static func load(
        _ connection: PostgresConnection, report: ScoreReport, now: Date, timeZone: TimeZone, hotspotHours: Int, policy: AccessPolicy,
        streetAreas: [String] = [], mapAreas: [String]? = nil, mapUnplaced: Bool = true
    ) throws -> DashboardData {
        var data = DashboardData(now: now, report: report)
        data.command = try CommandViewData.load(
            connection, policy: policy, streetAreas: streetAreas, from: report.from, to: report.to, timeZone: timeZone, limit: listLength)
        let scope = ScopeFilter(scope: policy.tickets)
        data.openTickets =
            try connection.query(
                "SELECT count(*)::int FROM tickets t WHERE t.status NOT IN ('closed', 'rejected') AND \(scope.clause(first: 1))",
                scope.parameters
            ).first?.decode(0, as: Int.self) ?? 0
        let overdue = try connection.query(
            """
            SELECT a.ticket_no, a.department, CASE WHEN a.status = 'dispatched' AND a.ack_due < $1 THEN 'acknowledge' ELSE 'resolve' END,
                   CASE WHEN a.status = 'dispatched' AND a.ack_due < $1 THEN a.ack_due ELSE a.resolve_due END AS due,
                   t.category_code, count(*) OVER ()::int
            FROM assignments a JOIN tickets t ON t.ticket_no = a.ticket_no
            WHERE ((a.status = 'dispatched' AND a.ack_due < $1) OR (a.status IN ('dispatched', 'acknowledged') AND a.resolve_due < $1))
              AND \(scope.clause(first: 4))
              AND (NOT t.confidential OR $3 OR a.department IS NOT DISTINCT FROM $4)
            ORDER BY due, a.ticket_no LIMIT $2
            """, [now, listLength, policy.isPetitionBureau] + scope.parameters)
        for row in overdue {
            data.overdue.append(
                OverdueItem(
                    ticketNo: try row.decode(0), department: try row.decode(1), clock: try row.decode(2), dueAt: try row.decode(3),
                    category: try row.decodeIfPresent(4)))
            data.overdueCount = try row.decode(5, as: Int.self)
        }
        let escalated = try connection.query(
            """
            SELECT t.ticket_no, t.escalation_level, CASE WHEN t.confidential AND NOT $2 THEN NULL ELSE t.lead_department END,
                   t.status, t.category_code, t.opened_at, count(*) OVER ()::int
            FROM tickets t WHERE t.escalation_level IS NOT NULL AND t.status NOT IN ('closed', 'rejected') AND \(scope.clause(first: 3))
            ORDER BY CASE t.escalation_level WHEN 'city' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, t.opened_at DESC LIMIT $1
            """, [listLength, policy.isPetitionBureau] + scope.parameters)
        for row in escalated {
            data.escalated.append(
                EscalatedItem(
                    ticketNo: try row.decode(0), level: try row.decode(1), lead: try row.decodeIfPresent(2), status: try row.decode(3),
                    category: try row.decodeIfPresent(4), openedAt: try row.decode(5)))
            data.escalatedCount = try row.decode(6, as: Int.self)
        }
        // The map covers the scoreboard's period (local days).
        data.map = try DashboardMap.load(
            connection, areas: mapAreas, includesUnplaced: mapUnplaced, from: report.from, to: report.to, timeZone: timeZone, now: now,
            hotspotHours: hotspotHours)
        let today = LocalDate.local(of: now, in: timeZone).date
        data.days = (0..<trendDays).map { today.adding(days: $0 - trendDays + 1) }
        let first = data.days[0]
        for row in try connection.query(
            """
            SELECT (s.hour AT TIME ZONE $1)::date::text, s.channel, sum(s.count)::int
            FROM demand_stats s WHERE s.hour >= ($2::date::timestamp AT TIME ZONE $1) AND s.hour <= $3
            GROUP BY 1, 2
            """, [timeZone.identifier, first.description, now])
        {
            guard let day = LocalDate(iso: try row.decode(0)) else { continue }
            data.trend[day, default: [:]][try row.decode(1, as: String.self)] = try row.decode(2, as: Int.self)
        }
        data.hotspots = try WindowCounts.all(on: connection, hours: hotspotHours, at: now, minimum: Int(HotspotRule.floor))
            .filter(\.isHotspot).sorted { $0.count > $1.count }
        return data
    }
}
