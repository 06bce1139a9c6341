import Foundation
import Testing
import WhistleMessages

/// End to end: hotspots (DESIGN "Hotspots") and the read API's lists, errors and export.
@Suite("Evaluator hotspots and read API", .serialized)
struct EvaluatorHotspotTests {
    static let t0 = "2026-11-16T09:00:00+08:00"
    static let categories = ["SRHJ-ZDJY", "SZSS-DLPS", "STHJ-ZSRM", "ZAXF-XFTD", "JTCX-GXDC", "SCJG-SPAQ"]

    static func report(_ id: String, grid: String, category: String, text: String) -> (routingKey: String, body: [UInt8], messageId: String)
    {
        let body: [String: Any] = [
            "external_id": id, "submitted_at": t0, "content": text, "category": category,
            "location": ["grid": grid, "address": "网格巡查点"], "reporter": ["id": "GW-\(grid)"],
        ]
        return ("demand.grid", Fixtures.json(body), id)
    }

    static func grids() throws -> [String] {
        let yaml = try String(contentsOfFile: FlowHarness.seedFolder + "/areas.yaml", encoding: .utf8)
        return yaml.matches(of: /code: (G-[A-Z0-9-]+)/).map { String($0.output.1) }
    }

    /// Publishes and waits until evaluator has counted every outcome.
    static func publish(_ flow: FlowHarness, _ messages: [(routingKey: String, body: [UInt8], messageId: String)]) async throws {
        try await flow.adapter.publish(messages)
        let outcomes = try await flow.events.waitFor("\(messages.count) outcomes") { all in
            let seen = Set(all.compactMap(\.sourceMessageId))
            return messages.allSatisfy { seen.contains($0.messageId) }
        }
        let ids = Set(messages.map(\.messageId))
        for event in outcomes where ids.contains(event.sourceMessageId ?? "") {
            try await EvaluatorFeed.waitApplied(flow.sandbox, try #require(event["event_id"] as? String))
        }
    }

    @Test(
        "ordinary traffic raises no hotspot; 40 demands of one category in one grid raise exactly one, once per window, against the baseline"
    )
    func hotspots() async throws {
        try await FlowHarness.run("evaluator-hotspots", start: Self.t0) { flow in
            let base = "http://127.0.0.1:\(flow.port("evaluator"))"
            // Ordinary traffic: one report in every grid, categories in turn.
            let grids = try Self.grids()
            #expect(grids.count == 60)
            try await Self.publish(
                flow,
                grids.enumerated().map { index, grid in
                    Self.report(
                        "HOT-ORD-\(index)", grid: grid, category: Self.categories[index % Self.categories.count],
                        text: "日常巡查第\(index)号：\(grid)发现问题一处，已登记")
                })
            #expect(flow.events.of(.hotspotDetected).isEmpty, "ordinary traffic")
            let (_, quiet) = try await HTTP.json("\(base)/v1/hotspots?window=24h")
            #expect(((quiet as? [String: Any])?["hotspots"] as? [Any])?.isEmpty == true)

            // A burst: 40 reports of street vending in one grid within minutes.
            try flow.setClock("2026-11-16T09:20:00+08:00")
            try await Self.publish(
                flow,
                (0..<40).map { index in
                    Self.report(
                        "HOT-BURST-\(index)", grid: "G-QS-SQ-03", category: "SRHJ-ZDJY",
                        text: "石桥社区菜市场门口流动摊贩占道经营，第\(index + 1)次上报，行人无法通行")
                })
            let alert = try await flow.events.waitFor("hotspot.detected") { $0.contains { $0["type"] as? String == "hotspot.detected" } }
                .first { $0["type"] as? String == "hotspot.detected" }
            let data = try #require(alert?.data)
            #expect(data["area"] as? String == "G-QS-SQ-03" && data["category"] as? String == "SRHJ-ZDJY")
            #expect(data["window"] as? String == "24h" && (data["baseline"] as? Double) == 0 && (data["threshold"] as? Double) == 5)
            #expect(((data["count"] as? Int) ?? 0) >= 5 && ((data["count"] as? Int) ?? 99) <= 40)
            #expect(alert?["ticket_no"] is NSNull)

            // The district command center hears it (notifier), in words.
            let notified = try await Self.waitForRow(
                flow, "SELECT count(*) FROM notifications WHERE template = 'supervisor_hotspot' AND recipient = 'XS-ZHZX'")
            #expect(notified == 1)

            // Ten more two hours later: the same window, no second alert.
            try flow.setClock("2026-11-16T11:20:00+08:00")
            try await Self.publish(
                flow,
                (40..<50).map { index in
                    Self.report("HOT-BURST-\(index)", grid: "G-QS-SQ-03", category: "SRHJ-ZDJY", text: "菜市场门口摊贩又出摊了，第\(index + 1)次上报")
                })
            let (status, listed) = try await HTTP.json("\(base)/v1/hotspots?window=24h")
            #expect(status == 200)
            let hotspots = ((listed as? [String: Any])?["hotspots"] as? [[String: Any]]) ?? []
            #expect(hotspots.count == 1)
            #expect(hotspots.first?["area"] as? String == "G-QS-SQ-03" && hotspots.first?["count"] as? Int == 50)
            #expect(hotspots.first?["category_name"] as? String == "占道经营" && hotspots.first?["baseline"] as? Double == 0)
            let (_, lastHour) = try await HTTP.json("\(base)/v1/hotspots?window=1h")
            #expect((((lastHour as? [String: Any])?["hotspots"] as? [[String: Any]])?.first?["count"] as? Int) == 10)
            // The dashboard's map hatches and marks the grid and lists the alert with its category and count.
            let map = try await Self.dashboard(base)
            #expect(map.contains("<g class=\"hotspot\" data-hotspot=\"G-QS-SQ-03\"><polygon"))
            #expect(map.contains("data-hotspot-category=\"SRHJ-ZDJY\"><b>石桥社区第3网格</b> · 占道经营 · 50 件</li>"))

            // The next day the same street has a baseline: 20 in the window is within mean + 3σ.
            try flow.setClock("2026-11-17T10:20:00+08:00")
            try await Self.publish(
                flow,
                (50..<60).map { index in
                    Self.report("HOT-BURST-\(index)", grid: "G-QS-SQ-03", category: "SRHJ-ZDJY", text: "次日菜市场门口仍有摊贩，第\(index + 1)次上报")
                })
            #expect(flow.events.of(.hotspotDetected).count == 1, "exactly one hotspot.detected")
            #expect(try await flow.sandbox.count("SELECT count(*) FROM hotspot_alerts") == 1)
            let (_, nextDay) = try await HTTP.json("\(base)/v1/hotspots")
            #expect(((nextDay as? [String: Any])?["hotspots"] as? [Any])?.isEmpty == true)
            let calm = try await Self.dashboard(base)
            #expect(!calm.contains("data-hotspot=") && calm.contains("当前窗口内没有热点预警"), "yesterday's alert has left the window")

            try await Self.readAPI(flow, base)
        }
    }

    /// The dashboard's HTML as the city command center sees it.
    static func dashboard(_ base: String) async throws -> String {
        let (status, page) = try await HTTP.get(base + "/")
        #expect(status == 200)
        return String(decoding: page, as: UTF8.self)
    }

    static func waitForRow(_ flow: FlowHarness, _ sql: String) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let count = try await flow.sandbox.count(sql)
            if count > 0 { return count }
            try await Task.sleep(for: .milliseconds(100))
        }
        return 0
    }
}
