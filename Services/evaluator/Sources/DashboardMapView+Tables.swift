import Foundation
import WhistleDomain

/// The tables under the map: the busiest grids per channel, the grids the map cannot draw, and
/// the demands that reached no grid (未落格) — so every demand of the period is on the page.
extension DashboardMapView {
    static let busiestLength = 10

    /// `<th>` of every column, then 合计.
    var channelHeads: String {
        columns.map { "<th>\(HTML.escape($0.name))</th>" }.joined() + "<th>合计</th>"
    }

    /// `<td>` of every column's count, then the total.
    func channelCells(_ counts: [String: Int]) -> String {
        columns.map { "<td>\(counts[$0.code] ?? 0)</td>" }.joined() + "<td class=\"total\">\(counts.values.reduce(0, +))</td>"
    }

    /// The grids with the most demands, with a column per channel.
    var busiestTable: String {
        let busiest = map.grids.filter { $0.total > 0 }.sorted { ($0.total, $1.code) > ($1.total, $0.code) }.prefix(Self.busiestLength)
        var out = "<h3>诉求最多的网格（按渠道）</h3>"
        guard !busiest.isEmpty else { return out + "<p class=\"empty\" id=\"map-busiest\">考核期内网格没有诉求</p>" }
        out += "<table class=\"compact\" id=\"map-busiest\"><thead><tr><th>网格</th><th>社区 · 街道</th>\(channelHeads)</tr></thead><tbody>"
        for grid in busiest {
            out +=
                "<tr data-map-grid=\"\(HTML.escape(grid.code))\"><td>\(HTML.escape(grid.name))</td><td>\(placeName(grid.code))</td>"
                + channelCells(grid.counts) + "</tr>"
        }
        return out + "</tbody></table>"
    }

    /// The grids without a usable polygon: listed with their counts, not drawn.
    var undrawnList: String {
        let undrawn = map.grids.filter { $0.polygon == nil }
        guard !undrawn.isEmpty else { return "" }
        let items = undrawn.map { grid in
            "<li data-undrawn=\"\(HTML.escape(grid.code))\">\(HTML.escape(grid.name))（\(grid.total) 件）</li>"
        }
        return "<p class=\"note\">以下网格缺少边界数据，未在图上绘制（\(undrawn.count)）：</p><ul class=\"undrawn\" id=\"map-undrawn\">"
            + items.joined() + "</ul>"
    }

    /// Demands of the period whose area is a community, street or district, or none: per area
    /// and channel.
    var unplacedTable: String {
        var out = "<h3>未落格（诉求未定位到网格）</h3>"
        let lines = map.unplaced.filter { $0.total > 0 }
        guard !lines.isEmpty else { return out + "<p class=\"empty\" id=\"map-unplaced\">考核期内所有诉求均已落格</p>" }
        out += "<table class=\"compact\" id=\"map-unplaced\"><thead><tr><th>区域</th><th>层级</th>\(channelHeads)</tr></thead><tbody>"
        for line in lines {
            let level = line.area.flatMap { names.areas[$0] }.map { Self.levelName($0.level) } ?? (line.area == nil ? "无区域" : "未知")
            let label = line.area.map { names.areas[$0] != nil ? areaName($0) : HTML.escape(line.name ?? $0) } ?? "未定位"
            out +=
                "<tr data-unplaced=\"\(HTML.escape(line.area ?? "none"))\"><td>\(label)</td><td>\(level)</td>"
                + channelCells(line.counts) + "</tr>"
        }
        return out + "</tbody></table>"
    }
}
