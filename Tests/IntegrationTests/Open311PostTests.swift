import Foundation
import Testing
import WhistleMessages

/// The write side of Open311 GeoReport v2 end to end (CONTRACT §9), every service a real process
/// as its own broker user (strict senders): a POST is a 12345 demand that intake validates,
/// merges and answers like any other; the client's key is checked on every request.
@Suite("Open311 POST", .serialized)
struct Open311PostTests {
    static let start = "2026-11-18T10:00:00+08:00"
    static let content = "石桥社区垃圾桶满溢没人清运，气味很大"

    /// A request about the full bins at 石桥社区 (inside grid G-QS-SQ-01).
    static func request(_ key: String, _ extra: [(String, String)] = []) -> [(String, String)] {
        [
            ("api_key", key), ("service_code", "SRHJ-LJQY"), ("description", content), ("lat", "25.0198"), ("long", "102.6900"),
            ("address_string", "石桥社区1号楼"), ("first_name", "小明"), ("last_name", "王"), ("phone", "13812345678"),
            ("email", "wang.xiaoming@example.com"),
        ] + extra
    }

    @Test("accepted, merged with an AMQP demand, duplicate, idempotent, rejected with every error, queued with a token, revoked")
    func writeSide() async throws {
        try await FlowHarness.run("open311-post", start: Self.start, ownUsers: true) { flow in
            let client = GatewayClient(flow: flow)
            let key = try await client.register(["open311", "clients", "add", "city-app", "--name", "市民App"])
            let adapterKey = try await client.register(["adapters", "add", "web-form", "--channel", "12345"])
            let listed = try await client.ctl(["open311", "clients", "list"])
            #expect(listed.stdout.contains("city-app") && !listed.stdout.contains(key), "the list never shows a key")

            // An AMQP demand opens the ticket; the Open311 POST on the same matter joins it.
            let amqp = try await flow.publish(
                .twelve345,
                FlowRoutingTests.demand("12345-O311-1", Self.content, ["category": "SRHJ-LJQY", "location": ["grid": "G-QS-SQ-01"]]))
            let ticketNo = try #require(amqp["ticket_no"] as? String)
            let merged = try await client.postRequest(Self.request(key, [("client_request_id", "APP-1")]))
            #expect(merged.status == 201, "\(merged.text)")
            #expect(merged.array.first?["service_request_id"] as? String == ticketNo, "\(merged.text)")
            #expect(merged.array.first?["service_notice"] is String)
            let row = try await client.stored("open311:city-app:APP-1")
            #expect(row?.outcome == "merged" && row?.adapter == "city-app" && row?.via == "open311", "\(String(describing: row))")
            let event = try await flow.events.waitFor("ticket.merged of APP-1") { all in
                all.contains { $0.sourceMessageId == "open311:city-app:APP-1" }
            }.first { $0.sourceMessageId == "open311:city-app:APP-1" }
            let source = event?.data["source"] as? [String: Any]
            #expect(source?["adapter"] as? String == "city-app" && source?["via"] as? String == "open311", "\(String(describing: source))")
            #expect(source?["external_id"] as? String == "APP-1" && source?["channel"] as? String == "12345")

            // The same POST again: the same answer, nothing new stored.
            let retry = try await client.postRequest(Self.request(key, [("client_request_id", "APP-1")]))
            #expect(retry.status == 201 && retry.array.first?["service_request_id"] as? String == ticketNo, "\(retry.text)")
            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM demands WHERE message_id LIKE 'open311:%'") == 1)

            // The email goes nowhere; the name and phone only to the reporter's row.
            let leaked = try await flow.sandbox.count(
                "SELECT count(*)::int FROM demands WHERE convert_from(raw_body, 'UTF8') LIKE '%example.com%' OR normalized::text LIKE '%example.com%'"
            )
            #expect(leaked == 0)
            let evaluatorLog = flow.services.first { $0.name == "evaluator" }?.log() ?? ""
            #expect(!evaluatorLog.isEmpty && !evaluatorLog.contains("example.com"), "the email is not logged")

            // A new matter: accepted; its 12345 case number again from the hotline: duplicate.
            let other = try await client.postRequest([
                ("api_key", key), ("service_code", "SZSS-JGPS"), ("description", "河畔路口雨水井盖缺失，夜间行人容易踩空"),
                ("address_string", "河畔路口"), ("external_id", "12345-O311-2"), ("media_url", "https://img.example.cn/a.jpg"),
            ])
            #expect(other.status == 201, "\(other.text)")
            let otherTicket = try #require(other.array.first?["service_request_id"] as? String)
            #expect(otherTicket != ticketNo)
            let duplicate = try await flow.publish(
                .twelve345, FlowRoutingTests.demand("12345-O311-2", "河畔路口雨水井盖缺失", ["category": "SZSS-JGPS"]))
            #expect(duplicate["type"] as? String == "demand.duplicate" && duplicate["ticket_no"] as? String == otherTicket)
            let amqpSource = duplicate.data["source"] as? [String: Any]
            #expect(amqpSource?["via"] == nil, "an AMQP demand has no via: \(String(describing: amqpSource))")

            // Every problem at once: the gateway's own checks, then intake's (the phone).
            let bad = try await client.postRequest([("api_key", key), ("service_code", "SRHJ"), ("lat", "95"), ("long", "x")])
            #expect(bad.status == 400, "\(bad.text)")
            let descriptions = bad.array.compactMap { $0["description"] as? String }
            #expect(bad.array.allSatisfy { $0["code"] as? Int == 400 })
            for field in ["service_code", "description", "lat", "long"] {
                #expect(descriptions.contains { $0.hasPrefix(field) }, "\(field): \(descriptions)")
            }
            let badPhone = try await client.postRequest(
                Self.request(key, [("client_request_id", "APP-2")]).map {
                    $0.0 == "phone" ? ("phone", "call me maybe") : $0
                })
            #expect(badPhone.status == 400 && badPhone.text.contains("reporter.phone"), "\(badPhone.text)")
            #expect(try await client.stored("open311:city-app:APP-2")?.outcome == "rejected")

            // Attackers: SQL in the text is text; an oversized field is refused; a non-form body too.
            let sqlish = try await client.postRequest(
                Self.request(key, [("client_request_id", "APP-3'); DROP TABLE demands; --")]).map {
                    $0.0 == "description" ? ("description", "'; DROP TABLE demands; -- 垃圾桶满溢 \u{3000}") : $0
                })
            #expect([201].contains(sqlish.status), "\(sqlish.text)")
            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM demands") >= 4)
            let huge = try await client.postRequest(
                Self.request(key).map { $0.0 == "description" ? ("description", String(repeating: "垃", count: 4001)) : $0 })
            #expect(huge.status == 400 && huge.text.contains("description"), "\(huge.text)")
            let json = try await client.send(
                "POST", "/open311/v2/requests.json", body: Data("{\"api_key\":\"\(key)\"}".utf8),
                headers: ["Content-Type": "application/json"])
            #expect(json.status == 400)
            let broken = try await client.send(
                "POST", "/open311/v2/requests.json", body: Data("api_key=%zz".utf8),
                headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(broken.status == 400)

            // Queued: with intake down the answer is a token; the token resolves once intake is back.
            try await client.kill("intake")
            let queued = try await client.postRequest(Self.request(key, [("client_request_id", "APP-4")]))
            #expect(queued.status == 201, "\(queued.text)")
            let token = try #require(queued.array.first?["token"] as? String, "\(queued.text)")
            #expect(queued.array.first?["service_request_id"] == nil)
            let waiting = try await client.send("GET", "/open311/v2/tokens/\(token).json")
            #expect(
                waiting.status == 200 && waiting.array.first?["token"] as? String == token
                    && waiting.array.first?["service_request_id"] == nil)
            try await flow.killAndRestart("intake")
            var resolved: String?
            for _ in 0..<100 where resolved == nil {
                resolved = try await client.send("GET", "/open311/v2/tokens/\(token).json").array.first?["service_request_id"] as? String
                if resolved == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(resolved == ticketNo, "the queued request joined the same ticket")
            #expect(try await client.send("GET", "/open311/v2/tokens/bm90LWEtdG9rZW4.json").status == 404)

            // Keys: an adapter's key is no Open311 key, none is 403, and a revoked one stops at once.
            for fields in [Self.request(adapterKey), Self.request("w311_nope"), Array(Self.request(key).dropFirst())] {
                let refused = try await client.postRequest(fields)
                #expect(refused.status == 403 && refused.array.first?["code"] as? Int == 403, "\(refused.text)")
            }
            try await client.ctl(["open311", "clients", "revoke", "city-app"])
            let revoked = try await client.postRequest(Self.request(key, [("client_request_id", "APP-5")]))
            #expect(revoked.status == 403, "\(revoked.text)")
            try await client.ctl(["open311", "clients", "revoke", "no-such"], status: 1)
            try await client.ctl(["open311", "clients", "add", "city-app"], status: 1)
            try await client.ctl(["open311", "clients", "add", "Bad_Id"], status: 64)
        }
    }
}
