import Foundation
import Testing

/// The dashboard of the scripted scenario as headless Chromium renders it: what a person sees.
enum EvaluatorDashboardCheck {
    /// The text of the first element whose opening tag contains `marker`.
    static func text(after marker: String, in dom: String) -> String? {
        guard let start = dom.range(of: marker) else { return nil }
        let rest = dom[start.upperBound...]
        guard let open = rest.firstIndex(of: ">") else { return nil }
        let body = rest[rest.index(after: open)...]
        guard let close = body.range(of: "</") else { return nil }
        return String(body[..<close.lowerBound])
    }

    /// The cells of the table row whose opening tag contains `marker`.
    static func cells(row marker: String, in dom: String) -> [String] {
        guard let start = dom.range(of: marker), let end = dom[start.upperBound...].range(of: "</tr>") else { return [] }
        let row = dom[start.upperBound..<end.lowerBound]
        return row.components(separatedBy: "<td").dropFirst().compactMap { cell in
            guard let open = cell.firstIndex(of: ">"), let close = cell.range(of: "</td>") else { return nil }
            return String(cell[cell.index(after: open)..<close.lowerBound]).replacingOccurrences(
                of: #"<[^>]+>"#, with: "", options: .regularExpression)
        }
    }

    static func verify(_ flow: FlowHarness, expected: ExpectedScores, open silent: [ScoreScenario.Ticket]) async throws {
        let url =
            "http://127.0.0.1:\(flow.port("evaluator"))/login?token=\(TestTokens.cityCommandCenter)&next=%2F%3Ffrom%3D2026-11-01%26to%3D2026-11-30"
        let dom = try await Chromium.dom(url)
        #expect(dom.contains("西山区 吹哨报到 · 考核看板"), "the title")
        #expect(text(after: "id=\"open-count\"", in: dom) == "\(silent.count)")
        #expect(text(after: "id=\"escalated-count\"", in: dom) == "\(silent.count)")
        let overdue = silent.reduce(0) { $0 + $1.assignments.count }
        #expect(text(after: "id=\"overdue-count\"", in: dom) == "\(overdue)")
        #expect(text(after: "id=\"hotspot-count\"", in: dom) == "0")

        // The scoreboard: each department that worked, with its figures as a person reads them.
        for (code, counts) in expected.departments where counts.dispatched > 0 {
            let cells = cells(row: "data-department=\"\(code)\"", in: dom)
            #expect(cells.count == 13, "\(code): \(cells)")
            guard cells.count == 13 else { continue }
            let figures = ExpectedScores.figures(counts)
            func percent(_ key: String) -> String { (figures[key] ?? nil).map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
            #expect(cells[2] == "\(counts.dispatched)", "\(code) dispatched")
            #expect(
                cells[3] == percent("response_rate") && cells[4] == percent("on_time_rate") && cells[5] == percent("resolution_rate"),
                "\(code) 三率")
            #expect(cells[6] == percent("satisfaction_rate"), "\(code) satisfaction")
            #expect(cells[9] == "\(counts.overdue)" && cells[10] == "\(counts.escalations)", "\(code) overdue, escalations")
            let composite = (figures["composite"] ?? nil).map { String(format: "%.1f", $0) } ?? "—"
            #expect(cells[12] == composite, "\(code) composite \(cells[12]) ≠ \(composite)")
        }
        // Ranked by the composite, best first.
        let ranked = dom.components(separatedBy: "<td class=\"composite\">").dropFirst().compactMap { Double($0.prefix { $0 != "<" }) }
        #expect(!ranked.isEmpty && ranked == ranked.sorted(by: >))

        // The heat map: the 20 whistling grids hold one demand each (the 12345 calls named no grid).
        let grids = dom.components(separatedBy: "<g class=\"grid\"").count - 1
        #expect(grids == 60)
        #expect(dom.components(separatedBy: "data-count=\"1\"").count - 1 == 20)
        // A map: the grids in their shapes, the 9 communities and 3 streets ringed, the busiest grids
        // by channel, no hotspot, and the 180 calls that reached no grid counted under 未落格.
        #expect(dom.contains("<svg class=\"map\"") && !dom.contains("<script"))
        #expect(dom.components(separatedBy: "class=\"community-edge\"").count - 1 == 9)
        #expect(dom.components(separatedBy: "class=\"street-edge\"").count - 1 == 3)
        #expect(dom.components(separatedBy: "<tr data-map-grid=").count - 1 == 10)
        // Ten of the 20 grids with one grid report each, the first codes first.
        #expect(cells(row: "<tr data-map-grid=\"G-FL-DP-03\"", in: dom) == ["东坡社区第3网格", "东坡社区 · 枫林街道", "0", "0", "1", "0", "1"])
        #expect(dom.contains("当前窗口内没有热点预警"))
        let unplaced = dom.components(separatedBy: "<tr data-unplaced=").dropFirst().map { cells(row: ">", in: $0) }
        #expect(unplaced.reduce(0) { $0 + (Int($1.count > 2 ? $1[2] : "") ?? 0) } == 180, "\(unplaced)")
        // The trend: Monday 16 November, 180 calls on 12345 and 20 grid reports.
        #expect(cells(row: "<tr data-channel=\"12345\"", in: dom).contains("180"))
        #expect(cells(row: "<tr data-channel=\"grid\"", in: dom).contains("20"))
        #expect(dom.contains("超期未办（\(overdue)）") && dom.contains("升级督办（\(silent.count)）"))

        let shot = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-dashboard-\(UUID().uuidString).png")
        try await Chromium.screenshot(url, to: shot)
        let png = try Data(contentsOf: shot)
        try? FileManager.default.removeItem(at: shot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 50_000, "a screenshot of \(png.count) bytes")
    }
}
