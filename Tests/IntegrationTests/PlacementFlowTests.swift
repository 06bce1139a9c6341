import Foundation
import Testing
import WhistleMessages

/// End to end, the four services running: intake places every demand in the area tree (issue 16),
/// so that routing, merging and hotspots work for calls as they do for grid reports.
@Suite(.serialized) struct PlacementFlowTests {
    static let start = "2026-11-18T10:00:00+08:00"

    static func call(_ external: String, _ content: String, _ extra: [String: Any]) -> [String: Any] {
        var body: [String: Any] = [
            "external_id": external, "submitted_at": start, "content": content, "reporter": ["name": "李四", "phone": "13900001111"],
        ]
        for (key, value) in extra { body[key] = value }
        return body
    }

    static func placement(_ event: [String: Any]) -> [String: Any] { event.data["placement"] as? [String: Any] ?? [:] }

    @Test("a call with coordinates only is placed in its grid, routed by that grid's rule and merged with the grid's report")
    func coordinatesPlaceRouteAndMerge() async throws {
        try await FlowHarness.run("placement-points", start: Self.start) { flow in
            // Inside 望江社区第2网格 (G-GL-WJ-02), whose rule for manhole covers is 城管 + 水务 + the community.
            let call = try await flow.publish(
                .twelve345,
                Self.call("12345-P-1", "望江大道井盖松动，车辆经过哐哐响", ["category": "SZSS-JGPS", "location": ["lat": 24.9915, "lon": 102.7030]]))
            #expect(call["type"] as? String == "ticket.accepted")
            #expect(call.data["area"] as? String == "G-GL-WJ-02")
            #expect(Self.placement(call)["method"] as? String == "coordinates")
            #expect(Self.placement(call)["confidence"] as? Double == 1)
            let ticketNo = try #require(call["ticket_no"] as? String)
            let round = try await flow.event(.ticketDispatched, ticket: ticketNo)
            let departments = ((round.data["assignments"] as? [[String: Any]]) ?? []).compactMap { $0["department"] as? String }
            #expect(departments == ["XS-CGJ", "XS-SWJ", "GL-WJ-JWH"], "the grid's own rule, not the district default")

            // The grid worker reports the same matter with the grid code and no coordinates: one ticket.
            let report = try await flow.publish(
                .grid,
                [
                    "external_id": "GRID-P-1", "submitted_at": Self.start, "content": "望江大道井盖松动，车辆经过响声很大",
                    "category": "SZSS-JGPS", "location": ["grid": "G-GL-WJ-02"], "reporter": ["id": "GW-GL-WJ-02"],
                ])
            #expect(report["type"] as? String == "ticket.merged")
            #expect(report["ticket_no"] as? String == ticketNo)

            // A call that nothing places keeps the district and says so; the district's default rule routes it.
            let unplaced = try await flow.publish(
                .hotline,
                Self.call("12369-P-1", "楼下KTV凌晨两点还在唱歌，噪声扰民严重", ["line": "12369", "category": "STHJ-ZSRM", "urgency": "urgent"]))
            #expect(unplaced.data["area"] as? String == "D-XS")
            #expect(Self.placement(unplaced)["method"] as? String == "district")
            #expect(Self.placement(unplaced)["confidence"] as? Double == 0)
            let unplacedNo = try #require(unplaced["ticket_no"] as? String)
            let unplacedRound = try await flow.event(.ticketDispatched, ticket: unplacedNo)
            let unplacedDepartments = ((unplacedRound.data["assignments"] as? [[String: Any]]) ?? []).compactMap {
                $0["department"] as? String
            }
            #expect(unplacedDepartments == ["XS-GA", "XS-CGJ"])

            // An address alone: the gazetteer places a building number on 石桥路 in its grid, an estate in its grid,
            // a community's name in the community; an address it does not know keeps the district.
            let addresses: [(String, String, String, String)] = [
                ("云城市西山区青石街道石桥路９６号单元门口", "G-QS-SQ-05", "石桥路", "地下水管爆了，水一直往外冒"),
                ("西山区枫林街道 东坡水岸小区 5栋2单元", "G-FL-DP-06", "东坡水岸", "电梯这周已经困了两次人"),
                ("云城市西山区观澜街道渔港社区", "M-GL-YG", "渔港社区", "养老服务站一直锁着门"),
                ("西山区靠近河边的一条路", "D-XS", "", "夜里渣土车经过噪声很大"),
            ]
            for (index, item) in addresses.enumerated() {
                let placed = try await flow.publish(
                    .twelve345, Self.call("12345-ADDR-\(index)", item.3, ["location": ["address": item.0]]))
                let how = Self.placement(placed)
                if item.1 == "D-XS" {
                    #expect(placed.data["area"] as? String == "D-XS")
                    #expect(how["method"] as? String == "district")
                    continue
                }
                #expect(how["method"] as? String == "address", "\(item.0)")
                #expect((how["matched"] as? String ?? "").hasPrefix(item.2), "\(how)")
                #expect((how["confidence"] as? Double ?? 0) > 0, "\(how)")
                if !item.1.isEmpty { #expect(placed.data["area"] as? String == item.1, "\(item.0)") }
                #expect(!placed.description.contains(item.0), "the event carries the matched entry, never the caller's address")
            }

            // Coordinates outside every grid: not placed by them.
            let outside = try await flow.publish(
                .twelve345, Self.call("12345-P-2", "城外高速路口有落石", ["category": "SZSS-JGPS", "location": ["lat": 31.2, "lon": 121.5]]))
            #expect(outside.data["area"] as? String == "D-XS")
            #expect(Self.placement(outside)["method"] as? String == "district")
        }
    }

    @Test("calls alone, with coordinates and no grid code, raise a hotspot on their grid")
    func callsAloneRaiseAHotspot() async throws {
        try await FlowHarness.run("placement-hotspot", start: Self.start) { flow in
            // Six calls about street vending inside 石桥社区第1网格 (G-QS-SQ-01), from different spots.
            let spots = [
                (25.0185, 102.6885), (25.0190, 102.6910), (25.0200, 102.6895), (25.0205, 102.6915), (25.0210, 102.6890),
                (25.0195, 102.6900),
            ]
            let texts = ["路口有流动摊贩占道", "早市摆摊堵住人行道", "夜里烧烤摊油烟很大", "水果摊占了盲道", "小吃车停在消防通道", "菜贩在路边卖菜堵路"]
            for (index, spot) in spots.enumerated() {
                let outcome = try await flow.publish(
                    .twelve345,
                    Self.call(
                        "12345-HOT-\(index)", texts[index], ["category": "SRHJ-ZDJY", "location": ["lat": spot.0, "lon": spot.1]]))
                #expect(outcome.data["area"] as? String == "G-QS-SQ-01")
            }
            let hotspots = try await flow.events.waitFor("a hotspot on G-QS-SQ-01") { all in
                all.contains { $0["type"] as? String == "hotspot.detected" && $0.data["area"] as? String == "G-QS-SQ-01" }
            }
            let hotspot = try #require(hotspots.first { $0["type"] as? String == "hotspot.detected" })
            #expect(hotspot.data["category"] as? String == "SRHJ-ZDJY")
            #expect((hotspot.data["count"] as? Int ?? 0) >= 5, "raised when the fifth call arrived")
        }
    }
}
