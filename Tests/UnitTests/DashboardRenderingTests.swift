import Foundation
import Testing
import WhistleDomain

@testable import EvaluatorService

/// The dashboard's pieces that need no server: escaping, the heat colours, the map's geometry.
@Suite("Dashboard rendering")
struct DashboardRenderingTests {
    @Test("text from reference data is escaped before it reaches the page")
    func escaping() {
        #expect(HTML.escape(#"<script>alert("x")</script> & 'y'"#) == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;")
        #expect(HTML.escape("石桥社区第1网格") == "石桥社区第1网格")
    }

    @Test("no demands is grey; the colour deepens with the count and stops at the maximum")
    func heat() {
        #expect(DashboardCharts.heat(0, maximum: 10) == "#eef2f6")
        #expect(DashboardCharts.heat(10, maximum: 10) == "#b30000")
        #expect(DashboardCharts.heat(20, maximum: 10) == "#b30000")
        #expect(DashboardCharts.heat(1, maximum: 10) != DashboardCharts.heat(5, maximum: 10))
    }

    @Test("grids are drawn north up, scaled into the picture, each with its count (DashboardMapTests has the rest of the map)")
    func heatMap() {
        func square(_ lat: Double, _ lon: Double) -> [[Double]] {
            [[lat, lon], [lat, lon + 0.004], [lat + 0.0036, lon + 0.004], [lat + 0.0036, lon]]
        }
        let names = ReferenceData(areas: [], departments: [], categories: [], rules: [])
        var map = DashboardMap()
        map.grids = [
            .init(code: "G-S", name: "南<网格>", polygon: square(25.0, 102.7), counts: [:]),
            .init(code: "G-N", name: "北网格", polygon: square(25.0036, 102.7), counts: ["grid": 7]),
        ]
        let svg = DashboardMapView(map: map, names: names, width: 400).html
        #expect(svg.contains("data-grid=\"G-N\" data-count=\"7\"") && svg.contains("data-grid=\"G-S\" data-count=\"0\""))
        #expect(svg.contains("南&lt;网格&gt;") && !svg.contains("南<网格>"))
        #expect(svg.contains(">7</text>"), "a grid with demands shows its count")
        // The northern grid is drawn above the southern one.
        func firstY(_ code: String) -> Double? {
            guard let range = svg.range(of: "data-grid=\"\(code)\""), let points = svg[range.upperBound...].range(of: "points=\"") else {
                return nil
            }
            let rest = svg[points.upperBound...]
            return Double(rest.prefix { $0 != " " }.split(separator: ",").last ?? "")
        }
        #expect((firstY("G-N") ?? 0) < (firstY("G-S") ?? 0))
        #expect(DashboardMapView(map: DashboardMap(), names: names).html.contains("没有网格"))
    }

    @Test("the trend has one line per channel and labels its days")
    func trend() throws {
        let today = try #require(LocalDate(iso: "2026-11-22"))
        let days = (0..<14).map { today.adding(days: $0 - 13) }
        let svg = DashboardCharts.trend(days: days, counts: [today: ["12345": 9, "grid": 3]])
        #expect(svg.components(separatedBy: "class=\"series\"").count - 1 == 4)
        #expect(svg.contains(">11-22</text>") && svg.contains(">9</text>"))
    }
}
