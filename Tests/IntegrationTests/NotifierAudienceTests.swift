import Foundation
import Testing
import WhistleMessages

/// Who hears what, and what each may see: masking by audience, the whistling street, the grid
/// worker, anonymous reporters, complaint petitions; no full phone number in any log.
@Suite(.serialized) struct NotifierAudienceTests {
    @Test func everyPartyHearsItsShareAndNothingLeaks() async throws {
        let sink = try WebhookSinkProcess(secret: NotifierFlowTests.secret)
        defer { sink.stop() }
        try await sink.waitListening()
        try await FlowHarness.run("audiences", start: FlowRoutingTests.start, notifier: NotifierFlowTests.environment(sink)) { flow in
            // 12345 with co-departments: the lead sees the reporter, the co only masked.
            let call = try #require(
                try await flow.publish(
                    .twelve345,
                    FlowRoutingTests.demand("12345-A-1", "望江大道井盖松动，车辆经过哐哐响", ["category": "SZSS-JGPS", "location": ["grid": "G-GL-WJ-02"]]))[
                        "ticket_no"] as? String)
            let assignments = try await sink.waitFor("three assignment notices") { bodies in
                bodies.filter { $0["ticket_no"] as? String == call && $0["template"] as? String == "department_assignment" }.count == 3
            }.filter { $0["ticket_no"] as? String == call && $0["template"] as? String == "department_assignment" }
            for body in assignments {
                let text = body["text"] as? String ?? ""
                if body["recipient"] as? String == "XS-CGJ" {
                    #expect(text.hasSuffix("联系人：王小明，电话：13812345678。"))
                } else {
                    #expect(text.hasSuffix("联系人：王**，电话：138****5678。"), "co: \(text)")
                }
            }
            // A whistle: the street hears each summoned department; the grid worker verifies.
            let whistle = try #require(
                try await flow.publish(
                    .grid,
                    [
                        "external_id": "GRID-A-1", "submitted_at": FlowRoutingTests.start, "content": "红枫路菜市场门口占道经营，多次劝导无效",
                        "location": ["grid": "G-FL-HF-01"], "reporter": ["id": "GW-FL-HF-01"],
                        "whistle": ["departments": ["XS-CGJ"], "reason": "需城管联合执法"],
                    ])["ticket_no"] as? String)
            let round = try await flow.event(.ticketDispatched, ticket: whistle)
            for department in ["XS-CGJ", "FL-JDB"] {
                let id = try FlowRepliesTests.id(round, department)
                try await flow.desk.reply(department, id, "acknowledge")
                try await flow.desk.reply(department, id, "complete", ["result": "已清理占道摊点"])
            }
            let heard = try await sink.waitFor("the street's reports and the verification") { bodies in
                NotifierFlowTests.texts(bodies, ticket: whistle).filter { $0.contains("street_report") || $0.contains("reporter_verify") }
                    .count >= 3
            }
            let reports = NotifierFlowTests.texts(heard, ticket: whistle).filter {
                $0.contains("street_report") || $0.contains("reporter_verify")
            }
            #expect(
                Set(reports) == [
                    "department FL-JDB street_report: 【报到反馈】西山区城市管理局已签收报到工单\(whistle)（红枫路菜市场门口占道经营，多次劝导无效）。",
                    "department FL-JDB street_report: 【报到反馈】西山区城市管理局已办结工单\(whistle)（红枫路菜市场门口占道经营，多次劝导无效）。",
                    "reporter GW-FL-HF-01 reporter_verify: 【网格核查】工单\(whistle)（红枫路菜市场门口占道经营，多次劝导无效）已办结，请到现场核查处置结果并反馈。",
                ])
            // An anonymous caller gets no message; the reason is recorded.
            var anonymous = FlowRoutingTests.demand("12345-A-2", "举报某小区违规装修拆除承重墙", ["category": "ZFWY-FWAQ"])
            anonymous["reporter"] = ["anonymous": true]
            let quiet = try #require(try await flow.publish(.twelve345, anonymous)["ticket_no"] as? String)
            try await flow.event(.ticketDispatched, ticket: quiet)
            try await Task.sleep(for: .seconds(1))
            #expect(
                try await flow.sandbox.count(
                    "SELECT count(*)::int FROM notifications WHERE ticket_no = $1 AND audience = 'citizen' AND status = 'suppressed' AND reason = 'anonymous reporter'",
                    [quiet]) == 1)
            // A complaint petition: nothing addressed to its subject unit, no identity outside the petition bureau.
            let petition = try #require(
                try await flow.publish(
                    .petition,
                    FlowRoutingTests.demand(
                        "XF-A-1", "反映区城管执法人员在执法过程中态度粗暴",
                        ["form": "letter", "kind": "complaint", "subject_unit": "XS-CGJ", "category": "XFZX-ZFWT"]))["ticket_no"] as? String
            )
            let notices = try await sink.waitFor("the petition's notices") { bodies in
                bodies.filter { $0["ticket_no"] as? String == petition && $0["audience"] as? String == "department" }.count >= 2
            }.filter { $0["ticket_no"] as? String == petition }
            #expect(!notices.contains { $0["recipient"] as? String == "XS-CGJ" }, "nothing to the subject unit")
            for body in notices where body["audience"] as? String == "department" {
                let text = body["text"] as? String ?? ""
                let bureau = body["recipient"] as? String == "XS-XFJ"
                #expect(text.contains("13812345678") == bureau && text.contains("王") == bureau, "\(body["recipient"] ?? ""): \(text)")
            }
            #expect(
                try await flow.sandbox.count(
                    "SELECT count(*)::int FROM notifications WHERE ticket_no = $1 AND recipient = 'XS-CGJ'", [petition]) == 0)
            // No log line of the run holds the full phone number.
            for service in flow.services {
                #expect(!service.log().contains("13812345678"), "\(service.name)'s log holds a phone number")
            }
            #expect(!sink.log().contains("13812345678"), "the sink prints masked numbers only")
        }
    }

    @Test func aCitizenMessageWaitsForTheEndOfTheQuietHoursAndAnUrgentOneDoesNot() async throws {
        let sink = try WebhookSinkProcess(secret: NotifierFlowTests.secret)
        defer { sink.stop() }
        try await sink.waitListening()
        var environment = NotifierFlowTests.environment(sink)
        environment["WHISTLE_CLOCK"] = nil
        environment["WHISTLE_NOTIFY_QUIET_HOURS"] = nil
        try await FlowHarness.run("quiet", start: "2026-11-18T23:00:00+08:00", notifier: environment) { flow in
            let normal = try #require(
                try await flow.publish(
                    .twelve345,
                    FlowRoutingTests.demand("12345-Q-1", "楼上深夜装修噪声扰民", ["category": "STHJ-ZSRM"], submittedAt: "2026-11-18T22:50:00+08:00"))[
                        "ticket_no"] as? String)
            let urgent = try #require(
                try await flow.publish(
                    .twelve345,
                    FlowRoutingTests.demand(
                        "12345-Q-2", "小区燃气管道泄漏有异味", ["category": "ZFWY-FWAQ", "urgency": "urgent"],
                        submittedAt: "2026-11-18T22:55:00+08:00"))["ticket_no"] as? String)
            try await sink.waitFor("the urgent receipt") {
                NotifierFlowTests.texts($0, ticket: urgent).contains { $0.contains("citizen_receipt") }
            }
            try await Task.sleep(for: .seconds(1))
            #expect(!NotifierFlowTests.texts(sink.delivered(), ticket: normal).contains { $0.contains("citizen_receipt") }, "held at night")
            #expect(
                try await flow.sandbox.count(
                    "SELECT count(*)::int FROM notifications WHERE ticket_no = $1 AND template = 'citizen_receipt' AND status = 'pending' AND next_attempt_at = '2026-11-19T08:00:00+08:00'",
                    [normal]) == 1)
            try await sink.waitFor("the departments hear at once") {
                NotifierFlowTests.texts($0, ticket: normal).contains { $0.contains("department_assignment") }
            }
            try flow.setClock("2026-11-19T08:00:00+08:00")
            try await sink.waitFor("the morning's receipt") {
                NotifierFlowTests.texts($0, ticket: normal).contains { $0.contains("citizen_receipt") }
            }
        }
    }
}
