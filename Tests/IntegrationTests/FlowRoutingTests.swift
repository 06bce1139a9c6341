import Foundation
import Testing
import WhistleMessages

/// End to end, the four services running: each channel's demand reaches the right department
/// queues with the right deadlines (sample district, clock at Wednesday 2026-11-18 10:00).
@Suite(.serialized) struct FlowRoutingTests {
    static let start = "2026-11-18T10:00:00+08:00"

    static func instant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// The (department, role) pairs and due instants of a `ticket.dispatched` event.
    static func dispatched(_ event: [String: Any]) -> [(department: String, role: String, ack: Date?, resolve: Date?)] {
        ((event.data["assignments"] as? [[String: Any]]) ?? []).map {
            (
                $0["department"] as? String ?? "", $0["role"] as? String ?? "", instant($0["ack_due"] as? String ?? ""),
                instant($0["resolve_due"] as? String ?? "")
            )
        }
    }

    static func demand(_ external: String, _ content: String, _ extra: [String: Any], submittedAt: String = start) -> [String: Any] {
        var body: [String: Any] = [
            "external_id": external, "submitted_at": submittedAt, "content": content,
            "reporter": ["name": "王小明", "phone": "13812345678"],
        ]
        for (key, value) in extra { body[key] = value }
        return body
    }

    @Test func everyChannelReachesItsDepartmentsWithItsDeadlines() async throws {
        try await FlowHarness.run("routing", start: Self.start) { flow in
            // 12345, a manhole cover on 望江大道: the grid rule of G-GL-WJ-02 (lead 城管, co 水务 + 社区).
            let call = try await flow.publish(
                .twelve345,
                Self.demand("12345-R-1", "望江大道井盖松动，车辆经过哐哐响", ["category": "SZSS-JGPS", "location": ["grid": "G-GL-WJ-02"]]))
            let callNo = try #require(call["ticket_no"] as? String)
            let callRound = Self.dispatched(try await flow.event(.ticketDispatched, ticket: callNo))
            #expect(callRound.map(\.department) == ["XS-CGJ", "XS-SWJ", "GL-WJ-JWH"])
            #expect(callRound.map(\.role) == ["lead", "co", "co"])
            #expect(callRound.allSatisfy { $0.ack == Self.instant("2026-11-18T12:00:00+08:00") })
            #expect(callRound.allSatisfy { $0.resolve == Self.instant("2026-11-25T10:00:00+08:00") }, "5 working days")
            let lead = try await flow.desk.assignment("XS-CGJ", ticket: callNo)
            #expect((lead["reporter"] as? [String: Any])?["phone"] as? String == "13812345678", "the lead sees the full phone")
            #expect(lead["co_departments"] as? [String] == ["XS-SWJ", "GL-WJ-JWH"])
            #expect(lead["lead_department"] as? String == "XS-CGJ")
            #expect(lead["_message_id"] as? String == "\(lead["assignment_id"] as? String ?? ""):1")
            let co = try await flow.desk.assignment("XS-SWJ", ticket: callNo)
            #expect((co["reporter"] as? [String: Any])?["phone"] as? String == "138****5678", "a co-department sees it masked")
            #expect((co["reporter"] as? [String: Any])?["name"] as? String == "王**")
            _ = try await flow.desk.assignment("GL-WJ-JWH", ticket: callNo)

            // Sector hotline 12369, urgent noise, no place: the default rule (lead 公安, co 城管), 30 min / 24 h.
            let hotline = try await flow.publish(
                .hotline,
                Self.demand("12369-R-1", "楼下KTV凌晨两点还在唱歌，噪声扰民严重", ["line": "12369", "urgency": "urgent", "category": "STHJ-ZSRM"]))
            let hotlineNo = try #require(hotline["ticket_no"] as? String)
            let hotlineRound = Self.dispatched(try await flow.event(.ticketDispatched, ticket: hotlineNo))
            #expect(hotlineRound.map(\.department) == ["XS-GA", "XS-CGJ"])
            #expect(hotlineRound.allSatisfy { $0.ack == Self.instant("2026-11-18T10:30:00+08:00") })
            #expect(hotlineRound.allSatisfy { $0.resolve == Self.instant("2026-11-19T10:00:00+08:00") })
            _ = try await flow.desk.assignment("XS-GA", ticket: hotlineNo)

            // A grid worker's whistle in 红枫社区: the street office leads, each named department is co; 1 h / 3 wd.
            let whistle = try await flow.publish(
                .grid,
                [
                    "external_id": "GRID-R-1", "submitted_at": Self.start, "content": "红枫路菜市场门口占道经营，多次劝导无效",
                    "location": ["grid": "G-FL-HF-01"], "reporter": ["id": "GW-FL-HF-01"],
                    "whistle": ["departments": ["XS-CGJ", "XS-SCJG"], "reason": "需城管、市场监管联合执法"],
                ])
            let whistleNo = try #require(whistle["ticket_no"] as? String)
            let whistleRound = Self.dispatched(try await flow.event(.ticketDispatched, ticket: whistleNo))
            #expect(whistleRound.map(\.department) == ["FL-JDB", "XS-CGJ", "XS-SCJG"])
            #expect(whistleRound.map(\.role) == ["lead", "co", "co"])
            #expect(whistleRound.allSatisfy { $0.ack == Self.instant("2026-11-18T11:00:00+08:00") })
            #expect(whistleRound.allSatisfy { $0.resolve == Self.instant("2026-11-23T10:00:00+08:00") }, "Thu, Fri, Mon")
            let street = try await flow.desk.assignment("FL-JDB", ticket: whistleNo)
            #expect((street["whistle"] as? [String: Any])?["departments"] as? [String] == ["XS-CGJ", "XS-SCJG"])
            _ = try await flow.desk.assignment("XS-SCJG", ticket: whistleNo)

            // A complaint petition about 西山区城管局: its supervising 市城管局 leads, never the unit itself.
            let petition = try await flow.publish(
                .petition,
                Self.demand(
                    "XF-R-1", "反映区城管执法人员在执法过程中态度粗暴",
                    ["form": "letter", "kind": "complaint", "subject_unit": "XS-CGJ", "category": "XFZX-ZFWT", "petitioners": 1]))
            let petitionNo = try #require(petition["ticket_no"] as? String)
            let petitionRound = Self.dispatched(try await flow.event(.ticketDispatched, ticket: petitionNo))
            #expect(petitionRound.map(\.department) == ["YC-CGJ", "XS-XFJ"])
            #expect(petitionRound.allSatisfy { $0.ack == Self.instant("2026-12-03T10:00:00+08:00") }, "15 days")
            #expect(petitionRound.allSatisfy { $0.resolve == Self.instant("2027-01-17T10:00:00+08:00") }, "60 days")
            for department in ["YC-CGJ", "XS-XFJ"] {
                let assignment = try await flow.desk.assignment(department, ticket: petitionNo)
                #expect(assignment["reporter"] == nil, "a petition carries no petitioner identity")
                #expect(!String(describing: assignment).contains("13812345678") && !String(describing: assignment).contains("王小明"))
            }
            try await flow.desk.drain("XS-CGJ", milliseconds: 1500)
            #expect(flow.desk.received("XS-CGJ", ticket: petitionNo).isEmpty, "the subject unit never sees the complaint")
            let mentions = flow.events.all.filter { $0["ticket_no"] as? String == petitionNo && $0["type"] as? String != "ticket.accepted" }
            #expect(!mentions.contains { String(describing: $0).contains("\"XS-CGJ\"") || String(describing: $0).contains("= XS-CGJ") })
        }
    }
}
