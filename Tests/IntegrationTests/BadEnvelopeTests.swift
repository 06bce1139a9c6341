import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// Bad AMQP envelopes around harmless bodies: a `message_id` that is missing or too long, a
/// routing key at the 255-byte limit, and NUL characters in the `message_id` or the routing key
/// (AMQP short strings are bytes, so a publisher can send them). CONTRACT §1: nothing is dropped
/// silently; every message is answered.
@Suite struct BadEnvelopeTests {
    struct Case {
        var label: String
        var exchange: String
        var routingKey: String
        var body: [UInt8]
        var messageId: String
        /// How the answer is found: by `source.external_id` when the message id is not kept.
        var externalId: String?
        var expected: EventType
        /// An error code the answer must hold ("" for any).
        var code: String
    }

    @Test func oddEnvelopesAreAnsweredToo() async throws {
        try await FlowHarness.run("envelope", start: BadInputCorpusTests.start) { flow in
            let run = UUID().uuidString.prefix(8).lowercased()
            func demand(_ externalId: String) -> [UInt8] {
                Fixtures.json(["external_id": externalId, "submitted_at": "2026-11-21T10:00:00+08:00", "content": "文庙后街路灯不亮"])
            }
            let reply = Array(#"{"assignment_id":"6a1c0e52-9d3b-4c7f-a2e8-0f5b7d9c1e34","action":"acknowledge"}"#.utf8)
            let kept = [
                Case(
                    label: "message_id of 129 characters", exchange: Exchange.intake, routingKey: "demand.12345",
                    body: demand("ENV-\(run)-1"),
                    messageId: String(repeating: "m", count: 129), externalId: "ENV-\(run)-1", expected: .demandRejected, code: "too_long"),
                Case(
                    label: "empty message_id", exchange: Exchange.intake, routingKey: "demand.12345", body: demand("ENV-\(run)-2"),
                    messageId: "", externalId: "ENV-\(run)-2", expected: .demandRejected, code: "required"),
                Case(
                    label: "routing key of 255 bytes", exchange: Exchange.intake,
                    routingKey: "demand." + String(repeating: "z", count: 248),
                    body: demand("ENV-\(run)-3"), messageId: "env-\(run)-3", externalId: nil, expected: .demandRejected,
                    code: "unknown_code"),
            ]
            // PostgreSQL text cannot hold U+0000: a NUL arrives as U+FFFD, and a message_id holding one is refused.
            let nul = [
                Case(
                    label: "NUL in a demand's message_id", exchange: Exchange.intake, routingKey: "demand.12345",
                    body: demand("ENV-\(run)-4"),
                    messageId: "env\u{0}-\(run)-4", externalId: nil, expected: .demandRejected, code: "invalid_value"),
                Case(
                    label: "NUL in a demand's routing key", exchange: Exchange.intake, routingKey: "demand.\u{0}12345",
                    body: demand("ENV-\(run)-5"),
                    messageId: "env-\(run)-5", externalId: nil, expected: .demandRejected, code: "unknown_code"),
                Case(
                    label: "NUL in a feedback's message_id", exchange: Exchange.intake, routingKey: "feedback", body: Array("{}".utf8),
                    messageId: "env\u{0}-\(run)-6", externalId: nil, expected: .feedbackRejected, code: "invalid_value"),
                Case(
                    label: "NUL in a reply's routing key", exchange: Exchange.replies, routingKey: "XS-CGJ\u{0}", body: reply,
                    messageId: "env-\(run)-7", externalId: nil, expected: .replyRejected, code: ""),
                Case(
                    label: "NUL in a reply's message_id", exchange: Exchange.replies, routingKey: "XS-CGJ", body: reply,
                    messageId: "env\u{0}-\(run)-8", externalId: nil, expected: .replyRejected, code: "invalid_value"),
            ]
            let publisher = AMQPPublisher(
                configuration: try AMQPConfiguration(url: flow.sandbox.amqpURL), name: "test-envelopes", topology: WhistleTopology.base,
                logger: .init(label: "test"))
            let outcomes = try await publisher.publish(
                (kept + nul).map {
                    OutboundMessage(exchange: $0.exchange, routingKey: $0.routingKey, body: $0.body, messageId: $0.messageId)
                },
                timeout: .seconds(30))
            await publisher.close()
            #expect(outcomes.allSatisfy { $0 == .confirmed })

            func answers(_ item: Case) -> [[String: Any]] {
                flow.events.all.filter { event in
                    if let externalId = item.externalId {
                        return (event.data["source"] as? [String: Any])?["external_id"] as? String == externalId
                    }
                    return event.sourceMessageId == item.messageId.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
                }
            }
            // Every answer that comes arrives within seconds; give the ones that never come 15 s.
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline, !(kept + nul).allSatisfy({ !answers($0).isEmpty }) {
                try await flow.events.drain(milliseconds: 300)
            }

            for item in kept {
                let found = answers(item)
                #expect(found.count == 1, "\(item.label): \(found)")
                #expect(found.first?["type"] as? String == item.expected.rawValue, "\(item.label): \(found)")
                let codes = (found.first?.data["errors"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(item.code.isEmpty || codes.contains(item.code), "\(item.label): \(codes)")
            }
            for item in nul {
                let found = answers(item)
                #expect(found.count == 1, "\(item.label): \(found.count) answers")
                #expect(found.first?["type"] as? String == item.expected.rawValue, "\(item.label)")
                let codes = (found.first?.data["errors"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(item.code.isEmpty || codes.contains(item.code), "\(item.label): \(codes)")
            }
            #expect(try await flow.sandbox.count("SELECT count(*) FROM message_failures") == 0, "nothing failed its consumer")
            for service in ["intake", "dispatcher"] {
                let (status, _) = try await HTTP.get("http://127.0.0.1:\(flow.port(service))/healthz")
                #expect(status == 200, "\(service) is unhealthy")
            }
        }
    }
}
