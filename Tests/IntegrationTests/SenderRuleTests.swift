import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// The broker's `user_id` rule end to end, with every service as its own broker user and strict:
/// what a wrong user sends is refused by the broker (topic permissions) or by its consumer, and
/// nothing changes in the tickets, assignments, timeline, feedback or evaluations.
@Suite("Sender rule", .serialized)
struct SenderRuleTests {
    static let start = "2026-11-18T10:00:00+08:00"

    static func publish(
        _ sandbox: TestSandbox, as user: String, _ exchange: String, _ key: String, _ body: [String: Any], id: String
    ) async throws -> Bool {
        let message = OutboundMessage(exchange: exchange, routingKey: key, body: Fixtures.json(body), messageId: id)
        return try await LeastPrivilegeTests.canPublish(sandbox, user: user, message)
    }

    /// A valid 12345 demand.
    static func demand(_ externalId: String) -> [String: Any] {
        [
            "external_id": externalId, "submitted_at": start, "category": "SZSS-JGPS",
            "content": "河畔路口雨水井盖缺失，夜间行人容易踩空，请尽快补装", "reporter": ["name": "王小明", "phone": "13812345678"],
        ]
    }

    /// A forged event envelope about `ticketNo`.
    static func event(_ type: EventType, ticket ticketNo: String, data: [String: Any]) -> [String: Any] {
        ["event_id": UUID().uuidString.lowercased(), "type": type.rawValue, "occurred_at": start, "ticket_no": ticketNo, "data": data]
    }

    /// Every timeline row, in order: with `DatabaseState`, what no forged message may change.
    static func timeline(_ sandbox: TestSandbox) async throws -> [String] {
        try await sandbox.withDatabase { connection in
            try connection.query("SELECT ticket_no || ' ' || type || ' ' || coalesce(actor, '-') FROM timeline ORDER BY id").map {
                try $0.decode(0, as: String.self)
            }
        }
    }

    /// The errors that consumers recorded for `messageId` (`message_failures`), once there are `count`.
    static func failures(_ sandbox: TestSandbox, _ messageId: String, count: Int) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let errors = try await sandbox.withDatabase { connection in
                try connection.query(
                    "SELECT consumer || ': ' || error FROM message_failures WHERE message_id = $1 ORDER BY consumer", [messageId]
                )
                .map { try $0.decode(0, as: String.self) }
            }
            if errors.count >= count { return errors }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("fewer than \(count) consumers recorded a failure for \(messageId)")
        return []
    }

    @Test("forged events, demands, feedback and evaluations from each wrong user are refused and change nothing")
    func forgeries() async throws {
        try await FlowHarness.run("sender-rule", start: Self.start, ownUsers: true) { flow in
            let sandbox = flow.sandbox
            // Baseline: a 12345 ticket, and a whistle blown from a grid of 枫林街道 (FL-JDB evaluates it).
            #expect(
                try await Self.publish(sandbox, as: "adapter-12345", Exchange.intake, "demand.12345", Self.demand("SR-1"), id: "sr-12345"))
            let whistle: [String: Any] = [
                "external_id": "SR-GRID-1", "submitted_at": Self.start, "content": "红枫路菜市场门口占道经营，多次劝导无效",
                "location": ["grid": "G-FL-HF-01"], "reporter": ["id": "GW-FL-HF-01"],
                "whistle": ["departments": ["XS-CGJ", "XS-SCJG"], "reason": "需城管、市场监管联合执法"],
            ]
            #expect(try await Self.publish(sandbox, as: "adapter-grid", Exchange.intake, "demand.grid", whistle, id: "sr-grid"))
            let outcomes = try await flow.events.waitFor("the baseline") { all in
                ["sr-12345", "sr-grid"].allSatisfy { id in
                    all.contains { $0.sourceMessageId == id && $0["type"] as? String == "ticket.accepted" }
                }
            }
            let plain = try #require(outcomes.first { $0.sourceMessageId == "sr-12345" }?["ticket_no"] as? String)
            let whistled = try #require(outcomes.first { $0.sourceMessageId == "sr-grid" }?["ticket_no"] as? String)
            try await flow.event(.ticketDispatched, ticket: plain)
            let whistleDispatched = try await flow.event(.ticketDispatched, ticket: whistled)
            let before = try await DatabaseState.read(sandbox)
            let timelineBefore = try await Self.timeline(sandbox)

            // Refused by the broker: topic permissions (each publisher sees its channel closed).
            let feedback: [String: Any] = ["ticket_no": plain, "satisfaction": "unsatisfied", "resolved": false]
            let evaluation: [String: Any] = ["ticket_no": whistled, "by": "FL-JDB", "scores": [["department": "XS-CGJ", "score": 20]]]
            let merged = Self.event(
                .ticketMerged, ticket: plain,
                data: ["source": ["channel": "12345", "external_id": "X", "message_id": "x"], "report_count": 3])
            for (user, exchange, key, body) in [
                ("whistle-evaluator", Exchange.events, "ticket.merged", merged),
                ("whistle-intake", Exchange.events, "ticket.closed", merged),
                ("adapter-hotline", Exchange.intake, "demand.12345", Self.demand("SR-2")),
                ("dept-XS-CGJ", Exchange.intake, "demand.12345", Self.demand("SR-3")),
                ("dept-XS-CGJ", Exchange.intake, "feedback", feedback),
                ("adapter-grid", Exchange.intake, "evaluation", evaluation), ("adapter-12345", Exchange.intake, "evaluation", evaluation),
            ] as [(String, String, String, [String: Any])] {
                #expect(
                    try await !Self.publish(sandbox, as: user, exchange, key, body, id: "sr-broker-\(user)-\(key)"),
                    "\(user) published \(key)")
            }

            // Past the broker, refused by the consumers: a user with write on both exchanges and no
            // topic permissions, the operator, and the real users in the wrong place.
            let rogue = "rogue-\(sandbox.vhost.suffix(8))"
            #expect(try await sandbox.servers.control("rabbitmqctl", "add_user", rogue, rogue) == 0)
            #expect(
                try await sandbox.servers.control(
                    "rabbitmqctl", "set_permissions", "-p", sandbox.vhost, rogue, "^$", "^whistle\\.(intake|events)$", "^$") == 0)
            let answered: [(user: String, key: String, body: [String: Any], id: String, type: EventType)] = [
                (rogue, "demand.12345", Self.demand("SR-4"), "sr-rogue-demand", .demandRejected),
                (rogue, "feedback", feedback, "sr-rogue-feedback", .feedbackRejected),
                (rogue, "evaluation", evaluation, "sr-rogue-evaluation", .evaluationRejected),
                ("whistle-admin", "feedback", feedback, "sr-admin-feedback", .feedbackRejected),
                ("whistle-admin", "evaluation", evaluation, "sr-admin-evaluation", .evaluationRejected),
                ("adapter-hotline", "feedback", feedback, "sr-hotline-feedback", .feedbackRejected),
                (
                    "adapter-12345", "feedback", ["ticket_no": whistled, "satisfaction": "unsatisfied", "resolved": false],
                    "sr-12345-feedback", .feedbackRejected
                ),
                ("dept-QS-JDB", "evaluation", evaluation, "sr-other-street", .evaluationRejected),
                // A street office may verify its own whistles only: not a hotline ticket, not another street's whistle.
                ("dept-FL-JDB", "feedback", feedback, "sr-street-feedback", .feedbackRejected),
                (
                    "dept-QS-JDB", "feedback", ["ticket_no": whistled, "satisfaction": "satisfied", "resolved": true],
                    "sr-other-street-feedback", .feedbackRejected
                ),
            ]
            for message in answered {
                #expect(
                    try await Self.publish(sandbox, as: message.user, Exchange.intake, message.key, message.body, id: message.id),
                    "\(message.user) \(message.key)")
            }
            // Forged events: from the operator (no topic permissions), from the rogue, and from the
            // evaluator under its own routing key with another type in the body.
            #expect(try await Self.publish(sandbox, as: "whistle-admin", Exchange.events, "ticket.merged", merged, id: "sr-admin-event"))
            #expect(try await Self.publish(sandbox, as: rogue, Exchange.events, "ticket.merged", merged, id: "sr-rogue-event"))
            #expect(
                try await Self.publish(
                    sandbox, as: "whistle-evaluator", Exchange.events, "hotspot.detected", merged, id: "sr-disguised-event"))
            #expect(try await sandbox.servers.control("rabbitmqctl", "delete_user", rogue) == 0)

            let all = try await flow.events.waitFor("the rejections") { all in
                answered.allSatisfy { message in all.contains { $0.sourceMessageId == message.id } }
            }
            for message in answered {
                let answer = try #require(all.first { $0.sourceMessageId == message.id })
                #expect(answer["type"] as? String == message.type.rawValue, "\(message.id): \(answer)")
                let errors = answer.data["errors"] as? [[String: Any]] ?? []
                #expect(
                    errors.contains {
                        $0["code"] as? String == "not_allowed" && String(describing: $0["message"] ?? "").contains("may not")
                    }, "\(message.id): \(errors)")
            }
            let demandErrors = all.first { $0.sourceMessageId == "sr-rogue-demand" }?.data["errors"] as? [[String: Any]] ?? []
            #expect(
                demandErrors.count == 1 && demandErrors[0]["field"] is NSNull,
                "a valid demand from the wrong user: one error, field null: \(demandErrors)")
            let street = all.first { $0.sourceMessageId == "sr-other-street" }?.data["errors"] as? [[String: Any]] ?? []
            #expect(street.contains { String(describing: $0["message"] ?? "").contains("only dept-FL-JDB") }, "\(street)")

            // The dispatcher, the notifier and the evaluator consume ticket.merged: each dead-letters
            // the forgeries with the reason; the notifier (alone on hotspot.detected) the disguised one.
            for (id, sender) in [("sr-admin-event", "whistle-admin"), ("sr-rogue-event", rogue)] {
                let errors = try await Self.failures(sandbox, id, count: 3)
                #expect(
                    errors.count == 3 && errors.allSatisfy { $0.contains("refused: broker user \(sender) may not publish ticket.merged") },
                    "\(errors)")
            }
            let disguised = try await Self.failures(sandbox, "sr-disguised-event", count: 1)
            #expect(
                disguised.contains { $0.contains("whistle-evaluator may not publish ticket.merged; only whistle-intake emits it") },
                "\(disguised)")
            let letters = try await DeadLetters.messageIds(sandbox, atLeast: 3)
            #expect(["sr-admin-event", "sr-rogue-event", "sr-disguised-event"].allSatisfy(letters.contains), "\(letters)")

            #expect(try await DatabaseState.read(sandbox) == before, "a forged message changed the flow's tables")
            #expect(try await Self.timeline(sandbox) == timelineBefore, "a forged message changed a timeline")
            #expect(
                try await sandbox.count(
                    "SELECT count(*)::int FROM demands WHERE message_id IN ('sr-rogue-demand') AND outcome = 'rejected'") == 1)

            // The right users are heard: the whistling street's evaluation (once XS-CGJ's work is
            // done: a department is scored only then), the channel's feedback.
            let bureau = try #require(
                (whistleDispatched.data["assignments"] as? [[String: Any]])?.first { $0["department"] as? String == "XS-CGJ" }?[
                    "assignment_id"] as? String)
            try await flow.desk.reply("XS-CGJ", bureau, "acknowledge")
            try await flow.event(.assignmentAcknowledged, ticket: whistled)
            try await flow.desk.reply("XS-CGJ", bureau, "complete", ["result": "已联合执法清理"])
            try await flow.event(.assignmentCompleted, ticket: whistled)
            #expect(try await Self.publish(sandbox, as: "dept-FL-JDB", Exchange.intake, "evaluation", evaluation, id: "sr-street"))
            #expect(try await Self.publish(sandbox, as: "adapter-12345", Exchange.intake, "feedback", feedback, id: "sr-feedback"))
            let heard = try await flow.events.waitFor("the right users' answers") { all in
                ["sr-street", "sr-feedback"].allSatisfy { id in all.contains { $0.sourceMessageId == id } }
            }
            #expect(heard.first { $0.sourceMessageId == "sr-street" }?["type"] as? String == "evaluation.recorded")
            #expect(heard.first { $0.sourceMessageId == "sr-feedback" }?["type"] as? String == "feedback.received")
        }
    }
}

extension SenderRuleTests {
    /// Publishes `body` as `user` with `headers`; whether the broker confirmed it.
    static func publish(
        _ sandbox: TestSandbox, as user: String, _ key: String, _ body: [String: Any], id: String, headers: [String: String]
    ) async throws -> Bool {
        let message = OutboundMessage(
            exchange: Exchange.intake, routingKey: key, body: Fixtures.json(body), messageId: id, headers: headers)
        return try await LeastPrivilegeTests.canPublish(sandbox, user: user, message)
    }

    @Test("a gateway's x-whistle-adapter / x-whistle-via are believed from the gateway only; the gateway publishes demands, nothing else")
    func gatewayHeaders() async throws {
        try await FlowHarness.run("sender-gateway", start: Self.start, ownUsers: true) { flow in
            let sandbox = flow.sandbox
            let spoofed = ["x-whistle-adapter": "city-app", "x-whistle-via": "open311"]
            // An ordinary adapter that sets the headers: recorded as itself, no via.
            #expect(
                try await Self.publish(sandbox, as: "adapter-12345", "demand.12345", Self.demand("GW-1"), id: "gw-spoof", headers: spoofed))
            // The gateway (the evaluator's user) on two channels: its headers are recorded.
            var grid = Self.demand("GW-2")
            grid["location"] = ["grid": "G-FL-HF-01"]
            grid["reporter"] = ["id": "GW-FL-HF-01"]
            let http = ["x-whistle-adapter": "grid-app", "x-whistle-via": "http"]
            #expect(try await Self.publish(sandbox, as: "whistle-evaluator", "demand.grid", grid, id: "gw-grid", headers: http))
            // Headers the gateway did not fill in properly fall back to the sender.
            #expect(
                try await Self.publish(
                    sandbox, as: "whistle-evaluator", "demand.hotline", Self.demand("GW-3").merging(["line": "12319"]) { $1 }, id: "gw-bad",
                    headers: ["x-whistle-adapter": "Not An Id", "x-whistle-via": "smtp"]))
            let all = try await flow.events.waitFor("the three outcomes") { all in
                ["gw-spoof", "gw-grid", "gw-bad"].allSatisfy { id in all.contains { $0.sourceMessageId == id } }
            }
            func source(_ id: String) -> [String: Any] { all.first { $0.sourceMessageId == id }?.data["source"] as? [String: Any] ?? [:] }
            #expect(
                source("gw-spoof")["adapter"] as? String == "adapter-12345" && source("gw-spoof")["via"] == nil, "\(source("gw-spoof"))")
            #expect(source("gw-grid")["adapter"] as? String == "grid-app" && source("gw-grid")["via"] as? String == "http")
            #expect(source("gw-bad")["adapter"] as? String == "whistle-evaluator" && source("gw-bad")["via"] == nil)
            #expect(
                all.first { $0.sourceMessageId == "gw-grid" }?["type"] as? String == "ticket.accepted", "a gateway may publish demand.grid")
            let rows = try await sandbox.withDatabase { connection in
                try connection.query(
                    "SELECT message_id || '=' || coalesce(adapter, '-') || '/' || coalesce(via, '-') FROM demands WHERE message_id LIKE 'gw-%' ORDER BY 1"
                ).map { try $0.decode(0, as: String.self) }
            }
            #expect(rows == ["gw-bad=whistle-evaluator/-", "gw-grid=grid-app/http", "gw-spoof=adapter-12345/-"], "\(rows)")

            // The gateway may not publish feedback, a whistle or an evaluation (topic permissions: ^demand\. only).
            let feedback: [String: Any] = ["ticket_no": "W20261118-000001", "satisfaction": "satisfied", "resolved": true]
            for key in ["feedback", "whistle", "evaluation", "points"] {
                #expect(try await !Self.publish(sandbox, as: "whistle-evaluator", key, feedback, id: "gw-\(key)", headers: http), "\(key)")
            }
        }
    }
}

/// The sandbox's dead-letter queue (`whistle.dead-letters`), read by the operator user.
enum DeadLetters {
    /// The distinct message ids of the dead letters, once there are at least `count` (or after 20 s).
    static func messageIds(_ sandbox: TestSandbox, atLeast count: Int) async throws -> Set<String> {
        let consumer = AMQPConsumer(
            configuration: try AMQPConfiguration(url: sandbox.amqpURL), name: "test-dead-letters",
            queues: [WhistleTopology.deadLetterQueue],
            prefetch: 100, topology: WhistleTopology.base, logger: .init(label: "test"))
        try await consumer.start()
        var ids = Set<String>()
        let deadline = ContinuousClock.now + .seconds(20)
        while ids.count < count && ContinuousClock.now < deadline {
            for delivery in try await consumer.nextBatch(max: 100, waitMilliseconds: 300) { ids.insert(delivery.messageId ?? "") }
        }
        await consumer.close()
        return ids
    }
}
