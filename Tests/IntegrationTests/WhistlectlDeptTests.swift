import Foundation
import Logging
import Testing
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// `whistlectl dept listen|reply` and `whistlectl triage route`, run as built, each test in its
/// own vhost and database (TestSandbox), without the dispatcher: the test plays the dispatcher's
/// part on the broker (assignments in, replies and events checked or sent by hand).
@Suite("whistlectl dept and triage", .serialized)
struct WhistlectlDeptTests {
    static let code = "GL-JDB"
    static let ackDue = RFC3339.parse("2026-11-21T09:00:00Z")!
    static let resolveDue = RFC3339.parse("2026-11-24T09:00:00Z")!

    @Test func listenJSONPrintsTheAssignmentAsPublishedAndAcknowledgesIt() async throws {
        try await Self.withSandbox("ctl-listen-json") { sandbox, ctl in
            let assignment = Self.assignment()
            let body = try await Self.dispatch(assignment, sandbox: sandbox)
            let result = try await Self.run(ctl, sandbox, ["dept", "listen", Self.code, "--count", "1", "--json", "--timeout", "20"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == String(decoding: body, as: UTF8.self) + "\n")
            let line = try #require(result.stdout.split(separator: "\n").first)
            #expect(try WhistleJSON.decode(AssignmentMessage.self, from: Data(line.utf8)) == assignment)
            #expect(try await Self.ready(departmentQueue(Self.code), sandbox: sandbox) == 0, "the message was acknowledged")
        }
    }

    @Test func listenPrintsBlocksHoldsWithNoAckAndEndsAsDocumented() async throws {
        try await Self.withSandbox("ctl-listen-text") { sandbox, ctl in
            let first = Self.assignment(), second = Self.assignment()
            _ = try await Self.dispatch(first, sandbox: sandbox)
            _ = try await Self.dispatch(second, sandbox: sandbox)
            let text = try await Self.run(ctl, sandbox, ["dept", "listen", Self.code, "--count", "2", "--timeout", "20"])
            #expect(text.status == 0, "\(text.stderr)")
            for id in [first.assignmentId, second.assignmentId] { #expect(text.stdout.contains("assignment \(id)"), "\(text.stdout)") }
            #expect(text.stdout.contains("2026-11-21 17:00:00") && text.stdout.contains("2026-11-24 17:00:00"), "local times")
            #expect(text.stdout.contains("W20261121-000123") && text.stdout.contains("渔港农贸市场门口占道经营"))
            #expect(text.stdout.contains("lead / co") && text.stdout.contains("GL-JDB / XS-CGJ, XS-SWJ"), "\(text.stdout)")
            #expect(text.stdout.contains("段*, 135****4263"), "the reporter as given: \(text.stdout)")

            let held = Self.assignment()
            _ = try await Self.dispatch(held, sandbox: sandbox)
            let peek = try await Self.run(
                ctl, sandbox, ["dept", "listen", Self.code, "--count", "1", "--json", "--no-ack", "--timeout", "20"])
            #expect(peek.status == 0 && peek.stdout.contains(held.assignmentId), "\(peek.stderr)")
            #expect(try await Self.ready(departmentQueue(Self.code), sandbox: sandbox) == 1, "--no-ack hands the message back")

            let short = try await Self.run(ctl, sandbox, ["dept", "listen", Self.code, "--count", "2", "--timeout", "1.5", "--json"])
            #expect(short.status == 1 && short.stdout.contains(held.assignmentId), "\(short.stdout)")
            #expect(short.stderr.contains("only 1 of 2 messages arrived on dept.GL-JDB"), "\(short.stderr)")
            let quiet = try await Self.run(ctl, sandbox, ["dept", "listen", Self.code, "--timeout", "1"])
            #expect(quiet.status == 0 && quiet.stdout.isEmpty, "without --count a quiet queue is no error: \(quiet.stderr)")

            try await Self.publish(
                OutboundMessage(exchange: Exchange.dispatch, routingKey: Self.code, body: Array("not json\n".utf8), messageId: "junk-1"),
                sandbox: sandbox)
            let junk = try await Self.run(ctl, sandbox, ["dept", "listen", Self.code, "--count", "1", "--timeout", "20"])
            #expect(junk.status == 0 && junk.stdout.contains("undecodable message junk-1") && junk.stdout.contains("not json"))
            #expect(junk.stderr.contains("warning: message junk-1 on dept.GL-JDB is not an assignment"), "\(junk.stderr)")

            let missing = try await Self.run(ctl, sandbox, ["dept", "listen", "NOPE", "--count", "1", "--timeout", "1"])
            #expect(missing.status == 1 && missing.stderr.hasPrefix("whistlectl: error: no queue dept.NOPE on the broker"))
            #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
        }
    }

    @Test func replyPublishesTheContractBodyToTheDepartmentsKey() async throws {
        try await Self.withSandbox("ctl-reply") { sandbox, ctl in
            let assignmentId = try await Self.seedAssignment(ctl, sandbox)
            try await Self.withQueue(on: Exchange.replies, keys: ["#"], sandbox: sandbox) { consumer in
                let complete = try await Self.run(
                    ctl, sandbox,
                    [
                        "dept", "reply", assignmentId, "complete", "--result", "已清理，恢复通行", "--note", "现场核实",
                        "--at", "2026-11-21T16:30:00+08:00", "--message-id", "reply-test-1",
                    ])
                #expect(complete.status == 0, "\(complete.stderr)")
                #expect(complete.stdout == "published reply-test-1 to whistle.replies/\(Self.code): complete \(assignmentId)\n")
                let delivery = try await Self.receive("reply-test-1", from: consumer)
                #expect(delivery.exchange == Exchange.replies && delivery.routingKey == Self.code)
                #expect(delivery.contentType == "application/json")
                let expected: JSONValue = [
                    "assignment_id": .string(assignmentId), "action": "complete", "result": "已清理，恢复通行", "note": "现场核实",
                    "at": "2026-11-21T16:30:00+08:00",
                ]
                #expect(try JSONParser().parse(delivery.body) == expected)

                let returned = try await Self.run(
                    ctl, sandbox, ["dept", "reply", assignmentId, "return", "--reason", "wrong_area", "--department", "XS-SWJ"])
                #expect(returned.status == 0, "\(returned.stderr)")
                let generated = try #require(returned.stdout.split(separator: " ").dropFirst().first.map(String.init))
                #expect(UUID(uuidString: generated) != nil, "default message_id is a UUID: \(returned.stdout)")
                let back = try await Self.receive(generated, from: consumer)
                #expect(back.routingKey == "XS-SWJ")
                #expect(
                    try JSONParser().parse(back.body) == [
                        "assignment_id": .string(assignmentId), "action": "return", "reason_code": "wrong_area",
                    ])
                try await sandbox.withDatabase { _ = try $0.query("UPDATE assignments SET status = 'completed'") }
                let late = try await Self.run(ctl, sandbox, ["dept", "reply", assignmentId, "progress", "--note", "again"])
                #expect(late.status == 0 && late.stderr.contains("is completed and takes no further replies"), "\(late.stderr)")
            }
            let unknown = try await Self.run(ctl, sandbox, ["dept", "reply", UUID().uuidString.lowercased(), "acknowledge"])
            #expect(unknown.status == 1 && unknown.stderr.contains("no assignment") && unknown.stderr.contains("--department"))
        }
    }

    @Test func replyRefusesWhatTheContractRequiresAndPublishesNothing() async throws {
        try await Self.withSandbox("ctl-reply-bad") { sandbox, ctl in
            let id = UUID().uuidString.lowercased()
            try await Self.withQueue(on: Exchange.replies, keys: ["#"], sandbox: sandbox) { consumer in
                let failed = try await Self.run(
                    ctl, sandbox, ["dept", "reply", id, "complete", "--department", Self.code, "--message-id", "bad-1"])
                #expect(failed.status != 0 && failed.stdout.isEmpty)
                #expect(failed.stderr.hasPrefix("whistlectl: error: complete needs --result"), "\(failed.stderr)")
                for arguments in [["return"], ["extend"], ["acknowledge", "--reason", "duplicate"], ["progress", "--at", "yesterday"]] {
                    let refused = try await Self.run(ctl, sandbox, ["dept", "reply", id] + arguments + ["--department", Self.code])
                    #expect(refused.status != 0 && refused.stderr.split(separator: "\n").count == 1, "\(arguments): \(refused.stderr)")
                }
                // The next message on the queue is the sentinel: nothing went out before it.
                let sentinel = try await Self.run(
                    ctl, sandbox, ["dept", "reply", id, "acknowledge", "--department", Self.code, "--message-id", "ok-1"])
                #expect(sentinel.status == 0, "\(sentinel.stderr)")
                let batch = try await consumer.nextBatch(max: 10, waitMilliseconds: 10_000, lingerMilliseconds: 500)
                #expect(batch.map(\.messageId) == ["ok-1"])
            }
        }
    }

    @Test func triageRoutePublishesTheRoutingWithTheCommandCentersKey() async throws {
        try await Self.withSandbox("ctl-triage") { sandbox, ctl in
            #expect(try await ctl.run(["seed", "--no-broker", WhistlectlTests.seedFolder]).status == 0)
            try await Self.withQueue(on: Exchange.replies, keys: ["triage.#"], sandbox: sandbox) { consumer in
                let routed = try await Self.run(
                    ctl, sandbox,
                    [
                        "triage", "route", "W20261121-000007", "GL-JDB", "XS-CGJ", "XS-SWJ", "--note", "占道经营，街道主办", "--message-id",
                        "triage-1",
                    ])
                #expect(routed.status == 0, "\(routed.stderr)")
                let delivery = try await Self.receive("triage-1", from: consumer)
                #expect(delivery.exchange == Exchange.replies && delivery.routingKey == "triage.XS-ZHZX", "the district's command center")
                #expect(delivery.contentType == "application/json")
                let expected = TriageRoute(ticketNo: "W20261121-000007", lead: "GL-JDB", co: ["XS-CGJ", "XS-SWJ"], note: "占道经营，街道主办")
                #expect(try WhistleJSON.decode(TriageRoute.self, from: Data(delivery.body)) == expected)
                #expect(try JSONParser().parse(delivery.body)["ticket_no"] == "W20261121-000007")

                let named = try await Self.run(
                    ctl, sandbox, ["triage", "route", "W20261121-000007", "QS-JDB", "--as", "QS-ZHZX", "--message-id", "triage-2"])
                #expect(named.status == 0, "\(named.stderr)")
                let second = try await Self.receive("triage-2", from: consumer)
                #expect(second.routingKey == "triage.QS-ZHZX")
                #expect(try JSONParser().parse(second.body) == ["ticket_no": "W20261121-000007", "lead": "QS-JDB", "co": []])
            }
        }
    }

    @Test func waitPrintsTheDispatchersAnswerFromTheEvents() async throws {
        try await Self.withSandbox("ctl-wait") { sandbox, ctl in
            try await Self.withQueue(on: Exchange.replies, keys: ["#"], sandbox: sandbox) { consumer in
                let id = UUID().uuidString.lowercased()
                async let accepted = Self.run(
                    ctl, sandbox, ["dept", "reply", id, "acknowledge", "--department", Self.code, "--message-id", "w-1", "--wait", "20"])
                _ = try await Self.receive("w-1", from: consumer)  // published, so its events queue is bound
                try await Self.event("assignment.acknowledged", ["assignment_id": .string(id), "message_id": "other"], sandbox: sandbox)
                try await Self.event(
                    "assignment.acknowledged", ["assignment_id": .string(id), "message_id": "w-1", "on_time": true], sandbox: sandbox)
                let ok = try await accepted
                #expect(
                    ok.status == 0 && ok.stdout.contains("outcome: assignment.acknowledged, ticket W20261121-000009"),
                    "\(ok.stdout)\(ok.stderr)")

                async let refused = Self.run(
                    ctl, sandbox,
                    ["dept", "reply", id, "progress", "--note", "x", "--department", Self.code, "--message-id", "w-2", "--wait", "20"])
                _ = try await Self.receive("w-2", from: consumer)
                let errors: JSONValue = [["field": .null, "code": "not_allowed", "message": "progress needs an acknowledged assignment"]]
                let source: JSONValue = ["channel": .null, "external_id": .null, "message_id": "w-2"]
                try await Self.event(
                    "reply.rejected", ["assignment_id": .string(id), "department": "GL-JDB", "errors": errors, "source": source],
                    sandbox: sandbox)
                let no = try await refused
                #expect(
                    no.status == 1 && no.stdout.contains("error: (message) not_allowed: progress needs an acknowledged assignment"),
                    "\(no.stdout)")
                #expect(no.stderr.contains("rejected reply w-2 (1 error)"), "\(no.stderr)")

                async let routed = Self.run(
                    ctl, sandbox,
                    ["triage", "route", "W20261121-000009", "GL-JDB", "--as", "GL-ZHZX", "--message-id", "w-3", "--wait", "20"])
                _ = try await Self.receive("w-3", from: consumer)
                let listed: JSONValue = [
                    [
                        "assignment_id": .string(id), "department": "GL-JDB", "role": "lead",
                        "ack_due": "2026-11-21T09:00:00Z", "resolve_due": "2026-11-24T09:00:00Z",
                    ]
                ]
                try await Self.event("ticket.dispatched", ["round": 2, "assignments": listed, "rule": "command_center"], sandbox: sandbox)
                let done = try await routed
                #expect(
                    done.status == 0 && done.stdout.contains("outcome: ticket.dispatched, ticket W20261121-000009, round 2"),
                    "\(done.stdout)")
                #expect(done.stdout.contains(id) && done.stdout.contains("2026-11-21 17:00:00"), "\(done.stdout)")
            }
        }
    }
}

extension WhistlectlDeptTests {
    static var logger: Logger { WhistlectlTests.logger }

    /// A private vhost and database for `body`, removed afterwards.
    static func withSandbox(_ label: String, _ body: (TestSandbox, Ctl) async throws -> Void) async throws {
        let sandbox = try await TestSandbox(label)
        do {
            try await body(sandbox, Ctl(databaseURL: sandbox.databaseURL))
        } catch {
            await sandbox.tearDown()
            throw error
        }
        await sandbox.tearDown()
    }

    /// whistlectl against the sandbox's vhost (the flag wins over the harness's environment).
    static func run(_ ctl: Ctl, _ sandbox: TestSandbox, _ arguments: [String]) async throws -> Ctl.Result {
        try await ctl.run(arguments + ["--amqp-url", sandbox.amqpURL])
    }

    static func assignment() -> AssignmentMessage {
        AssignmentMessage(
            assignmentId: UUID().uuidString.lowercased(), ticketNo: "W20261121-000123", role: "lead", department: code,
            leadDepartment: code, coDepartments: ["XS-CGJ", "XS-SWJ"], category: "SRHJ-ZDJY", urgency: .urgent,
            title: "渔港农贸市场门口占道经营", content: "早高峰堵塞通行\n请尽快处理", location: Location(address: "渔港路 1 号", grid: "G-GL-YG-02"),
            reporter: Reporter(name: "段*", phone: "135****4263"), attachments: [], ackDue: ackDue, resolveDue: resolveDue,
            whistle: nil, reopenCount: 0, channel: "grid", round: 1)
    }

    /// Publishes `assignment` as the dispatcher would, after declaring `dept.<code>`; returns the body.
    static func dispatch(_ assignment: AssignmentMessage, sandbox: TestSandbox) async throws -> [UInt8] {
        let body = [UInt8](try WhistleJSON.encode(assignment))
        try await publish(
            OutboundMessage(
                exchange: Exchange.dispatch, routingKey: assignment.department, body: body,
                messageId: AssignmentMessage.messageId(assignmentId: assignment.assignmentId, round: assignment.round),
                type: AssignmentMessage.amqpType, mandatory: true),
            sandbox: sandbox)
        return body
    }

    /// Publishes one message (declaring `dept.<code>` first) and expects the broker's confirm.
    static func publish(_ message: OutboundMessage, sandbox: TestSandbox) async throws {
        let topology = Topology(exchanges: WhistleTopology.exchanges, queues: [WhistleTopology.department(code, deliveryLimit: 5)])
        let publisher = AMQPPublisher(
            configuration: try AMQPConfiguration(url: sandbox.amqpURL), name: "test-dispatch", topology: topology, logger: logger)
        let outcomes = try await publisher.publish([message])
        await publisher.close()
        #expect(outcomes == [.confirmed])
    }

    /// Publishes an event envelope to `whistle.events`, as a service would.
    static func event(_ type: String, _ data: JSONValue, ticketNo: String = "W20261121-000009", sandbox: TestSandbox) async throws {
        let id = UUID().uuidString.lowercased()
        let envelope: JSONValue = [
            "event_id": .string(id), "type": .string(type), "occurred_at": "2026-11-21T08:00:00Z", "ticket_no": .string(ticketNo),
            "data": data,
        ]
        try await publish(
            OutboundMessage(exchange: Exchange.events, routingKey: type, body: envelope.jsonBytes, messageId: id, type: type),
            sandbox: sandbox)
    }

    /// The ready count of `queue`, once it has settled (a requeued message may take a moment).
    static func ready(_ queue: String, sandbox: TestSandbox) async throws -> Int {
        let admin = AMQPConnection(configuration: try AMQPConfiguration(url: sandbox.amqpURL), name: "test-admin", logger: logger)
        var last = -1
        for _ in 0..<20 {
            let now = try await admin.queueStatus(queue).messages
            if now == last { break }
            last = now
            try await Task.sleep(for: .milliseconds(250))
        }
        await admin.close()
        return last
    }

    /// Seeds the sandbox database and adds a ticket with one assignment of `code`; returns its id.
    static func seedAssignment(_ ctl: Ctl, _ sandbox: TestSandbox) async throws -> String {
        let seeded = try await ctl.run(["seed", "--no-broker", WhistlectlTests.seedFolder])
        #expect(seeded.status == 0, "\(seeded.stderr)")
        let id = UUID().uuidString.lowercased()
        try await sandbox.withDatabase { connection in
            _ = try connection.query(
                """
                INSERT INTO ticket_facts (ticket_no, channel, category_code, urgency, area_code, content, opened_at)
                VALUES ('W20261121-000001', 'grid', 'SRHJ-ZDJY', 'normal', 'G-GL-YG-02', 'x', '2026-11-21T01:00:00Z')
                """)
            _ = try connection.query(
                "INSERT INTO ticket_states (ticket_no, status, lead_department) VALUES ('W20261121-000001', 'dispatched', 'GL-JDB')")
            _ = try connection.query(
                """
                INSERT INTO assignments (assignment_id, ticket_no, department, role, status, round, ack_due, resolve_due)
                VALUES ($1::uuid, 'W20261121-000001', 'GL-JDB', 'lead', 'dispatched', 1, now(), now() + interval '3 days')
                """, [id])
        }
        return id
    }

    /// A queue of the test's own bound to `exchange` with `keys`, consumed for `body`, then deleted.
    static func withQueue(
        on exchange: String, keys: [String], sandbox: TestSandbox, _ body: (AMQPConsumer) async throws -> Void
    ) async throws {
        let configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        let name = "test.watch." + UUID().uuidString.lowercased()
        let queue = WhistleTopology.queue(name, deliveryLimit: 5, bindings: keys.map { .init(exchange, $0) })
        let consumer = AMQPConsumer(
            configuration: configuration, name: name, queues: [name], prefetch: 50,
            topology: Topology(exchanges: WhistleTopology.exchanges, queues: [queue]), logger: logger)
        try await consumer.start()
        do {
            try await body(consumer)
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    /// The delivery with `messageId`, within 15 seconds (others are acknowledged and skipped).
    static func receive(_ messageId: String, from consumer: AMQPConsumer) async throws -> Delivery {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            for delivery in try await consumer.nextBatch(max: 50, waitMilliseconds: 500) {
                try await consumer.ack(delivery)
                if delivery.messageId == messageId { return delivery }
            }
        }
        throw CtlTestFailure("no message \(messageId) arrived within 15 s")
    }
}
