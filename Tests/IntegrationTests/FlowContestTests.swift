import Foundation
import Testing
import WhistleAMQP
import WhistleMessages

/// End to end, 吹空哨 (CONTRACT §10): on a street's whistle (a grid report in 红枫社区, whistler
/// 枫林街道办事处 FL-JDB, ruled by the district command center XS-ZHZX), one summoned department
/// contests and is ruled empty — its assignment is cancelled and the ticket resolves without it —
/// and another contests and is ruled upheld; every refused contest or ruling is `reply.rejected`.
@Suite(.serialized) struct FlowContestTests {
    static let start = "2026-11-18T10:00:00+08:00"

    /// Waits for `reply.rejected` of the reply `messageId`; returns its errors as `field:code`.
    static func refused(_ flow: FlowHarness, _ messageId: String, _ what: String) async throws -> [String] {
        let all = try await flow.events.waitFor(what) { $0.contains { $0.sourceMessageId == messageId } }
        let event = try #require(all.first { $0.sourceMessageId == messageId })
        #expect(event["type"] as? String == "reply.rejected", "\(what)")
        return (event.data["errors"] as? [[String: Any]] ?? []).map { "\($0["field"] as? String ?? "-"):\($0["code"] as? String ?? "")" }
    }

    @Test func aContestRuledEmptyIsCancelledOneRuledUpheldStandsAndEveryWrongStepIsRefused() async throws {
        try await FlowHarness.run("contest", start: Self.start) { flow in
            let report = FlowRoutingTests.demand(
                "GRID-CT-1", "红枫社区菜市场门口占道经营，堵塞消防通道",
                [
                    "location": ["grid": "G-FL-HF-01"], "reporter": ["id": "GW-FL-HF-01"],
                    "whistle": ["departments": ["XS-CGJ", "XS-SCJG"], "reason": "需城管、市场监管联合执法"],
                ])
            let ticketNo = try #require(try await flow.publish(.grid, report)["ticket_no"] as? String)
            let round = try await flow.event(.ticketDispatched, ticket: ticketNo)
            #expect(FlowRoutingTests.dispatched(round).map(\.department) == ["FL-JDB", "XS-CGJ", "XS-SCJG"])
            let (lead, cgj, scjg) = (
                try FlowRepliesTests.id(round, "FL-JDB"), try FlowRepliesTests.id(round, "XS-CGJ"),
                try FlowRepliesTests.id(round, "XS-SCJG")
            )
            try await flow.desk.reply("FL-JDB", lead, "acknowledge")
            try await flow.desk.reply("XS-SCJG", scjg, "acknowledge")

            // 城管 contests while dispatched: announced with the whistler and the ruler.
            let contestId = try await flow.desk.reply("XS-CGJ", cgj, "contest", ["reason_code": "not_needed", "note": "现场为市场内部管理问题"])
            let contested = try await flow.event(.assignmentContested, ticket: ticketNo)
            #expect(contested.data["assignment_id"] as? String == cgj && contested.data["role"] as? String == "co")
            #expect(contested.data["whistler"] as? String == "FL-JDB" && contested.data["ruler"] as? String == "XS-ZHZX")
            #expect(contested.data["reason_code"] as? String == "not_needed" && contested.data["message_id"] as? String == contestId)

            // Refused: a second contest, a contest by the lead, a ruling of an uncontested
            // assignment, a ruling from a command center that does not supervise the whistler.
            let again = try await flow.desk.reply("XS-CGJ", cgj, "contest", ["reason_code": "not_our_duty", "note": "再次申辩"])
            #expect(try await Self.refused(flow, again, "a second contest") == ["action:not_allowed"])
            let byLead = try await flow.desk.reply("FL-JDB", lead, "contest", ["reason_code": "not_needed", "note": "主办申辩"])
            #expect(try await Self.refused(flow, byLead, "the lead's contest") == ["action:not_allowed"])
            let uncontested = try await flow.desk.reply("XS-ZHZX", scjg, "rule", ["ruling": "empty", "note": "无申辩"])
            #expect(try await Self.refused(flow, uncontested, "a ruling without a contest") == ["action:not_allowed"])
            let wrongCenter = try await flow.desk.reply("FL-ZHZX", cgj, "rule", ["ruling": "empty", "note": "街道中心越权裁定"])
            #expect(try await Self.refused(flow, wrongCenter, "another center's ruling") == ["assignment_id:not_allowed"])
            let noRuling = try await flow.desk.reply("XS-ZHZX", cgj, "rule", ["note": "缺少裁定"])
            #expect(try await Self.refused(flow, noRuling, "a ruling without ruling") == ["ruling:required"])

            // Its acknowledgement clock keeps running: overdue at 11:00 and kept for the ruling.
            try flow.setClock("2026-11-18T11:00:00+08:00")
            let overdue = try await flow.event(.assignmentOverdue, ticket: ticketNo) { $0.data["assignment_id"] as? String == cgj }
            #expect(flow.received(.assignmentOverdue, ticket: ticketNo).count == 1, "the others acknowledged in time")

            // The district command center rules it empty: cancelled, with what it had counted.
            let emptyId = try await flow.desk.reply("XS-ZHZX", cgj, "rule", ["ruling": "empty", "note": "经核查，无需城管参与"])
            let ruled = try await flow.event(.whistleRuled, ticket: ticketNo)
            #expect(ruled.data["ruling"] as? String == "empty" && ruled.data["department"] as? String == "XS-CGJ")
            #expect(ruled.data["whistler"] as? String == "FL-JDB" && ruled.data["ruled_by"] as? String == "XS-ZHZX")
            #expect(ruled.data["message_id"] as? String == emptyId && ruled.data["acknowledged_on_time"] == nil)
            #expect(FlowRoutingTests.instant(ruled.data["dispatched_at"] as? String ?? "") == FlowRoutingTests.instant(Self.start))
            let overdueAt = (ruled.data["overdue_at"] as? [String] ?? []).compactMap(FlowRoutingTests.instant)
            #expect(overdueAt == [FlowRoutingTests.instant(overdue["occurred_at"] as? String ?? "")].compactMap { $0 })
            let cancelled = try await flow.event(.assignmentCancelled, ticket: ticketNo)
            #expect(cancelled.data["assignment_id"] as? String == cgj && cancelled.data["reason"] as? String == "empty_whistle")
            #expect(cancelled.data["department"] as? String == "XS-CGJ" && cancelled.data["role"] as? String == "co")
            let late = try await flow.desk.reply("XS-CGJ", cgj, "acknowledge")
            #expect(try await Self.refused(flow, late, "a reply on a cancelled assignment") == ["action:not_allowed"])
            let twice = try await flow.desk.reply("XS-ZHZX", cgj, "rule", ["ruling": "upheld", "note": "改判"])
            #expect(try await Self.refused(flow, twice, "a second ruling") == ["action:not_allowed", "action:not_allowed"])

            // 市场监管 contests after acknowledging and is ruled upheld: its work stands.
            try await flow.desk.reply("XS-SCJG", scjg, "contest", ["reason_code": "not_our_duty", "note": "占道属城管职责"])
            try await flow.event(.assignmentContested, ticket: ticketNo) { $0.data["assignment_id"] as? String == scjg }
            try await flow.desk.reply("XS-ZHZX", scjg, "rule", ["ruling": "upheld", "note": "涉及食品摊贩，需市场监管参与"])
            let upheld = try await flow.event(.whistleRuled, ticket: ticketNo) { $0.data["assignment_id"] as? String == scjg }
            #expect(upheld.data["ruling"] as? String == "upheld" && upheld.data["acknowledged_on_time"] as? Bool == true)
            try await flow.desk.reply("XS-SCJG", scjg, "complete", ["result": "已查处无证食品摊贩"])
            try await flow.event(.assignmentCompleted, ticket: ticketNo) { $0.data["assignment_id"] as? String == scjg }
            #expect(flow.received(.ticketResolved, ticket: ticketNo).isEmpty, "the lead still works")

            // The lead completes: the ticket resolves without the cancelled assignment.
            try await flow.desk.reply("FL-JDB", lead, "complete", ["result": "联合整治完成，通道已清理"])
            try await flow.event(.ticketResolved, ticket: ticketNo)
            #expect(flow.received(.assignmentCancelled, ticket: ticketNo).count == 1)
            let stored = try await flow.sandbox.count(
                """
                SELECT count(*)::int FROM assignments
                WHERE assignment_id = $1::uuid AND status = 'cancelled' AND contest_reason = 'not_needed' AND ruling = 'empty'
                  AND ruled_by = 'XS-ZHZX' AND cancel_reason = 'empty_whistle' AND ack_overdue_at IS NOT NULL
                """, [cgj])
            #expect(stored == 1)
            let standing = try await flow.sandbox.count(
                "SELECT count(*)::int FROM assignments WHERE assignment_id = $1::uuid AND status = 'completed' AND ruling = 'upheld'",
                [scjg])
            #expect(standing == 1)
        }
    }

    /// Publishes a reply on `whistle.replies` as broker user `user` with `routingKey`; returns its id.
    static func reply(
        _ flow: FlowHarness, as user: String, _ routingKey: String, _ body: [String: Any]
    ) async throws -> String {
        let id = UUID().uuidString
        let message = OutboundMessage(exchange: Exchange.replies, routingKey: routingKey, body: Fixtures.json(body), messageId: id)
        #expect(try await LeastPrivilegeTests.canPublish(flow.sandbox, user: user, message), "\(user) publishes on \(routingKey)")
        return id
    }

    /// A district command center's whistle (CONTRACT §10), every party its own broker user and
    /// every sender checked: the city command center rules, the whistler may not rule its own.
    @Test func theCityRulesOnTheDistrictsWhistleAndOnlyAsItsOwnBrokerUser() async throws {
        try await FlowHarness.run("contest-district", start: Self.start, ownUsers: true) { flow in
            let whistle = WhistleFlowTests.whistle(
                "XS-CT-1", by: "XS-ZHZX", area: "S-FL", departments: ["XS-SWJ", "FL-JDB"], content: "枫林街道内涝点排水不畅")
            #expect(try await WhistleFlowTests.publish(flow, as: "dept-XS-ZHZX", whistle, id: "ct-district"))
            let accepted = try #require(try await WhistleFlowTests.outcomes(flow, ["ct-district"])["ct-district"])
            let ticketNo = try #require(accepted["ticket_no"] as? String)
            let round = try await flow.event(.ticketDispatched, ticket: ticketNo)
            let (lead, swj, fl) = (
                try FlowRepliesTests.id(round, "XS-ZHZX"), try FlowRepliesTests.id(round, "XS-SWJ"),
                try FlowRepliesTests.id(round, "FL-JDB")
            )
            let contest: [String: Any] = ["action": "contest", "reason_code": "not_needed", "note": "街道可自行处置"]
            _ = try await Self.reply(flow, as: "dept-FL-JDB", "FL-JDB", contest.merging(["assignment_id": fl]) { $1 })
            let contested = try await flow.event(.assignmentContested, ticket: ticketNo)
            #expect(contested.data["whistler"] as? String == "XS-ZHZX" && contested.data["ruler"] as? String == "YC-ZHZX")
            _ = try await Self.reply(
                flow, as: "dept-XS-SWJ", "XS-SWJ",
                ["assignment_id": swj, "action": "contest", "reason_code": "not_our_duty", "note": "内涝属排水公司"])
            try await flow.event(.assignmentContested, ticket: ticketNo) { $0.data["assignment_id"] as? String == swj }

            // The whistler may not rule its own whistle; the broker lets no one rule under another
            // center's code.
            let own = try await Self.reply(
                flow, as: "dept-XS-ZHZX", "XS-ZHZX", ["assignment_id": fl, "action": "rule", "ruling": "empty", "note": "自行裁定"])
            #expect(try await Self.refused(flow, own, "the whistler's own ruling") == ["assignment_id:not_allowed"])
            let forged = OutboundMessage(
                exchange: Exchange.replies, routingKey: "YC-ZHZX",
                body: Fixtures.json(["assignment_id": fl, "action": "rule", "ruling": "empty", "note": "冒名裁定"]), messageId: "ct-forged")
            #expect(try await !LeastPrivilegeTests.canPublish(flow.sandbox, user: "dept-FL-JDB", forged), "the broker refuses it")

            // The city rules: 枫林 need not come (empty), 水务 must (upheld).
            _ = try await Self.reply(
                flow, as: "dept-YC-ZHZX", "YC-ZHZX", ["assignment_id": fl, "action": "rule", "ruling": "empty", "note": "街道职责范围内"])
            let empty = try await flow.event(.whistleRuled, ticket: ticketNo)
            #expect(empty.data["assignment_id"] as? String == fl && empty.data["ruled_by"] as? String == "YC-ZHZX")
            let cancelled = try await flow.event(.assignmentCancelled, ticket: ticketNo)
            #expect(cancelled.data["department"] as? String == "FL-JDB" && cancelled.data["reason"] as? String == "empty_whistle")
            _ = try await Self.reply(
                flow, as: "dept-YC-ZHZX", "YC-ZHZX", ["assignment_id": swj, "action": "rule", "ruling": "upheld", "note": "排水设施属水务"])
            let upheld = try await flow.event(.whistleRuled, ticket: ticketNo) { $0.data["assignment_id"] as? String == swj }
            #expect(upheld.data["ruling"] as? String == "upheld" && upheld.data["whistler"] as? String == "XS-ZHZX")

            for (user, department, id) in [("dept-XS-SWJ", "XS-SWJ", swj), ("dept-XS-ZHZX", "XS-ZHZX", lead)] {
                _ = try await Self.reply(flow, as: user, department, ["assignment_id": id, "action": "acknowledge"])
                _ = try await Self.reply(flow, as: user, department, ["assignment_id": id, "action": "complete", "result": "已疏通排水"])
            }
            try await flow.event(.ticketResolved, ticket: ticketNo)
        }
    }
}
