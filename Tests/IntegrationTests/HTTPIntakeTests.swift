import Foundation
import Testing
import WhistleMessages

/// HTTP intake end to end (CONTRACT §9): `POST /v1/demands/{channel}` forwards the body byte for
/// byte as a demand that intake validates, deduplicates and merges as any; the answer is the
/// outcome when intake gives it within the wait, else 202 with where to look. Every service runs
/// as its own broker user with strict senders.
@Suite("HTTP intake", .serialized)
struct HTTPIntakeTests {
    static let start = "2026-11-18T10:00:00+08:00"
    static let content = "石桥社区垃圾桶满溢没人清运，气味很大"

    /// A 12345 demand about the full bins at 石桥社区.
    static func body(_ externalId: String, content: String = content) -> Data {
        Data(
            Fixtures.json(
                FlowRoutingTests.demand(
                    externalId, content, ["category": "SRHJ-LJQY", "location": ["grid": "G-QS-SQ-01"]], submittedAt: start)))
    }

    @Test("accepted, merged, duplicate, rejected, invalid JSON, idempotent, queued then stored, and who may post what")
    func intake() async throws {
        try await FlowHarness.run("http-intake", start: Self.start, ownUsers: true) { flow in
            let client = GatewayClient(flow: flow)
            let key = try await client.register(["adapters", "add", "web-12345", "--channel", "12345", "--name", "网站表单"])
            let hotlineKey = try await client.register(["adapters", "add", "web-hotline", "--channel", "hotline"])
            let otherKey = try await client.register(["adapters", "add", "web-12345-b", "--channel", "12345"])
            let open311Key = try await client.register(["open311", "clients", "add", "app"])

            // Accepted: 201 with the ticket; the same Idempotency-Key again: the same answer, one row.
            let first = try await client.postDemand("12345", body: Self.body("WEB-1"), key: key, idempotencyKey: "k-1")
            #expect(first.status == 201, "\(first.text)")
            #expect(first.object["outcome"] as? String == "accepted" && first.object["message_id"] as? String == "http:web-12345:k-1")
            let ticketNo = try #require(first.object["ticket_no"] as? String)
            let again = try await client.postDemand("12345", body: Self.body("WEB-1"), key: key, idempotencyKey: "k-1")
            #expect(again.status == 201 && again.object["ticket_no"] as? String == ticketNo, "\(again.text)")
            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM demands WHERE message_id = 'http:web-12345:k-1'") == 1)
            let row = try await client.stored("http:web-12345:k-1")
            #expect(row?.adapter == "web-12345" && row?.via == "http", "\(String(describing: row))")
            let accepted = try await flow.event(.ticketAccepted, ticket: ticketNo)
            let source = accepted.data["source"] as? [String: Any]
            #expect(source?["adapter"] as? String == "web-12345" && source?["via"] as? String == "http", "\(String(describing: source))")

            // Merged: the same matter from another case number (200), and from an AMQP adapter (one ticket).
            let merged = try await client.postDemand("12345", body: Self.body("WEB-2"), key: key, idempotencyKey: "k-2")
            #expect(merged.status == 200 && merged.object["outcome"] as? String == "merged", "\(merged.text)")
            #expect(merged.object["ticket_no"] as? String == ticketNo)
            let amqp = try await flow.publish(
                .twelve345,
                FlowRoutingTests.demand("12345-HTTP-3", Self.content, ["category": "SRHJ-LJQY", "location": ["grid": "G-QS-SQ-01"]]))
            #expect(amqp["type"] as? String == "ticket.merged" && amqp["ticket_no"] as? String == ticketNo)

            // Duplicate: a new key, a case number seen before.
            let duplicate = try await client.postDemand("12345", body: Self.body("WEB-1"), key: key, idempotencyKey: "k-3")
            #expect(duplicate.status == 200 && duplicate.object["outcome"] as? String == "duplicate", "\(duplicate.text)")
            #expect(duplicate.object["ticket_no"] as? String == ticketNo)

            // Rejected with every error (422), and a body that is not JSON is stored and rejected too.
            let invalid = Data(#"{"external_id":"","content":"  ","urgency":"now","location":{"lat":91}}"#.utf8)
            let rejected = try await client.postDemand("12345", body: invalid, key: key, idempotencyKey: "k-4")
            #expect(rejected.status == 422 && rejected.object["outcome"] as? String == "rejected", "\(rejected.text)")
            let errors = (rejected.object["error"] as? [String: Any])?["errors"] as? [[String: Any]] ?? []
            let fields = Set(errors.compactMap { $0["field"] as? String })
            #expect(["external_id", "submitted_at", "content", "urgency", "location.lat"].allSatisfy(fields.contains), "\(fields)")
            let notJSON = try await client.postDemand("12345", body: Data("{not json".utf8), key: key, idempotencyKey: "k-5")
            #expect(notJSON.status == 422, "\(notJSON.text)")
            let raw = try await flow.sandbox.count(
                "SELECT count(*)::int FROM demands WHERE message_id = 'http:web-12345:k-5' AND raw_body = convert_to('{not json', 'UTF8')")
            #expect(raw == 1, "the body is stored byte for byte")

            // GET by key: the same shapes, for the same client only.
            let looked = try await client.send("GET", "/v1/demands/12345/k-1", headers: ["X-API-Key": key])
            #expect(looked.status == 201 && looked.object["ticket_no"] as? String == ticketNo, "\(looked.text)")
            let lookedRejected = try await client.send("GET", "/v1/demands/12345/k-4", headers: ["Authorization": "Bearer \(key)"])
            #expect(lookedRejected.status == 422)
            let foreign = try await client.send("GET", "/v1/demands/12345/k-1", headers: ["Authorization": "Bearer \(otherKey)"])
            #expect(foreign.status == 404, "another client's key is not found: \(foreign.text)")

            // Queued: intake down, 202 with a Location; once intake is back, the Location has the outcome.
            try await client.kill("intake")
            let queued = try await client.postDemand("12345", body: Self.body("WEB-6"), key: key, idempotencyKey: "k-6")
            #expect(queued.status == 202 && queued.object["outcome"] as? String == "queued", "\(queued.text)")
            let location = try #require(queued.headers["location"])
            #expect(location == "/v1/demands/12345/k-6")
            try await flow.killAndRestart("intake")
            var later: GatewayClient.Answer?
            for _ in 0..<100 {
                later = try await client.send("GET", location, headers: ["X-API-Key": key])
                if later?.status != 404 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(later?.status == 200 && later?.object["outcome"] as? String == "merged", "\(later?.text ?? "")")

            // Who may post what: no key or a bad one 401, an Open311 key 401, another channel 403,
            // no or a bad Idempotency-Key 400, an unknown channel 404, a body over the limit 413.
            for bad in [nil, "wadp_nope", open311Key] {
                let answer = try await client.postDemand("12345", body: Self.body("WEB-7"), key: bad, idempotencyKey: "k-7")
                #expect(answer.status == 401 && (answer.object["error"] as? [String: Any])?["code"] as? String == "unauthorized")
            }
            let wrongChannel = try await client.postDemand("12345", body: Self.body("WEB-7"), key: hotlineKey, idempotencyKey: "k-7")
            #expect(wrongChannel.status == 403 && (wrongChannel.object["error"] as? [String: Any])?["code"] as? String == "forbidden")
            for idempotencyKey in [nil, "", "has space", String(repeating: "k", count: 101), "k/1"] {
                let answer = try await client.postDemand("12345", body: Self.body("WEB-7"), key: key, idempotencyKey: idempotencyKey)
                #expect(answer.status == 400, "\(String(describing: idempotencyKey)): \(answer.text)")
            }
            #expect(try await client.postDemand("whistle", body: Self.body("WEB-7"), key: key, idempotencyKey: "k-7").status == 404)
            #expect(try await client.postDemand("nope", body: Self.body("WEB-7"), key: key, idempotencyKey: "k-7").status == 404)
            let huge = Data(repeating: UInt8(ascii: "a"), count: 70_000)
            #expect(try await client.postDemand("12345", body: huge, key: key, idempotencyKey: "k-8").status == 413)
            #expect(
                try await flow.sandbox.count("SELECT count(*)::int FROM demands WHERE message_id LIKE '%k-7' OR message_id LIKE '%k-8'")
                    == 0)

            // Revoked: 401 at once.
            try await client.ctl(["adapters", "revoke", "web-12345"])
            let revoked = try await client.postDemand("12345", body: Self.body("WEB-9"), key: key, idempotencyKey: "k-9")
            #expect(revoked.status == 401, "\(revoked.text)")
            let list = try await client.ctl(["adapters", "list"])
            #expect(list.stdout.contains("web-12345") && !list.stdout.contains(key) && !list.stdout.contains(hotlineKey))
            try await client.ctl(["adapters", "add", "x", "--channel", "whistle"], status: 64)
        }
    }
}
