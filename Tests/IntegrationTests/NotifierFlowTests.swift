import Foundation
import Testing
import WhistleMessages
import WhistleReliability

/// End to end with a real local HTTP receiver (`whistlectl webhook-sink`): what each party hears
/// of a ticket, word for word, signed; retries and failures; masking.
@Suite(.serialized) struct NotifierFlowTests {
    static let secret = "test-notify-secret"

    /// Notifier pointed at `sink` for every audience (system clock, no quiet hours, fast retries).
    static func environment(_ sink: WebhookSinkProcess, maxAttempts: Int = 5, department: String? = nil) -> [String: String] {
        environment(sink.url, maxAttempts: maxAttempts, department: department)
    }

    /// Notifier pointed at the receiver at `base` for every audience.
    static func environment(_ base: String, maxAttempts: Int = 5, department: String? = nil) -> [String: String] {
        [
            "WHISTLE_CLOCK": "system", "WHISTLE_NOTIFY_QUIET_HOURS": "none", "WHISTLE_NOTIFY_SECRET": secret,
            // The receivers are local sinks on plain http.
            "WHISTLE_NOTIFY_ALLOW_HTTP": "true",
            "WHISTLE_NOTIFY_CITIZEN_URL": "\(base)/citizen", "WHISTLE_NOTIFY_DEPARTMENT_URL": department ?? "\(base)/department",
            "WHISTLE_NOTIFY_SUPERVISOR_URL": "\(base)/supervisor", "WHISTLE_NOTIFY_REPORTER_URL": "\(base)/reporter",
            "WHISTLE_NOTIFY_BACKOFF_MS": "100", "WHISTLE_NOTIFY_MAX_ATTEMPTS": String(maxAttempts),
        ]
    }

    static func texts(_ bodies: [[String: Any]], ticket: String) -> [String] {
        bodies.filter { $0["ticket_no"] as? String == ticket }.compactMap { body in
            guard let audience = body["audience"] as? String, let recipient = body["recipient"] as? String,
                let template = body["template"] as? String, let text = body["text"] as? String
            else { return nil }
            return "\(audience) \(recipient) \(template): \(text)"
        }
    }

    @Test func a12345TicketFromAcceptanceToClosingWordForWordAndARetriedReceiverGetsItOnce() async throws {
        let sink = try WebhookSinkProcess(secret: Self.secret, arguments: ["--fail-first", "3"])
        defer { sink.stop() }
        try await sink.waitListening()
        try await FlowHarness.run("notify", start: FlowRoutingTests.start, notifier: Self.environment(sink)) { flow in
            let demand = FlowRoutingTests.demand("12345-N-1", "社保卡补办半个月还没拿到，多次询问无果", ["category": "LDSB-SBJN"])
            let ticketNo = try #require(try await flow.publish(.twelve345, demand)["ticket_no"] as? String)
            let lead = try FlowRepliesTests.id(try await flow.event(.ticketDispatched, ticket: ticketNo), "XS-RSJ")
            try await flow.desk.reply("XS-RSJ", lead, "acknowledge")
            try await flow.desk.reply("XS-RSJ", lead, "complete", ["result": "已为您加急补办社保卡，可到社区服务中心领取"])
            try await flow.event(.ticketResolved, ticket: ticketNo)
            let feedback: [String: Any] = ["ticket_no": ticketNo, "satisfaction": "satisfied", "resolved": true]
            try await flow.adapter.publish([(IntakeRoutingKey.feedback, Fixtures.json(feedback), UUID().uuidString)])
            try await flow.event(.ticketClosed, ticket: ticketNo)
            try await sink.waitFor("four notifications") { Self.texts($0, ticket: ticketNo).count >= 4 }
            // Independent notifications are delivered concurrently: compare in a fixed order.
            #expect(
                Self.texts(sink.delivered(), ticket: ticketNo).sorted()
                    == [
                        "citizen 13812345678 citizen_receipt: 【云城12345】您反映的诉求已受理，工单号\(ticketNo)。我们将于11月25日前办结并答复您，请保持电话畅通。",
                        "department XS-RSJ department_assignment: 【吹哨报到】新工单\(ticketNo)（主办）：社保卡补办半个月还没拿到，多次询问无果。请于11月18日 12:00前签收，11月25日 10:00前办结。联系人：王小明，电话：13812345678。",
                        "citizen 13812345678 citizen_result: 【云城12345】您反映的诉求（工单\(ticketNo)）已办结：已为您加急补办社保卡，可到社区服务中心领取。请评价办理结果：回复1满意，2基本满意，3不满意。",
                        "citizen 13812345678 citizen_closed: 【云城12345】感谢您的评价，工单\(ticketNo)已办结归档。",
                    ].sorted())
            // Each failed three times first (503), then was delivered once and recorded sent once.
            let requests = sink.requests().filter { ($0["body"] as? [String: Any])?["ticket_no"] as? String == ticketNo }
            let byId = Dictionary(grouping: requests) { $0["id"] as? String ?? "" }
            #expect(byId.count == 4 && byId.values.allSatisfy { $0.count == 4 }, "3 failures and 1 delivery each")
            #expect(requests.allSatisfy { ($0["verified"] as? Bool) == true }, "every request signed with the secret")
            let sent = try await flow.sandbox.count(
                "SELECT count(*)::int FROM notifications WHERE ticket_no = $1 AND status = 'sent' AND attempts = 4", [ticketNo])
            #expect(sent == 4)
            try await flow.events.waitFor("notification.sent") { _ in flow.received(.notificationSent, ticket: ticketNo).count >= 4 }
        }
    }

    @Test func aReceiverWithAnotherSecretRefusesEveryDeliveryWhichFailsAndAlertsTheSupervisor() async throws {
        let sink = try WebhookSinkProcess(secret: Self.secret)
        let stranger = try WebhookSinkProcess(secret: "another-secret")
        defer {
            sink.stop()
            stranger.stop()
        }
        try await sink.waitListening()
        try await stranger.waitListening()
        let environment = Self.environment(sink, maxAttempts: 3, department: "\(stranger.url)/department")
        try await FlowHarness.run("notifyfail", start: FlowRoutingTests.start, notifier: environment) { flow in
            let demand = FlowRoutingTests.demand("12345-NF-2", "小区路灯坏了一周没人修", ["category": "SZSS-LDGZ"])
            let ticketNo = try #require(try await flow.publish(.twelve345, demand)["ticket_no"] as? String)
            try await flow.event(.ticketDispatched, ticket: ticketNo)
            let failed = try await flow.event(.notificationFailed, ticket: ticketNo)
            #expect(failed.data["template"] as? String == "department_assignment")
            #expect(failed.data["attempts"] as? Int == 3)
            let refused = stranger.requests()
            #expect(
                refused.count == 3 && refused.allSatisfy { ($0["verified"] as? Bool) == false && ($0["status"] as? Int) == 401 },
                "the signature fails with another secret: \(refused.count) requests")
            let alerts = try await sink.waitFor("the supervisor alert") { bodies in
                bodies.contains { $0["template"] as? String == "supervisor_delivery_failed" }
            }
            let alert = try #require(alerts.first { $0["template"] as? String == "supervisor_delivery_failed" })
            #expect(alert["audience"] as? String == "supervisor" && alert["recipient"] as? String == "XS-ZHZX")
            #expect(alert["text"] as? String == "【通知失败】工单\(ticketNo)的新工单通知（发往部门）多次投递失败，请人工处理。")
            #expect(
                try await flow.sandbox.count(
                    "SELECT count(*)::int FROM notifications WHERE ticket_no = $1 AND status = 'failed' AND attempts = 3", [ticketNo]) == 1)
            // The receipt went to the other sink, signed with the right secret, once.
            #expect(Self.texts(sink.delivered(), ticket: ticketNo).filter { $0.contains("citizen_receipt") }.count == 1)
        }
    }
}

/// Delivery state lives in the database: a receiver down for a while and a notifier killed
/// meanwhile lose nothing, and nothing recorded sent is sent again.
@Suite(.serialized) struct NotifierOutageTests {
    @Test func aReceiverDownAndANotifierKilledLoseNothingAndDoubleNothing() async throws {
        let port = try FreePort.next()
        var environment = NotifierFlowTests.environment("http://127.0.0.1:\(port)", maxAttempts: 30)
        environment["WHISTLE_NOTIFY_BACKOFF_MS"] = "200"
        environment["WHISTLE_NOTIFY_TIMEOUT_MS"] = "1000"
        try await FlowHarness.run("outage", start: FlowRoutingTests.start, notifier: environment) { flow in
            var tickets: [String] = []
            for index in 0..<5 {
                let demand = FlowRoutingTests.demand("12345-O-\(index)", "第\(index)件：社保转移接续办了两个月没结果", ["category": "LDSB-SBJN"])
                tickets.append(try #require(try await flow.publish(.twelve345, demand)["ticket_no"] as? String))
            }
            // Nobody listens: attempts pile up, nothing is lost.
            let deadline = ContinuousClock.now + .seconds(20)
            while try await flow.sandbox.count("SELECT count(*)::int FROM notifications WHERE attempts > 1") == 0,
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM notifications WHERE status = 'sent'") == 0)
            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM notifications WHERE attempts > 1") > 0)
            try await flow.killAndRestart("notifier", extra: environment)
            let sink = try WebhookSinkProcess(secret: NotifierFlowTests.secret, port: port)
            defer { sink.stop() }
            try await sink.waitListening()
            let expected = try await flow.sandbox.count("SELECT count(*)::int FROM notifications WHERE status <> 'suppressed'")
            try await sink.waitFor("every notification") { $0.count >= expected }
            try await Task.sleep(for: .seconds(2))
            let ids = sink.requests().compactMap { $0["id"] as? String }
            #expect(ids.count == expected && Set(ids).count == expected, "each delivered once: \(ids.count) requests for \(expected)")
            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM notifications WHERE status = 'sent'") == expected)
            #expect(expected == 10, "a receipt and an assignment notice per ticket")
        }
    }
}
