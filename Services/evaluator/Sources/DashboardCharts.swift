import Foundation
import WhistleDomain

/// The dashboard's colours and its trend picture (inline SVG); the map is `DashboardMapView`.
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
