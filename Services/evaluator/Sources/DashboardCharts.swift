import Foundation
import WhistleDomain

/// The dashboard's two pictures, as inline SVG: the grid heat map and the daily trend by channel.
enum DashboardCharts {
    static let channels: [(code: String, name: String, color: String)] = [
        ("12345", "12345热线", "#2563eb"), ("hotline", "部门热线", "#16a34a"), ("grid", "网格上报", "#ea580c"),
        ("petition", "信访", "#9333ea"),
    ]

    /// A colour from pale to deep red for `count` of `maximum` (grey for none).
    static func heat(_ count: Int, maximum: Int) -> String {
        guard count > 0, maximum > 0 else { return "#eef2f6" }
        let t = min(1, Double(count) / Double(maximum))
        let from = (254.0, 240.0, 217.0), to = (179.0, 0.0, 0.0)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * t).rounded()) }
        return String(format: "#%02x%02x%02x", mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
    }

    /// The grids as polygons coloured by demand count, each labelled with its count.
    static func heatMap(_ grids: [DashboardData.Grid], width: Double = 560, maxHeight: Double = 620) -> String {
        let points = grids.flatMap(\.polygon).filter { $0.count == 2 }
        guard let minLat = points.map({ $0[0] }).min(), let maxLat = points.map({ $0[0] }).max(),
            let minLon = points.map({ $0[1] }).min(), let maxLon = points.map({ $0[1] }).max(), maxLat > minLat, maxLon > minLon
        else { return "<p class=\"empty\">没有网格几何数据</p>" }
        let lonScale = cos((minLat + maxLat) / 2 * .pi / 180)
        let spanX = (maxLon - minLon) * lonScale, spanY = maxLat - minLat
        let pad = 8.0
        let scale = min((width - 2 * pad) / spanX, (maxHeight - 2 * pad) / spanY)
        let height = spanY * scale + 2 * pad
        func x(_ lon: Double) -> Double { pad + (lon - minLon) * lonScale * scale }
        func y(_ lat: Double) -> Double { pad + (maxLat - lat) * scale }
        let maximum = grids.map(\.count).max() ?? 0
        var svg =
            "<svg class=\"heatmap\" role=\"img\" aria-label=\"网格诉求热力图\" viewBox=\"0 0 \(Int(width)) \(Int(height.rounded()))\" width=\"\(Int(width))\" height=\"\(Int(height.rounded()))\">"
        for grid in grids where grid.polygon.count >= 3 {
            let corners = grid.polygon.filter { $0.count == 2 }
            let path = corners.map { String(format: "%.1f,%.1f", x($0[1]), y($0[0])) }.joined(separator: " ")
            let cx = corners.map { x($0[1]) }.reduce(0, +) / Double(corners.count)
            let cy = corners.map { y($0[0]) }.reduce(0, +) / Double(corners.count)
            svg += "<g class=\"grid\" data-grid=\"\(HTML.escape(grid.code))\" data-count=\"\(grid.count)\">"
            svg += "<title>\(HTML.escape(grid.name))：\(grid.count) 件</title>"
            svg += "<polygon points=\"\(path)\" fill=\"\(heat(grid.count, maximum: maximum))\" stroke=\"#94a3b8\" stroke-width=\"0.6\"/>"
            if grid.count > 0 {
                let ink = Double(grid.count) > Double(maximum) * 0.55 ? "#fff" : "#1e293b"
                svg += String(format: "<text x=\"%.1f\" y=\"%.1f\"", cx, cy + 4) + " fill=\"\(ink)\">\(grid.count)</text>"
            }
            svg += "</g>"
        }
        svg += "</svg>"
        svg += "<div class=\"legend\"><span>0</span><span class=\"ramp\"></span><span>\(maximum) 件</span></div>"
        return svg
    }

    /// One line per channel over `days`, with a legend and the day labels.
    static func trend(days: [LocalDate], counts: [LocalDate: [String: Int]], width: Double = 560, height: Double = 220) -> String {
        let maximum = max(1, days.flatMap { day in channels.map { counts[day]?[$0.code] ?? 0 } }.max() ?? 1)
        let left = 36.0, right = 10.0, top = 10.0, bottom = 28.0
        let plotW = width - left - right, plotH = height - top - bottom
        func x(_ index: Int) -> Double { left + (days.count > 1 ? Double(index) * plotW / Double(days.count - 1) : plotW / 2) }
        func y(_ value: Int) -> Double { top + plotH - Double(value) / Double(maximum) * plotH }
        var svg =
            "<div><svg class=\"trend\" role=\"img\" aria-label=\"每日诉求趋势\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
        svg += String(
            format: "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#cbd5e1\"/>", left, top + plotH, left + plotW,
            top + plotH)
        svg += String(
            format: "<text x=\"4\" y=\"%.0f\" class=\"axis\">%d</text><text x=\"4\" y=\"%.0f\" class=\"axis\">0</text>", top + 8, maximum,
            top + plotH)
        for (index, day) in days.enumerated() where (days.count - 1 - index) % 2 == 0 {
            let anchor = index == days.count - 1 ? "end" : index == 0 ? "start" : "middle"
            svg +=
                String(format: "<text x=\"%.1f\" y=\"%.0f\" class=\"axis\"", x(index), height - 8)
                + " text-anchor=\"\(anchor)\">" + String(format: "%02d-%02d</text>", day.month, day.day)
        }
        for channel in channels {
            let points = days.enumerated().map { String(format: "%.1f,%.1f", x($0.offset), y(counts[$0.element]?[channel.code] ?? 0)) }
            svg +=
                "<polyline class=\"series\" data-channel=\"\(channel.code)\" fill=\"none\" stroke=\"\(channel.color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
        }
        svg += "</svg><div class=\"legend\">"
        for channel in channels {
            svg += "<span class=\"key\"><i style=\"background:\(channel.color)\"></i>\(channel.name)</span>"
        }
        return svg + "</div></div>"
    }
}

/// HTML text escaping.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
