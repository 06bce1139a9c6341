import Crypto
import Foundation
import Testing
import WhistleAMQP
import WhistleDomain
import WhistleMessages

/// How large a message may be: intake rejects a demand body over 64 KiB as `too_large` and keeps
/// only its first 4 KiB (with its length and SHA-256); the broker refuses anything over 1 MiB.
@Suite("Message size")
struct MessageSizeTests {
    /// A well-formed demand whose content alone is `characters` × 3 bytes.
    static func demand(_ externalId: String, characters: Int) -> [UInt8] {
        Fixtures.json([
            "external_id": externalId, "submitted_at": "2026-11-18T10:00:00+08:00",
            "content": String(repeating: "井", count: characters),
        ])
    }

    @Test("a demand over 64 KiB is rejected as too_large and stored as its first 4 KiB; one at the limit is read")
    func tooLarge() async throws {
        try await withIntake("size-limit") { sandbox, _, events, adapter in
            let large = Self.demand("SIZE-1", characters: 30_000)
            #expect(large.count > DemandBodyLimit.maxBytes)
            // Just under the limit: read as a demand (its content is too long, nothing more).
            let fitting = Self.demand("SIZE-2", characters: 21_700)
            #expect(fitting.count <= DemandBodyLimit.maxBytes)
            try await adapter.publish([("demand.12345", large, "size-large"), ("demand.12345", fitting, "size-fitting")])
            let all = try await events.waitFor("both outcomes") { all in
                ["size-large", "size-fitting"].allSatisfy { id in all.contains { $0.sourceMessageId == id } }
            }
            let rejected = try #require(all.first { $0.sourceMessageId == "size-large" })
            #expect(rejected["type"] as? String == "demand.rejected")
            let errors = rejected.data["errors"] as? [[String: Any]] ?? []
            #expect(errors.count == 1 && errors.first?["code"] as? String == "too_large" && errors.first?["field"] is NSNull, "\(errors)")
            let digest = SHA256.hash(data: large).map { String(format: "%02x", $0) }.joined()
            let text = errors.first?["message"] as? String ?? ""
            #expect(text.contains("\(large.count) bytes") && text.contains("sha256 \(digest)"), "\(text)")
            let fittingErrors = all.first { $0.sourceMessageId == "size-fitting" }?.data["errors"] as? [[String: Any]] ?? []
            #expect(fittingErrors.map { $0["code"] as? String } == ["too_long"], "\(fittingErrors)")

            let stored = try await sandbox.withDatabase { connection in
                try connection.query("SELECT raw_body, errors::text FROM demands WHERE message_id = 'size-large'").map {
                    (body: [UInt8](try $0.decode(0, as: Data.self)), errors: try $0.decode(1, as: String.self))
                }
            }
            #expect(stored.count == 1)
            #expect(stored.first?.body == Array(large.prefix(DemandBodyLimit.keptBytes)), "only the first 4 KiB are kept")
            #expect(stored.first?.errors.contains(digest) == true, "the digest is kept with the errors")
            let fittingStored = try await sandbox.count("SELECT octet_length(raw_body)::int FROM demands WHERE message_id = 'size-fitting'")
            #expect(fittingStored == fitting.count, "a body within the limit is kept whole")
        }
    }

    @Test("the broker refuses a message over 1 MiB: the publisher's channel is closed and intake sees nothing")
    func overBrokerLimit() async throws {
        try await withIntake("size-broker") { sandbox, intake, events, adapter in
            let huge = Self.demand("SIZE-3", characters: 350_000)
            #expect(huge.count > 1_048_576)
            let message = OutboundMessage(exchange: Exchange.intake, routingKey: "demand.12345", body: huge, messageId: "size-huge")
            let user = try AMQPConfiguration(url: sandbox.amqpURL).user
            #expect(try await !LeastPrivilegeTests.canPublish(sandbox, user: user, message), "the broker took \(huge.count) bytes")
            // The same publisher is usable again afterwards (a new channel), and intake is unharmed.
            try await adapter.publish(
                .twelve345, ["external_id": "SIZE-4", "submitted_at": "2026-11-18T10:00:00+08:00", "content": "井盖缺失"],
                messageId: "size-after")
            let after = try await events.waitFor("the next demand") { $0.contains { $0.sourceMessageId == "size-after" } }
            #expect(!after.contains { $0.sourceMessageId == "size-huge" })
            #expect(try await sandbox.count("SELECT count(*)::int FROM demands WHERE message_id = 'size-huge'") == 0)
            #expect(intake.isRunning)
        }
    }
}
