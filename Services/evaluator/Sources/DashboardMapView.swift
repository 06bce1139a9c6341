import Foundation
import WhistleDomain

/// The dashboard's map as inline SVG — no tile server, font or script: every grid of the viewer's
/// area in its real shape and place (`MapProjection`), coloured by its demands of every channel,
/// the communities' and streets' outer rings drawn heavier, the hotspot alerts hatched and
/// marked; names and per-channel counts on hover (`<title>`). The tables under it
/// (`DashboardMapView+Tables`) list the busiest grids, the grids that have no polygon, and the
/// demands that reached no grid (未落格). Every text from data is escaped.
struct DashboardMapView {
    let map: DashboardMap
    let names: ReferenceData
    var width = 560.0
    var maxHeight = 620.0

    /// Every channel the map may count, in the order shown.
    static let knownChannels: [(code: String, name: String)] =
        DashboardCharts.channels.map { ($0.code, $0.name) } + [("whistle", "吹哨")]

    /// The columns: the four demand channels always, then whistles and any other channel present.
    var columns: [(code: String, name: String)] {
        let present = Set((map.grids.map(\.counts) + map.unplaced.map(\.counts)).flatMap { $0.filter { $0.value > 0 }.keys })
        let known = Set(Self.knownChannels.map(\.code))
        return Self.knownChannels.enumerated().filter { $0.offset < 4 || present.contains($0.element.code) }.map(\.element)
            + present.subtracting(known).sorted().map { (code: $0, name: $0) }
    }

    func areaName(_ code: String?) -> String {
        guard let code else { return "未定位" }
        return HTML.escape(names.areas[code]?.name ?? code)
    }

    func categoryName(_ code: String) -> String { HTML.escape(names.categories[code]?.name ?? code) }

    /// The community and street a grid lies in, e.g. `石桥社区 · 青石街道` (escaped).
    func placeName(_ code: String) -> String {
        [names.ancestor(of: code, at: .community), names.ancestor(of: code, at: .street)].compactMap { $0 }
            .map { HTML.escape($0.name) }.joined(separator: " · ")
    }

    /// One line per column: `12345热线 3`.
    func channelLines(_ counts: [String: Int]) -> String {
        columns.map { "\n\(HTML.escape($0.name)) \(counts[$0.code] ?? 0)" }.joined()
    }

    var html: String {
        var out = svg + legend + undrawnList + busiestTable + unplacedTable
        if map.grids.isEmpty { out = "<p class=\"empty\">没有网格</p>" + unplacedTable }
        return out
    }

    var drawn: [(grid: DashboardMap.Grid, polygon: [[Double]])] {
        map.grids.compactMap { grid in grid.polygon.map { (grid, $0) } }
    }

    var svg: String {
        let drawn = drawn
        guard let projection = MapProjection(fitting: drawn.map(\.polygon), width: width, maxHeight: maxHeight) else {
            return "<p class=\"empty\">没有网格几何数据</p>"
        }
        let maximum = map.grids.map(\.total).max() ?? 0
        var svg =
            "<svg class=\"map\" role=\"img\" aria-label=\"网格诉求地图\" viewBox=\"0 0 \(Int(projection.width)) \(Int(projection.height))\""
            + " width=\"\(Int(projection.width))\" height=\"\(Int(projection.height))\">"
            + "<defs><pattern id=\"map-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">"
            + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#dc2626\" stroke-width=\"2.2\"/></pattern></defs>"
        for (grid, polygon) in drawn {
            let total = grid.total
            svg += "<g class=\"grid\" data-grid=\"\(HTML.escape(grid.code))\" data-count=\"\(total)\">"
            let place = placeName(grid.code)
            svg += "<title>\(HTML.escape(grid.name))\(place.isEmpty ? "" : "（\(place)）")：共 \(total) 件\(channelLines(grid.counts))</title>"
            svg += "<polygon points=\"\(projection.points(polygon))\" fill=\"\(DashboardCharts.heat(total, maximum: maximum))\""
            svg += " stroke=\"#94a3b8\" stroke-width=\"0.6\"/>"
            if total > 0 {
                let (x, y) = projection.centre(polygon)
                let ink = Double(total) > Double(maximum) * 0.55 ? "#fff" : "#1e293b"
                svg += String(format: "<text x=\"%.1f\" y=\"%.1f\"", x, y + 4) + " fill=\"\(ink)\">\(total)</text>"
            }
            svg += "</g>"
        }
        svg += outlines(.community, projection, stroke: "#334155", width: 2.0)
        svg += outlines(.street, projection, stroke: "#0f172a", width: 3.4)
        svg += hotspotMarks(projection)
        return svg + "</svg>"
    }

    /// The drawn grids grouped by their ancestor of `level` (code → polygons), in code order.
    func groups(_ level: Area.Level) -> [(code: String, polygons: [[[Double]]])] {
        let grouped = Dictionary(grouping: drawn) { names.ancestor(of: $0.grid.code, at: level)?.code ?? "" }
        return grouped.filter { !$0.key.isEmpty }.sorted { $0.key < $1.key }.map { ($0.key, $0.value.map(\.polygon)) }
    }

    /// The outer ring of every community or street, each titled with its name.
    func outlines(_ level: Area.Level, _ projection: MapProjection, stroke: String, width: Double) -> String {
        let kind = level == .street ? "street" : "community"
        var out = ""
        for (code, polygons) in groups(level) {
            let parent = names.areas[code]?.parent.flatMap { names.areas[$0]?.name }.map { "（\(HTML.escape($0))）" } ?? ""
            out += "<g class=\"\(kind)-edge\" data-\(kind)=\"\(HTML.escape(code))\"><title>\(areaName(code))\(parent)</title>"
            out += "<path d=\"\(MapOutline.path(MapOutline.ring(polygons), projection))\" fill=\"none\" stroke=\"\(stroke)\""
            out += String(format: " stroke-width=\"%.1f\" stroke-linecap=\"round\"/></g>", width)
        }
        return out
    }

    /// The alerts by area, in the order loaded (busiest first).
    var alertsByArea: [(area: String, alerts: [DashboardMap.Alert])] {
        var order: [String] = []
        var byArea: [String: [DashboardMap.Alert]] = [:]
        for alert in map.alerts {
            if byArea[alert.area] == nil { order.append(alert.area) }
            byArea[alert.area, default: []].append(alert)
        }
        return order.map { ($0, byArea[$0] ?? []) }
    }

    /// `类别 12 件、类别 6 件` of an area's alerts.
    func alertText(_ alerts: [DashboardMap.Alert]) -> String {
        alerts.map { "\(categoryName($0.category)) \($0.count) 件" }.joined(separator: "、")
    }

    /// The drawn polygons an alert on `area` marks: the grid's own, or the grids of a community
    /// or street; none for a grid without polygon, and none for a district or the city (demands
    /// that could not be placed closer: a ring round everything would point at nothing).
    func marked(_ area: String, _ polygons: [String: [[Double]]]) -> [[[Double]]] {
        if let polygon = polygons[area] { return [polygon] }
        guard let level = names.areas[area]?.level, level == .community || level == .street else { return [] }
        return names.subtree(of: area).compactMap { polygons[$0] }
    }

    var drawnPolygons: [String: [[Double]]] {
        Dictionary(drawn.map { ($0.grid.code, $0.polygon) }, uniquingKeysWith: { first, _ in first })
    }

    /// Each alert's area: a grid hatched and outlined in red, or a community or street whose
    /// grids are drawn ringed in red; a marker (a red dot with `!`) carries the title.
    func hotspotMarks(_ projection: MapProjection) -> String {
        let polygons = drawnPolygons
        var out = ""
        for (area, alerts) in alertsByArea {
            let shapes = marked(area, polygons)
            guard !shapes.isEmpty else { continue }
            out += "<g class=\"hotspot\" data-hotspot=\"\(HTML.escape(area))\">"
            if polygons[area] != nil {
                out += "<polygon points=\"\(projection.points(shapes[0]))\" fill=\"url(#map-hatch)\" fill-opacity=\"0.55\""
                out += " stroke=\"#dc2626\" stroke-width=\"2.4\" pointer-events=\"none\"/>"
            } else {
                out += "<path d=\"\(MapOutline.path(MapOutline.ring(shapes), projection))\" fill=\"none\" stroke=\"#dc2626\""
                out += " stroke-width=\"2.4\" stroke-dasharray=\"6 3\" pointer-events=\"none\"/>"
            }
            let xs = shapes.joined().map { projection.x($0[1]) }, ys = shapes.joined().map { projection.y($0[0]) }
            let x = ((xs.min() ?? 0) + (xs.max() ?? 0)) / 2 + 8, y = (ys.min() ?? 0) + 8
            out += "<g class=\"hotspot-marker\"><title>热点预警：\(areaName(area))：\(alertText(alerts))</title>"
            out += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"#dc2626\" stroke=\"#fff\" stroke-width=\"1.5\"/>", x, y)
            out += String(format: "<text x=\"%.1f\" y=\"%.1f\" fill=\"#fff\" font-weight=\"bold\">!</text></g></g>", x, y + 3.5)
        }
        return out
    }

    /// The colour ramp, the line keys and the list of hotspot alerts.
    var legend: String {
        let maximum = map.grids.map(\.total).max() ?? 0
        var out = "<div class=\"legend\"><span>0</span><span class=\"ramp\"></span><span>\(maximum) 件</span>"
        out += "<span class=\"key\"><i class=\"line-community\"></i>社区界</span><span class=\"key\"><i class=\"line-street\"></i>街道界</span>"
        out += "<span class=\"key\"><i class=\"hatch\"></i>热点预警</span></div>"
        guard !map.alerts.isEmpty else { return out + "<p class=\"empty\" id=\"map-hotspots\">当前窗口内没有热点预警</p>" }
        let polygons = drawnPolygons
        out += "<ul class=\"map-hotspots\" id=\"map-hotspots\">"
        for alert in map.alerts {
            let onMap = !marked(alert.area, polygons).isEmpty
            let level = names.areas[alert.area].map { $0.level == .grid ? "" : "（\(Self.levelName($0.level))）" } ?? ""
            out +=
                "<li data-hotspot-area=\"\(HTML.escape(alert.area))\" data-hotspot-category=\"\(HTML.escape(alert.category))\">"
                + "<b>\(areaName(alert.area))</b>\(level) · \(categoryName(alert.category)) · \(alert.count) 件"
                + (onMap ? "" : " · 未在图上") + "</li>"
        }
        return out + "</ul>"
    }

    static func levelName(_ level: Area.Level) -> String {
        switch level {
        case .grid: "网格"
        case .community: "社区"
        case .street: "街道"
        case .district: "区"
        case .city: "市"
        }
    }
}
