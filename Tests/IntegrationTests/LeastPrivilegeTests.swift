import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// End to end with the broker users of `whistlectl broker-definitions`: an adapter publishes only
/// its own channel, a department reads only its own queue and replies only as itself, and the
/// dispatcher ties a reply to the broker-validated `user_id`.
@Suite("Least privilege", .serialized)
struct LeastPrivilegeTests {
    /// The sandbox's broker URL with another user (development password = the user name).
    static func url(_ sandbox: TestSandbox, user: String) -> String {
        let rest = sandbox.amqpURL[sandbox.amqpURL.range(of: "@")!.upperBound...]
        return "amqp://\(user):\(user)@\(rest)"
    }

    static func publisher(_ sandbox: TestSandbox, user: String) throws -> AMQPPublisher {
        AMQPPublisher(
            configuration: try AMQPConfiguration(url: url(sandbox, user: user)), name: "test-\(user)", topology: Topology(),
            reconnectPolicy: ReconnectPolicy(maxAttempts: 1), logger: .init(label: "test"))
    }

    /// Whether `user` can publish `message` (a refusal closes the channel: an error or no confirm).
    static func canPublish(_ sandbox: TestSandbox, user: String, _ message: OutboundMessage) async throws -> Bool {
        let publisher = try publisher(sandbox, user: user)
        defer { Task { await publisher.close() } }
        do {
            return try await publisher.publish([message], timeout: .seconds(10)) == [.confirmed]
        } catch {
            return false
        }
    }

    /// Whether `user` can consume `queue`.
    static func canConsume(_ sandbox: TestSandbox, user: String, queue: String) async throws -> Bool {
        let consumer = AMQPConsumer(
            configuration: try AMQPConfiguration(url: url(sandbox, user: user)), name: "test-\(user)", queues: [queue], prefetch: 10,
            topology: Topology(), reconnectPolicy: ReconnectPolicy(maxAttempts: 1), logger: .init(label: "test"))
        do {
            try await consumer.start()
            _ = try await consumer.nextBatch(max: 1, waitMilliseconds: 300)
            await consumer.close()
            return true
        } catch {
            await consumer.close()
            return false
        }
    }

    static func demand(_ id: String) -> [UInt8] {
        Fixtures.json([
            "external_id": id, "submitted_at": "2026-11-18T10:00:00+08:00", "category": "SZSS-JGPS",
            "content": "河畔路口雨水井盖缺失，夜间行人容易踩空，请尽快补装", "reporter": ["name": "王小明", "phone": "13812345678"],
        ])
    }

    @Test("adapters publish only their channel; departments read only their queue and reply only as themselves")
    func brokerUsers() async throws {
        try await FlowHarness.run("least-privilege", start: "2026-11-18T10:00:00+08:00") { flow in
            let sandbox = flow.sandbox
            #expect(try await sandbox.servers.control("grant-vhost", sandbox.vhost) == 0)

            // The 12345 adapter: its own channel goes through; the grid channel, the replies and reading do not.
            let own = OutboundMessage(exchange: Exchange.intake, routingKey: "demand.12345", body: Self.demand("LP-1"), messageId: "lp-own")
            #expect(try await Self.canPublish(sandbox, user: "adapter-12345", own))
            let ticketNo = try #require(
                try await flow.events.waitFor("lp-own") { $0.contains { $0.sourceMessageId == "lp-own" } }
                    .first { $0.sourceMessageId == "lp-own" }?["ticket_no"] as? String)
            let asGrid = OutboundMessage(
                exchange: Exchange.intake, routingKey: "demand.grid", body: Self.demand("LP-2"), messageId: "lp-grid")
            #expect(try await !Self.canPublish(sandbox, user: "adapter-12345", asGrid), "an adapter cannot publish as another channel")
            let asReply = OutboundMessage(exchange: Exchange.replies, routingKey: "XS-CGJ", body: Array("{}".utf8), messageId: "lp-reply")
            #expect(try await !Self.canPublish(sandbox, user: "adapter-12345", asReply))
            #expect(try await !Self.canConsume(sandbox, user: "adapter-12345", queue: WhistleTopology.intakeQueue))
            // Each service publishes only the event types it emits (the issue's case: the evaluator's
            // user published a feedback.received); evaluations come from street offices, not adapters.
            let feedbackEvent = OutboundMessage(
                exchange: Exchange.events, routingKey: "feedback.received", body: Array("{}".utf8), messageId: "lp-event")
            #expect(try await !Self.canPublish(sandbox, user: "whistle-evaluator", feedbackEvent))
            #expect(try await !Self.canPublish(sandbox, user: "whistle-dispatcher", feedbackEvent))
            let evaluation = OutboundMessage(
                exchange: Exchange.intake, routingKey: "evaluation", body: Array("{}".utf8), messageId: "lp-evaluation")
            #expect(try await !Self.canPublish(sandbox, user: "adapter-grid", evaluation))
            #expect(try await !Self.canPublish(sandbox, user: "dept-XS-CGJ", evaluation), "a bureau evaluates nothing")

            // 城管 leads, 水务 is co. Each department reads its own queue only.
            let dispatched = try await flow.event(.ticketDispatched, ticket: ticketNo)
            let assignments = (dispatched.data["assignments"] as? [[String: Any]]) ?? []
            let lead = try #require(assignments.first { $0["department"] as? String == "XS-CGJ" }?["assignment_id"] as? String)
            let co = try #require(assignments.first { $0["department"] as? String == "XS-SWJ" }?["assignment_id"] as? String)
            #expect(
                try await !Self.canConsume(sandbox, user: "dept-XS-SWJ", queue: departmentQueue("XS-CGJ")), "no reading another's queue")
            #expect(try await Self.canConsume(sandbox, user: "dept-XS-SWJ", queue: departmentQueue("XS-SWJ")))

            // 水务 cannot publish under 城管's routing key; under its own, a reply about 城管's assignment is refused.
            func reply(_ id: String, _ messageId: String, key: String) -> OutboundMessage {
                OutboundMessage(
                    exchange: Exchange.replies, routingKey: key, body: Fixtures.json(["assignment_id": id, "action": "acknowledge"]),
                    messageId: messageId)
            }
            #expect(
                try await !Self.canPublish(sandbox, user: "dept-XS-SWJ", reply(lead, "lp-impostor", key: "XS-CGJ")),
                "no replying for another")
            #expect(try await Self.canPublish(sandbox, user: "dept-XS-SWJ", reply(lead, "lp-foreign", key: "XS-SWJ")))
            #expect(try await Self.canPublish(sandbox, user: "dept-XS-CGJ", reply(lead, "lp-lead", key: "XS-CGJ")))
            #expect(try await Self.canPublish(sandbox, user: "dept-XS-SWJ", reply(co, "lp-co", key: "XS-SWJ")))

            // A broker user allowed to publish any routing key is still not the department: user_id decides.
            #expect(try await sandbox.servers.control("rabbitmqctl", "add_user", "lp-rogue", "lp-rogue") == 0)
            #expect(
                try await sandbox.servers.control(
                    "rabbitmqctl", "set_permissions", "-p", sandbox.vhost, "lp-rogue", "^$", "^whistle\\.replies$", "^$") == 0)
            #expect(try await Self.canPublish(sandbox, user: "lp-rogue", reply(co, "lp-rogue-reply", key: "XS-SWJ")))
            let answers = try await flow.events.waitFor("the replies' answers") { all in
                ["lp-foreign", "lp-rogue-reply"].allSatisfy { id in all.contains { $0.sourceMessageId == id } }
                    && all.filter { $0["type"] as? String == "assignment.acknowledged" }.count >= 2
            }
            _ = try? await sandbox.servers.control("rabbitmqctl", "delete_user", "lp-rogue")
            let foreign = try #require(answers.first { $0.sourceMessageId == "lp-foreign" })
            #expect(foreign["type"] as? String == "reply.rejected")
            let rogue = try #require(answers.first { $0.sourceMessageId == "lp-rogue-reply" })
            #expect(rogue["type"] as? String == "reply.rejected")
            let rogueError = ((rogue.data["errors"] as? [[String: Any]])?.first?["message"] as? String) ?? ""
            #expect(rogueError.contains("lp-rogue may not reply for XS-SWJ"), "\(rogueError)")
            let acknowledged = answers.filter { $0["type"] as? String == "assignment.acknowledged" }.compactMap {
                $0.data["assignment_id"] as? String
            }
            #expect(Set(acknowledged) == [lead, co], "each department acknowledged its own assignment, once")
            #expect(acknowledged.count == 2)
            #expect(try await flow.sandbox.count("SELECT count(*) FROM demands WHERE message_id = 'lp-grid'") == 0)
        }
    }
}
