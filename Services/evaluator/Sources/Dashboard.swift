import Foundation
import Hummingbird
import WhistleDomain
import WhistleReliability

/// The dashboard at `/`: one server-rendered page, nothing fetched from elsewhere — the
/// department scoreboard (三率 and the composite) for the current month, the overdue and the
/// escalated tickets, the map of the grids (`DashboardMapView`), the daily trend by channel and
/// the current hotspots. `?from=&to=&area=` choose the scoreboard's period and departments as for
/// `/v1/scores` (a command center's own area by default), and the area the map covers. The map,
/// the trend and the hotspots hold counts only and are shared by every principal; the ticket
/// cards and lists show only the caller's scope (a department's own tickets, a command center's
/// area), as the read API does, and the four-level view adds the
/// tickets escalated to the caller and the whistles it blew (`CommandViewData`).
extension ReadAPI {
    func dashboard(_ query: [String: String], _ policy: AccessPolicy) async throws -> Response {
        var query = query
        query["sort"] = "composite"
        query["active"] = "true"
        let report = try await report(query, policy)
        let now = clock()
        let zone = timeZone
        let hours = hotspotWindowHours
        let streetAreas = policy.department.flatMap { $0.kind == .streetOffice ? reference.snapshot.data.subtree(of: $0.area) : nil } ?? []
        // The map covers the scoreboard's area (a command center's own by default); demands
        // without an area belong to the top of the tree, as tickets without one do.
        let names = reference.snapshot.data
        let mapAreas = report.area.map { names.subtree(of: $0) }
        let mapUnplaced = report.area.map { (names.areas[$0]?.level ?? .grid) >= .district } ?? true
        let data = try await pool.withConnection { connection in
            try DashboardData.load(
                connection, report: report, now: now, timeZone: zone, hotspotHours: hours, policy: policy, streetAreas: streetAreas,
                mapAreas: mapAreas, mapUnplaced: mapUnplaced)
        }
        let page = DashboardPage(data: data, names: reference.snapshot.data, timeZone: timeZone, hotspotHours: hours, policy: policy).html
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}

/// The page's HTML.
struct DashboardPage {
    let data: DashboardData
    let names: ReferenceData
    let timeZone: TimeZone
    let hotspotHours: Int
    let policy: AccessPolicy

    func department(_ code: String?) -> String {
        guard let code else { return "—" }
        return HTML.escape(names.departments[code]?.name ?? code)
    }

    func category(_ code: String?) -> String {
        guard let code else { return "未分类" }
        return HTML.escape(names.categories[code]?.name ?? code)
    }

    func time(_ date: Date) -> String {
        let (day, second) = LocalDate.local(of: date, in: timeZone)
        return String(format: "%02d-%02d %02d:%02d", day.month, day.day, second / 3600, second % 3600 / 60)
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%.1f%%", value * 100)
    }

    static func score(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%.1f", value)
    }

    var title: String {
        let district = names.areas.values.first { $0.level == .district }?.name ?? ""
        return "\(HTML.escape(district)) 吹哨报到 · 考核看板"
    }

    /// Who is looking, and what the ticket cards cover.
    var viewer: String {
        guard let code = policy.department?.code else { return "审计员 \(HTML.escape(policy.principal.subject))" }
        return "当前用户：\(department(code))"
    }

    var html: String {
        let report = data.report
        let scope = report.area.map { "考核范围 <span id=\"score-area\">\(HTML.escape(names.areas[$0]?.name ?? $0))</span> · " } ?? ""
        let areaQuery = "&amp;area=" + HTML.escape(report.area ?? "all")
        var page = """
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>\(title)</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"><style>\(Self.style)</style></head><body>
            <header><h1>\(title)</h1><p>更新于 \(time(data.now)) · 考核期 \(report.from) 至 \(report.to) · \(scope)
            <a href="/v1/scores.csv?from=\(report.from)&amp;to=\(report.to)\(areaQuery)">导出考核 CSV</a></p>
            <form class="who" method="post" action="/logout"><span id="viewer">\(viewer)</span> <button type="submit">退出登录</button></form></header>
            <section class="cards">
            <div class="card"><b id="open-count">\(data.openTickets)</b><span>在办工单</span></div>
            <div class="card warn"><b id="overdue-count">\(data.overdueCount)</b><span>超期未办</span></div>
            <div class="card alert"><b id="escalated-count">\(data.escalatedCount)</b><span>升级督办</span></div>
            <div class="card hot"><b id="hotspot-count">\(data.hotspots.count)</b><span>热点预警（近\(hotspotHours)小时）</span></div>
            </section>
            """
        page += scoreboard
        page += "<div class=\"columns\">" + overdueList + escalatedList + "</div>"
        if policy.department != nil { page += commandLists }
        page += whistleBoard
        let mapScope = report.area.map { HTML.escape(names.areas[$0]?.name ?? $0) + " · " } ?? ""
        page +=
            "<div class=\"columns\"><section id=\"heatmap\"><h2>网格诉求地图（\(mapScope)考核期内，各渠道合计）</h2>"
            + DashboardMapView(map: data.map, names: names).html + "</section>" + hotspotList + "</div>"
        page +=
            "<section id=\"trend\"><h2>每日诉求趋势（按渠道，近\(DashboardData.trendDays)天）</h2><div class=\"trendbox\">"
            + DashboardCharts.trend(days: data.days, counts: data.trend) + trendTable + "</div></section>"
        page +=
            "<footer>Whistle 评价服务 · 响应率=按时签收/派单 · 按期办结率=按期办结/办结 · 解决率、满意率按回访 · "
            + "综合得分权重：响应 \(report.weights.response) · 按期 \(report.weights.onTime) · 解决 \(report.weights.resolution) · "
            + "满意 \(report.weights.satisfaction) · 街道评价 \(report.weights.whistle)（吹哨评价 \(report.weights.streetMix.whistle) : "
            + "阶段评价 \(report.weights.streetMix.period)）</footer></body></html>"
        return page
    }

    var scoreboard: String {
        var out = "<section id=\"scoreboard\"><h2>部门考核（三率与综合得分）</h2>"
        let lines = data.report.departments
        guard !lines.isEmpty else { return out + "<p class=\"empty\">本期尚无派单</p></section>" }
        out +=
            "<table><thead><tr><th>排名</th><th>部门</th><th>派单</th><th>响应率</th><th>按期办结率</th><th>解决率</th>"
            + "<th>满意率</th><th>退单率</th><th>返工率</th><th>超期</th><th>升级</th><th>街道评价</th><th>综合得分</th></tr></thead><tbody>"
        for (rank, line) in lines.enumerated() {
            let r = line.rates
            out +=
                "<tr data-department=\"\(HTML.escape(line.department))\"><td>\(rank + 1)</td><td>\(HTML.escape(line.name))</td>"
                + "<td>\(line.counts.dispatched)</td><td>\(Self.percent(r.responseRate))</td><td>\(Self.percent(r.onTimeRate))</td>"
                + "<td>\(Self.percent(r.resolutionRate))</td><td>\(Self.percent(r.satisfactionRate))</td>"
                + "<td>\(Self.percent(r.returnRate))</td><td>\(Self.percent(r.reworkRate))</td><td>\(line.counts.overdue)</td>"
                + "<td>\(line.counts.escalations)</td><td>\(Self.score(r.streetScore))</td>"
                + "<td class=\"composite\">\(Self.score(r.composite))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    var overdueList: String {
        var out = "<section id=\"overdue\"><h2>超期未办（\(data.overdueCount)）</h2>"
        guard !data.overdue.isEmpty else { return out + "<p class=\"empty\">没有超期的工单</p></section>" }
        out += "<table><thead><tr><th>工单</th><th>部门</th><th>类别</th><th>超期环节</th><th>时限</th></tr></thead><tbody>"
        for item in data.overdue {
            out +=
                "<tr><td><a href=\"/v1/tickets/\(item.ticketNo)\">\(item.ticketNo)</a></td><td>\(department(item.department))</td>"
                + "<td>\(category(item.category))</td><td>\(item.clock == "acknowledge" ? "签收" : "办结")</td><td>\(time(item.dueAt))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    var escalatedList: String {
        escalationSection(id: "escalated", title: "升级督办（\(data.escalatedCount)）", empty: "没有升级的工单", data.escalated)
    }

    /// A section listing escalated tickets (its level, lead, category and when it was opened).
    func escalationSection(id: String, title: String, empty: String, _ items: [DashboardData.EscalatedItem]) -> String {
        let levels = ["street": "街道", "district": "区级", "city": "市级"]
        var out = "<section id=\"\(id)\"><h2>\(title)</h2>"
        guard !items.isEmpty else { return out + "<p class=\"empty\">\(empty)</p></section>" }
        out += "<table><thead><tr><th>工单</th><th>级别</th><th>承办部门</th><th>类别</th><th>受理</th></tr></thead><tbody>"
        for item in items {
            out +=
                "<tr><td><a href=\"/v1/tickets/\(item.ticketNo)\">\(item.ticketNo)</a></td><td>\(levels[item.level] ?? item.level)</td>"
                + "<td>\(department(item.lead))</td><td>\(category(item.category))</td><td>\(time(item.openedAt))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    var trendTable: String {
        var out = "<table class=\"compact\"><thead><tr><th>渠道</th>"
        for day in data.days { out += String(format: "<th>%02d-%02d</th>", day.month, day.day) }
        out += "</tr></thead><tbody>"
        for channel in DashboardCharts.channels {
            out += "<tr data-channel=\"\(channel.code)\"><td>\(channel.name)</td>"
            for day in data.days { out += "<td>\(data.trend[day]?[channel.code] ?? 0)</td>" }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    var hotspotList: String {
        var out = "<section id=\"hotspots\"><h2>热点预警（近\(hotspotHours)小时）</h2>"
        guard !data.hotspots.isEmpty else { return out + "<p class=\"empty\">当前没有热点</p></section>" }
        out += "<table><thead><tr><th>网格</th><th>类别</th><th>诉求数</th><th>前7天同窗均值</th><th>预警线</th></tr></thead><tbody>"
        for item in data.hotspots {
            out +=
                "<tr><td>\(HTML.escape(names.areas[item.area]?.name ?? item.area))</td><td>\(category(item.category))</td>"
                + "<td>\(item.count)</td><td>\(String(format: "%.1f", item.baseline))</td><td>\(String(format: "%.1f", item.threshold))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    static let style = """
        body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;margin:0;background:#f8fafc;color:#0f172a}
        header{background:#b91c1c;color:#fff;padding:14px 24px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;font-size:13px}
        header a{color:#fde68a}.who{float:right;margin-top:-40px;font-size:13px}section{background:#fff;margin:12px 16px;padding:12px 16px;border-radius:6px;box-shadow:0 1px 2px #cbd5e1}
        h2{font-size:16px;margin:0 0 8px;border-left:4px solid #b91c1c;padding-left:8px}
        .cards{display:flex;gap:12px;background:none;box-shadow:none;padding:0}.card{flex:1;background:#fff;border-radius:6px;padding:10px 16px;box-shadow:0 1px 2px #cbd5e1}
        .card b{display:block;font-size:28px}.card span{font-size:13px;color:#475569}.warn b{color:#d97706}.alert b{color:#b91c1c}.hot b{color:#c2410c}
        table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 6px;border-bottom:1px solid #e2e8f0;text-align:right}
        th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}th{background:#f1f5f9}td.composite{font-weight:bold;color:#b91c1c}
        .columns{display:flex;gap:0}.columns>section{flex:1;min-width:0}.empty{color:#64748b;font-size:13px}
        .map text{font-size:10px;text-anchor:middle}.axis{font-size:10px;fill:#64748b}h3{font-size:14px;margin:10px 0 4px}
        .key i.line-community{height:0;border-top:2px solid #334155}.key i.line-street{height:0;border-top:3px solid #0f172a}
        .key i.hatch{height:10px;background:repeating-linear-gradient(45deg,#dc2626 0 2px,#fff 2px 5px);border:1px solid #dc2626}
        .map-hotspots{font-size:12px;margin:4px 0;padding-left:18px;color:#b91c1c}.note{font-size:12px;color:#475569;margin:6px 0 2px}
        .undrawn{font-size:12px;margin:0;padding-left:18px;columns:2}td.total{font-weight:bold}.legend{flex-wrap:wrap}.legend span{white-space:nowrap}
        .legend{font-size:12px;color:#475569;display:flex;gap:8px;align-items:center;margin-top:4px}
        .ramp{display:inline-block;width:120px;height:10px;background:linear-gradient(90deg,#fef0d9,#b30000)}
        .key i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}
        table.compact{margin-top:6px;width:auto;font-size:12px}table.compact th,table.compact td{white-space:nowrap;padding:3px 5px}
        .trendbox{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}footer{font-size:12px;color:#64748b;padding:8px 24px 20px}
        a{color:#1d4ed8;text-decoration:none}
        """
}
