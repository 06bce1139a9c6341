import Foundation
import Testing
import WhistleDomain

@testable import EvaluatorService

/// The dashboard's map without a server: the projection, the positions, the counts of every
/// channel in the titles and tables, the hotspot marks, the 未落格 table, the grids without a
/// polygon, escaping and the absence of script.
@Suite("Dashboard map")
struct DashboardMapTests {
    /// A grid of the seed's size (0.0036° × 0.004°, about 400 m square at 25° N) with its SW corner here.
    static func cell(_ lat: Double, _ lon: Double) -> [[Double]] {
        [[lat, lon], [lat, lon + 0.004], [lat + 0.0036, lon + 0.004], [lat + 0.0036, lon]]
    }

    static let hostile = #"<script>alert("x")</script>网格"#

    /// District D → streets S1, S2 → communities M1 (2 × 2 grids), M2 (one grid east, one without polygon).
    static let names = ReferenceData(
        areas: [
            Area(code: "D", name: "西山区", level: .district, parent: nil),
            Area(code: "S1", name: "青石街道", level: .street, parent: "D"),
            Area(code: "S2", name: "枫林街道", level: .street, parent: "D"),
            Area(code: "M1", name: "石桥社区", level: .community, parent: "S1"),
            Area(code: "M2", name: "枫湾社区", level: .community, parent: "S2"),
            Area(code: "G-NW", name: "西北网格", level: .grid, parent: "M1"), Area(code: "G-NE", name: hostile, level: .grid, parent: "M1"),
            Area(code: "G-SW", name: "西南网格", level: .grid, parent: "M1"), Area(code: "G-SE", name: "东南网格", level: .grid, parent: "M1"),
            Area(code: "G-E", name: "东边网格", level: .grid, parent: "M2"), Area(code: "G-X", name: "无边界网格", level: .grid, parent: "M2"),
        ], departments: [], categories: [Category(code: "SRHJ-ZDJY", name: "占道经营"), Category(code: "ZAXF-XFTD", name: "消防通道")],
        rules: [])

    static var map: DashboardMap {
        var map = DashboardMap()
        map.grids = [
            .init(
                code: "G-NW", name: "西北网格", polygon: cell(25.0036, 102.700), counts: ["12345": 3, "hotline": 1, "grid": 2, "petition": 1]),
            .init(code: "G-NE", name: hostile, polygon: cell(25.0036, 102.704), counts: ["grid": 1]),
            .init(code: "G-SW", name: "西南网格", polygon: cell(25.0, 102.700), counts: [:]),
            .init(code: "G-SE", name: "东南网格", polygon: cell(25.0, 102.704), counts: ["12345": 9, "whistle": 1]),
            .init(code: "G-E", name: "东边网格", polygon: cell(25.0, 102.708), counts: [:]),
            .init(code: "G-X", name: "无边界网格", polygon: nil, counts: ["hotline": 4]),
        ]
        map.unplaced = [
            .init(area: "M1", name: "石桥社区", counts: ["12345": 5, "petition": 2]), .init(area: nil, name: nil, counts: ["hotline": 2]),
        ]
        map.alerts = [
            .init(area: "G-SE", category: "SRHJ-ZDJY", count: 9, detectedAt: Date()),
            .init(area: "M2", category: "ZAXF-XFTD", count: 6, detectedAt: Date()),
            .init(area: "G-X", category: "SRHJ-ZDJY", count: 5, detectedAt: Date()),
            .init(area: "D", category: "ZAXF-XFTD", count: 8, detectedAt: Date()),
        ]
        return map
    }

    static let html = DashboardMapView(map: map, names: names).html

    /// The corners of a grid's polygon as drawn.
    static func corners(_ code: String, in html: String = html) -> [(x: Double, y: Double)] {
        guard let grid = html.range(of: "data-grid=\"\(code)\""), let points = html[grid.upperBound...].range(of: "points=\""),
            let end = html[points.upperBound...].firstIndex(of: "\"")
        else { return [] }
        return html[points.upperBound..<end].split(separator: " ").compactMap { pair in
            let xy = pair.split(separator: ",").compactMap { Double($0) }
            return xy.count == 2 ? (xy[0], xy[1]) : nil
        }
    }

    static func size(_ corners: [(x: Double, y: Double)]) -> (width: Double, height: Double) {
        let xs = corners.map(\.x), ys = corners.map(\.y)
        return ((xs.max() ?? 0) - (xs.min() ?? 0), (ys.max() ?? 0) - (ys.min() ?? 0))
    }

    @Test("the projection keeps shapes: a ground square looks square; equal degrees are cos(latitude) as wide as high")
    func projection() throws {
        let degrees = [[25.0, 102.7], [25.0, 102.71], [25.01, 102.71], [25.01, 102.7]]
        let flat = try #require(MapProjection(fitting: [degrees], width: 400, maxHeight: 400, pad: 0))
        let ratio = (flat.x(102.71) - flat.x(102.7)) / (flat.y(25.0) - flat.y(25.01))
        #expect(abs(ratio - cos(25.005 * .pi / 180)) < 1e-9, "\(ratio)")
        let east = 0.01 / cos(25.005 * .pi / 180)
        let ground = [[25.0, 102.7], [25.0, 102.7 + east], [25.01, 102.7 + east], [25.01, 102.7]]
        let square = try #require(MapProjection(fitting: [ground], width: 400, maxHeight: 300, pad: 0))
        #expect(abs((square.x(102.7 + east) - square.x(102.7)) / (square.y(25.0) - square.y(25.01)) - 1) < 1e-9)
        #expect(square.width == 300 && square.height == 300, "the aspect ratio holds; the smaller side limits the scale")
        #expect(MapProjection(fitting: [[[25.0, 102.7], [25.0, 102.7], [25.0, 102.7]]], width: 400, maxHeight: 400) == nil)
        #expect(MapProjection(fitting: [], width: 400, maxHeight: 400) == nil)
    }

    @Test("grids are drawn in place: north above south, east right of west, the bounding box of all of them filling the picture")
    func positions() throws {
        let nw = Self.corners("G-NW"), sw = Self.corners("G-SW"), se = Self.corners("G-SE"), east = Self.corners("G-E")
        #expect(nw.count == 4 && sw.count == 4 && se.count == 4 && east.count == 4)
        #expect((nw.map(\.y).max() ?? 0) <= (sw.map(\.y).min() ?? 0) + 0.11, "the northern grid is above the southern")
        #expect((sw.map(\.x).max() ?? 0) <= (se.map(\.x).min() ?? 0) + 0.11, "the eastern grid is right of the western")
        #expect((east.map(\.x).max() ?? 0) > (se.map(\.x).max() ?? 0))
        let (w, h) = Self.size(se)
        #expect(abs(w / h - 0.004 * cos(25.0036 * .pi / 180) / 0.0036) < 0.02, "a seed grid keeps its proportions: \(w) × \(h)")
        // Three grids wide, two high: 560 wide, the height in proportion (plus the 10 px margins).
        let height = (0.0072 / (0.012 * cos(25.0036 * .pi / 180))) * 540 + 20
        #expect(Self.html.contains("viewBox=\"0 0 560 \(Int(height.rounded()))\""), "\(height)")
        #expect(!Self.html.contains("data-grid=\"G-X\""), "a grid without a polygon is not drawn")
    }

    @Test("each grid's title names it, its community and street, and counts every channel; the busiest table has a column per channel")
    func counts() {
        #expect(Self.html.contains("data-grid=\"G-NW\" data-count=\"7\""))
        #expect(Self.html.contains("<title>西北网格（石桥社区 · 青石街道）：共 7 件\n12345热线 3\n部门热线 1\n网格上报 2\n信访 1\n吹哨 0</title>"))
        #expect(Self.html.contains("<th>12345热线</th><th>部门热线</th><th>网格上报</th><th>信访</th><th>吹哨</th><th>合计</th>"))
        #expect(
            EvaluatorDashboardRows.cells("data-map-grid=\"G-SE\"", in: Self.html) == ["东南网格", "石桥社区 · 青石街道", "9", "0", "0", "0", "1", "10"])
        #expect(
            EvaluatorDashboardRows.cells("data-map-grid=\"G-NW\"", in: Self.html) == ["西北网格", "石桥社区 · 青石街道", "3", "1", "2", "1", "0", "7"])
        #expect(!Self.html.contains("data-map-grid=\"G-SW\""), "a grid without demands is not among the busiest")
        #expect(Self.html.contains(">10</text>") && Self.html.contains(">7</text>"))
        // Without whistles there is no whistle column.
        var quiet = Self.map
        quiet.grids = quiet.grids.map { grid in
            var grid = grid
            grid.counts["whistle"] = nil
            return grid
        }
        #expect(!DashboardMapView(map: quiet, names: Self.names).html.contains("<th>吹哨</th>"))
    }

    @Test("communities and streets are outlined by their outer ring, named on hover")
    func outlines() throws {
        let html = Self.html
        let community = try #require(html.range(of: "data-community=\"M1\""))
        let d = try #require(html[community.upperBound...].range(of: " d=\""))
        let path = html[d.upperBound...].prefix { $0 != "\"" }
        #expect(path.components(separatedBy: "M").count - 1 == 8, "a 2 × 2 block's ring is 8 edges: \(path)")
        #expect(html.contains("data-community=\"M1\"><title>石桥社区（青石街道）</title>"))
        #expect(html.contains("data-street=\"S1\"><title>青石街道（西山区）</title>") && html.contains("data-street=\"S2\""))
        #expect(MapOutline.ring([Self.cell(25, 102.7)]).count == 4)
        #expect(MapOutline.ring([Self.cell(25, 102.7), Self.cell(25, 102.704)]).count == 6, "the shared edge is inside")
    }

    @Test("hotspot alerts are hatched and marked on their grid or ringed on their community, and listed with category and count")
    func hotspots() {
        let html = Self.html
        #expect(html.contains("<g class=\"hotspot\" data-hotspot=\"G-SE\"><polygon") && html.contains("fill=\"url(#map-hatch)\""))
        #expect(html.contains("<title>热点预警：东南网格：占道经营 9 件</title><circle"))
        #expect(html.contains("<g class=\"hotspot\" data-hotspot=\"M2\"><path") && html.contains("stroke-dasharray"))
        #expect(html.contains("data-hotspot-area=\"G-SE\" data-hotspot-category=\"SRHJ-ZDJY\"><b>东南网格</b> · 占道经营 · 9 件</li>"))
        #expect(html.contains("<b>枫湾社区</b>（社区） · 消防通道 · 6 件</li>"))
        #expect(html.contains("<b>无边界网格</b> · 占道经营 · 5 件 · 未在图上</li>"), "an alert on an undrawn grid is still listed")
        #expect(!html.contains("data-hotspot=\"G-X\""))
        #expect(
            html.contains("<b>西山区</b>（区） · 消防通道 · 8 件 · 未在图上</li>") && !html.contains("data-hotspot=\"D\""),
            "an alert on the district (calls placed nowhere closer) is listed, not drawn round everything")
        var calm = Self.map
        calm.alerts = []
        #expect(DashboardMapView(map: calm, names: Self.names).html.contains("当前窗口内没有热点预警"))
    }

    @Test("demands above the grids or nowhere are counted per area and channel in 未落格; undrawn grids are listed")
    func unplaced() {
        let html = Self.html
        #expect(EvaluatorDashboardRows.cells("data-unplaced=\"M1\"", in: html) == ["石桥社区", "社区", "5", "0", "0", "2", "0", "7"])
        #expect(EvaluatorDashboardRows.cells("data-unplaced=\"none\"", in: html) == ["未定位", "无区域", "0", "2", "0", "0", "0", "2"])
        #expect(html.contains("<li data-undrawn=\"G-X\">无边界网格（4 件）</li>"))
        var none = Self.map
        none.unplaced = []
        #expect(DashboardMapView(map: none, names: Self.names).html.contains("考核期内所有诉求均已落格"))
        var bare = Self.map
        bare.grids = bare.grids.map { grid in
            var grid = grid
            grid.polygon = nil
            return grid
        }
        let undrawn = DashboardMapView(map: bare, names: Self.names).html
        #expect(undrawn.contains("没有网格几何数据") && undrawn.contains("data-undrawn=\"G-NW\"") && !undrawn.contains("<svg"))
    }

    @Test("a hostile grid name is escaped everywhere; the page carries no script")
    func escaping() throws {
        let html = Self.html
        #expect(!html.contains("<script") && !html.contains(Self.hostile))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;网格（石桥社区 · 青石街道）：共 1 件"))
        let policy = AccessPolicy(principal: Principal(subject: "audit", department: nil, role: .auditor), reference: Self.names)
        let day = try #require(LocalDate(iso: "2026-11-20"))
        var data = DashboardData(now: Date(), report: ScoreReport(from: day, to: day, weights: .default, totals: []))
        data.map = Self.map
        let page = DashboardPage(
            data: data, names: Self.names, timeZone: try #require(TimeZone(identifier: "UTC")), hotspotHours: 24, policy: policy
        ).html
        #expect(page.contains("<svg class=\"map\"") && page.contains("id=\"map-unplaced\"") && page.contains("id=\"map-hotspots\""))
        #expect(!page.lowercased().contains("<script") && !page.contains(Self.hostile))
        #expect(!page.lowercased().contains("http://") && !page.lowercased().contains("https://"), "nothing fetched from elsewhere")
    }

    @Test("a polygon is a list of at least three [lat, lon] pairs, else the grid is listed, not drawn")
    func polygons() {
        #expect(DashboardMap.polygon("[[25.0, 102.7], [25.0, 102.8], [25.1, 102.8]]")?.count == 3)
        for bad in [
            nil, "", "null", "{}", "[[25.0, 102.7], [25.0, 102.8]]", "[[25.0], [25.0, 102.8], [25.1, 102.8]]", "[[95, 1], [1, 1], [1, 2]]",
        ] {
            #expect(DashboardMap.polygon(bad) == nil, "\(bad ?? "nil")")
        }
    }
}

/// The cells of a table row, tags stripped (the unit tests' twin of `EvaluatorDashboardCheck.cells`).
enum EvaluatorDashboardRows {
    static func cells(_ marker: String, in html: String) -> [String] {
        guard let start = html.range(of: marker), let end = html[start.upperBound...].range(of: "</tr>") else { return [] }
        return html[start.upperBound..<end.lowerBound].components(separatedBy: "<td").dropFirst().compactMap { cell in
            guard let open = cell.firstIndex(of: ">"), let close = cell.range(of: "</td>") else { return nil }
            return String(cell[cell.index(after: open)..<close.lowerBound]).replacingOccurrences(
                of: #"<[^>]+>"#, with: "", options: .regularExpression)
        }
    }
}
