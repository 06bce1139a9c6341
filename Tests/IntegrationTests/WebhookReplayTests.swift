import Foundation
import Testing
import WhistleMessages
import WhistleReliability

/// The timestamped webhook signature end to end: `whistlectl webhook-sink` refuses a delivery
/// signed more than 5 minutes ago (a replay) or ahead, one whose timestamp was refreshed, one
/// without the timestamped signature, and one signed with another audience's key; notifier signs
/// each audience with its own key.
@Suite("webhook replay and per-audience keys", .serialized)
struct WebhookReplayTests {
    static func notification(_ audience: WebhookNotification.Audience) throws -> (id: String, body: [UInt8]) {
        let notification = WebhookNotification(
            notificationId: UUID().uuidString.lowercased(), audience: audience, recipient: audience == .citizen ? "13812345678" : "XS-RSJ",
            ticketNo: WhistlectlNotifyTests.ticketNo, eventType: "ticket.accepted", template: "citizen_receipt", text: "已受理")
        return (notification.notificationId, Array(try WhistleJSON.encode(notification)))
    }

    @Test func aReplayedOldDeliveryIsRejectedAndSoIsARefreshedOrUntimedOne() async throws {
        let secret = "sink-secret-" + UUID().uuidString
        let sink = try await SinkProcess.start(["--secret", secret])
        defer { sink.cleanUp() }
        let now = Date()

        let fresh = try Self.notification(.citizen)
        let signed = SinkProcess.signed(fresh.body, secret: secret)
        #expect(try await sink.post("/citizen", body: fresh.body, id: fresh.id, headers: signed) == 200)
        // The same delivery, captured and sent again 6 minutes later: too old, whatever its id.
        let old = try Self.notification(.citizen)
        let captured = SinkProcess.signed(old.body, secret: secret, at: now.addingTimeInterval(-360))
        #expect(try await sink.post("/citizen", body: old.body, id: old.id, headers: captured) == 401)
        // Its timestamp refreshed by the replayer: the signature no longer matches.
        let stamp = String(WebhookSignature.timestamp(now))
        var refreshed = captured
        refreshed[WebhookSignature.timestampHeader] = stamp
        refreshed[WebhookSignature.timestampedHeader] = captured[WebhookSignature.timestampedHeader]?
            .replacingOccurrences(of: "t=\(captured[WebhookSignature.timestampHeader] ?? "")", with: "t=\(stamp)")
        #expect(try await sink.post("/citizen", body: old.body, id: old.id, headers: refreshed) == 401)
        // Only the contract's body signature (which never expires): not enough.
        let untimed = [WebhookSignature.header: WebhookSignature.sign(old.body, secret: secret)]
        #expect(try await sink.post("/citizen", body: old.body, id: old.id, headers: untimed) == 401)
        // Signed 6 minutes ahead of the sink's clock.
        let ahead = SinkProcess.signed(old.body, secret: secret, at: now.addingTimeInterval(360))
        #expect(try await sink.post("/citizen", body: old.body, id: old.id, headers: ahead) == 401)
        // Within the 5 minutes (4 minutes old): delivered.
        let late = SinkProcess.signed(old.body, secret: secret, at: now.addingTimeInterval(-240))
        #expect(try await sink.post("/citizen", body: old.body, id: old.id, headers: late) == 200)

        let output = try await sink.waitForOutput { $0.components(separatedBy: "→").count == 3 }
        #expect(output.contains("rejected \(old.id): expired (signed 36"), "\(output)")
        #expect(output.contains("rejected \(old.id): expired (signed 3"), "\(output)")
        #expect(output.components(separatedBy: "rejected \(old.id): bad signature").count == 3, "\(output)")
        let records = try sink.records()
        #expect(records.map { $0["status"] as? Int } == [200, 401, 401, 401, 401, 200])
        #expect(records.map { $0["verified"] as? Bool } == [true, false, false, false, false, true])
    }

    @Test func eachAudienceIsVerifiedWithItsOwnKey() async throws {
        let fallback = "default-" + UUID().uuidString, citizen = "citizen-" + UUID().uuidString
        let sink = try await SinkProcess.start(["--secret", fallback, "--audience-secret", "citizen=\(citizen)"])
        defer { sink.cleanUp() }
        let toCitizen = try Self.notification(.citizen), toDepartment = try Self.notification(.department)
        func post(_ delivery: (id: String, body: [UInt8]), _ key: String) async throws -> Int {
            try await sink.post("/", body: delivery.body, id: delivery.id, headers: SinkProcess.signed(delivery.body, secret: key))
        }
        #expect(try await post(toCitizen, fallback) == 401)
        #expect(try await post(toDepartment, citizen) == 401)
        #expect(try await post(toCitizen, citizen) == 200)
        #expect(try await post(toDepartment, fallback) == 200)
        let output = try await sink.waitForOutput { $0.components(separatedBy: "→").count == 3 }
        #expect(output.contains("rejected \(toCitizen.id): bad signature (another audience's key)"), "\(output)")
        #expect(output.contains("rejected \(toDepartment.id): bad signature (another audience's key)"), "\(output)")
    }

    @Test func notifierSignsEachAudienceWithItsOwnKey() async throws {
        let departmentKey = "department-" + UUID().uuidString
        let sink = try WebhookSinkProcess(
            secret: NotifierFlowTests.secret, arguments: ["--audience-secret", "department=\(departmentKey)"])
        defer { sink.stop() }
        try await sink.waitListening()
        var environment = NotifierFlowTests.environment(sink)
        environment["WHISTLE_NOTIFY_DEPARTMENT_SECRET"] = departmentKey
        try await FlowHarness.run("notifykeys", start: FlowRoutingTests.start, notifier: environment) { flow in
            let demand = FlowRoutingTests.demand("12345-K-1", "社保卡补办半个月还没拿到", ["category": "LDSB-SBJN"])
            let ticketNo = try #require(try await flow.publish(.twelve345, demand)["ticket_no"] as? String)
            let bodies = try await sink.waitFor("the receipt and the assignment") { bodies in
                let audiences = bodies.filter { $0["ticket_no"] as? String == ticketNo }.compactMap { $0["audience"] as? String }
                return Set(audiences) == ["citizen", "department"]
            }
            #expect(bodies.count >= 2)
            #expect(sink.requests().allSatisfy { ($0["verified"] as? Bool) == true }, "\(sink.log())")
        }
    }
}
