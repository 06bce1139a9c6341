import Foundation
import WhistleDomain
import WhistlePostgres
import WhistleReliability

/// The four-level view on a department's dashboard (CONTRACT §10): the open tickets escalated to
/// it (the latest `ticket.escalated` names it as `department`) and the whistles it blew in the
/// scoreboard's period — a whistle message's `by`, or, for a street office, the grid reports'
/// whistles of its street (`WhistleParties`). Both lists are cut by the caller's `TicketScope`
/// (`ScopeFilter`), as every list of the read API is; the overdue work below a command center is
/// the dashboard's overdue list, which its scope already limits to its area's subtree.
struct CommandViewData: Sendable {
    struct WhistleItem: Sendable {
        var ticketNo: String
        var status: String
        var area: String?
        var category: String?
        var openedAt: Date
        /// The departments the whistle summoned.
        var summoned: Int
        var contested: Int
        var ruledEmpty: Int
    }

    var escalatedToMe: [DashboardData.EscalatedItem] = []
    var escalatedToMeCount = 0
    var whistles: [WhistleItem] = []
    var whistlesCount = 0

    /// Reads both lists for `policy`'s department (nothing for an auditor). `streetAreas` is the
    /// subtree of a street office's street (whose grid whistles are its own), else empty.
    static func load(
        _ connection: PostgresConnection, policy: AccessPolicy, streetAreas: [String], from: LocalDate, to: LocalDate, timeZone: TimeZone,
        limit: Int
    ) throws -> CommandViewData {
        var data = CommandViewData()
        guard let code = policy.department?.code else { return data }
        let scope = ScopeFilter(scope: policy.tickets)
        for row in try connection.query(
            """
            SELECT t.ticket_no, t.escalation_level, CASE WHEN t.confidential AND NOT $2 THEN NULL ELSE t.lead_department END,
                   t.status, t.category_code, t.opened_at, count(*) OVER ()::int
            FROM tickets t
            WHERE t.escalation_level IS NOT NULL AND t.status NOT IN ('closed', 'rejected') AND \(scope.clause(first: 4))
              AND (SELECT e.data ->> 'department' FROM timeline e WHERE e.ticket_no = t.ticket_no AND e.type = 'ticket.escalated'
                   ORDER BY e.at DESC, e.id DESC LIMIT 1) = $3
            ORDER BY CASE t.escalation_level WHEN 'city' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, t.opened_at DESC LIMIT $1
            """, [limit, policy.isPetitionBureau, code] + scope.parameters)
        {
            data.escalatedToMe.append(
                DashboardData.EscalatedItem(
                    ticketNo: try row.decode(0), level: try row.decode(1), lead: try row.decodeIfPresent(2), status: try row.decode(3),
                    category: try row.decodeIfPresent(4), openedAt: try row.decode(5)))
            data.escalatedToMeCount = try row.decode(6, as: Int.self)
        }
        for row in try connection.query(
            """
            SELECT t.ticket_no, t.status, t.area_code, t.category_code, t.opened_at,
                   coalesce(jsonb_array_length(t.whistle -> 'departments'), 0)::int,
                   (SELECT count(*) FROM timeline e WHERE e.ticket_no = t.ticket_no AND e.type = 'assignment.contested')::int,
                   (SELECT count(*) FROM timeline e WHERE e.ticket_no = t.ticket_no AND e.type = 'whistle.ruled'
                        AND e.data ->> 'ruling' = 'empty')::int,
                   count(*) OVER ()::int
            FROM tickets t
            WHERE t.whistle IS NOT NULL
              AND (t.whistle ->> 'by' = $2 OR (t.whistle ->> 'by' IS NULL AND t.channel = 'grid' AND t.area_code = ANY($3::text[])))
              AND t.opened_at >= ($4::date::timestamp AT TIME ZONE $6) AND t.opened_at < (($5::date + 1)::timestamp AT TIME ZONE $6)
              AND \(scope.clause(first: 7))
            ORDER BY t.opened_at DESC, t.ticket_no DESC LIMIT $1
            """,
            [limit, code, TextArray(streetAreas), from.description, to.description, timeZone.identifier] + scope.parameters)
        {
            data.whistles.append(
                WhistleItem(
                    ticketNo: try row.decode(0), status: try row.decode(1), area: try row.decodeIfPresent(2),
                    category: try row.decodeIfPresent(3), openedAt: try row.decode(4), summoned: try row.decode(5, as: Int.self),
                    contested: try row.decode(6, as: Int.self), ruledEmpty: try row.decode(7, as: Int.self)))
            data.whistlesCount = try row.decode(8, as: Int.self)
        }
        return data
    }
}

extension DashboardPage {
    /// The command view's two lists, side by side.
    var commandLists: String {
        "<div class=\"columns\">" + escalatedToMeList + whistleList + "</div>"
    }

    var escalatedToMeList: String {
        let view = data.command
        return escalationSection(
            id: "escalated-to-me", title: "上报本单位督办（\(view.escalatedToMeCount)）", empty: "没有上报本单位的工单", view.escalatedToMe)
    }

    var whistleList: String {
        let view = data.command
        var out = "<section id=\"my-whistles\"><h2>本单位吹哨（考核期内 \(view.whistlesCount)）</h2>"
        guard !view.whistles.isEmpty else { return out + "<p class=\"empty\">考核期内没有吹哨</p></section>" }
        out += "<table><thead><tr><th>工单</th><th>区域</th><th>类别</th><th>报到部门</th><th>异议</th><th>空哨</th><th>受理</th></tr></thead><tbody>"
        for item in view.whistles {
            let area = item.area.map { HTML.escape(names.areas[$0]?.name ?? $0) } ?? "—"
            out +=
                "<tr data-whistle=\"\(item.ticketNo)\"><td><a href=\"/v1/tickets/\(item.ticketNo)\">\(item.ticketNo)</a></td><td>\(area)</td>"
                + "<td>\(category(item.category))</td><td>\(item.summoned)</td><td>\(item.contested)</td><td>\(item.ruledEmpty)</td>"
                + "<td>\(time(item.openedAt))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    /// The whistles and contests of the scoreboard's departments (吹哨、吹空哨、异议) and the
    /// streets' evaluations, for the departments that have any.
    var whistleBoard: String {
        let lines = data.report.departments.filter {
            $0.counts.whistles + $0.counts.whistlesEmpty + $0.counts.contests + $0.counts.contestsLost + $0.counts.evaluationCount
                + $0.counts.periodCount > 0
        }
        var out = "<section id=\"whistle-board\"><h2>吹哨与异议（考核期内）</h2>"
        guard !lines.isEmpty else { return out + "<p class=\"empty\">本期没有吹哨、异议或街道评价</p></section>" }
        out +=
            "<table><thead><tr><th>部门</th><th>吹哨</th><th>空哨</th><th>异议</th><th>异议未获支持</th><th>吹哨评价</th>"
            + "<th>阶段评价</th><th>街道评价</th></tr></thead><tbody>"
        for line in lines {
            let c = line.counts
            out +=
                "<tr data-whistles=\"\(HTML.escape(line.department))\"><td>\(HTML.escape(line.name))</td><td>\(c.whistles)</td>"
                + "<td>\(c.whistlesEmpty)</td><td>\(c.contests)</td><td>\(c.contestsLost)</td><td>\(Self.score(line.rates.whistleScore))</td>"
                + "<td>\(Self.score(line.rates.periodScore))</td><td>\(Self.score(line.rates.streetScore))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }
}
