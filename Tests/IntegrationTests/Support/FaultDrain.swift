import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// After the faults: let everything settle, then count what was lost and what took effect twice.
enum FaultDrain {
    struct Result {
        var lost = 0
        var duplicated = 0
        var lostDetail: [String: Int] = [:]
        var duplicatedDetail: [String: Int] = [:]
        var timersFired = 0
        var notificationsSent = 0
        var summary = ""
    }

    static func waitUntil(_ what: String, timeout: Duration = .seconds(90), _ done: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await done()) == true { return }
            try await Task.sleep(for: .milliseconds(300))
        }
        Issue.record("never settled: \(what)")
    }

    /// A count over one text-array parameter.
    static func count(_ sandbox: TestSandbox, _ sql: String, _ values: [String]) async throws -> Int {
        try await sandbox.withDatabase { connection in try connection.query(sql, [values])[0].decode(0, as: Int.self) }
    }

    static func run(_ flow: FlowHarness, workload: FaultWorkload, departments: [String], sink: WebhookSinkProcess) async throws -> Result {
        let sandbox = flow.sandbox
        let confirmed = workload.confirmed
        try await waitUntil("every confirmed demand recorded") {
            try await count(sandbox, "SELECT count(*) FROM demands WHERE message_id = ANY($1::text[])", confirmed) >= confirmed.count
        }
        try await waitUntil("every ticket routed") {
            try await sandbox.count("SELECT count(*) FROM tickets WHERE status = 'accepted'") == 0
        }
        try await waitUntil("the outboxes empty") { try await sandbox.count("SELECT count(*) FROM outbox") == 0 }
        // What the departments did not take before the load stopped is still in their queues.
        var reached = workload.received
        let configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        let consumer = AMQPConsumer(
            configuration: configuration, name: "fault-drain", queues: departments.map(departmentQueue), prefetch: 1000,
            topology: Topology(),
            logger: .init(label: "test"))
        var quiet = 0
        while quiet < 3 {
            let batch = try await consumer.nextBatch(max: 1000, waitMilliseconds: 1000)
            if batch.isEmpty { quiet += 1 } else { quiet = 0 }
            for delivery in batch {
                if let body = try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any],
                    let id = body["assignment_id"] as? String
                {
                    reached.insert(id)
                }
            }
            if let last = batch.last { try await consumer.ack(through: last) }
        }
        await consumer.close()
        try await waitUntil("every notification delivered", timeout: .seconds(180)) {
            try await sandbox.count("SELECT count(*) FROM notifications WHERE status IN ('pending', 'sending')") == 0
        }
        let replied = Array(workload.acknowledged)
        try await waitUntil("every reply applied") {
            try await count(
                sandbox, "SELECT count(*) FROM assignments WHERE assignment_id::text = ANY($1::text[]) AND status = 'dispatched'", replied)
                == 0
        }

        var result = Result()
        let stuck = try await sandbox.withDatabase { connection in
            try connection.query(
                """
                SELECT status || ' (' || count(*) || ', ' || coalesce(min(last_error), 'no error') || ', next ' || max(next_attempt_at)::text || ')'
                FROM notifications WHERE status IN ('failed', 'pending', 'sending') GROUP BY status
                """
            ).map { try $0.decode(0, as: String.self) }
        }
        if !stuck.isEmpty { print("fault suite: notifications not delivered: \(stuck.joined(separator: "; "))") }
        let assignmentIds = try await sandbox.withDatabase { connection in
            try connection.query("SELECT assignment_id::text FROM assignments").map { try $0.decode(0, as: String.self) }
        }
        result.lostDetail = [
            "demands": try await count(
                sandbox,
                "SELECT count(*) FROM unnest($1::text[]) AS c(id) WHERE NOT EXISTS (SELECT 1 FROM demands d WHERE d.message_id = c.id)",
                confirmed),
            "assignments not in their queue": assignmentIds.filter { !reached.contains($0) }.count,
            "replies not applied": try await count(
                sandbox, "SELECT count(*) FROM assignments WHERE assignment_id::text = ANY($1::text[]) AND status = 'dispatched'", replied),
            "notifications not delivered": try await sandbox.count(
                "SELECT count(*) FROM notifications WHERE status IN ('failed', 'pending', 'sending')"),
        ]
        func twice(_ sql: String) async throws -> Int { try await sandbox.count("SELECT count(*) FROM (\(sql)) d") }
        result.duplicatedDetail = [
            "demands": try await twice(
                "SELECT channel, external_id FROM demands WHERE outcome IN ('accepted', 'merged') GROUP BY 1, 2 HAVING count(*) > 1"),
            "dispatch rounds": try await twice(
                "SELECT ticket_no, data->>'round' FROM timeline WHERE type = 'ticket.dispatched' GROUP BY 1, 2 HAVING count(*) > 1"),
            "replies applied": try await twice(
                "SELECT data->>'assignment_id', type FROM timeline WHERE type IN ('assignment.acknowledged', 'assignment.completed') GROUP BY 1, 2 HAVING count(*) > 1"
            ),
            "timers fired": try await twice(
                "SELECT data->>'assignment_id', type, data->>'clock' FROM timeline WHERE type IN ('assignment.due_soon', 'assignment.overdue') GROUP BY 1, 2, 3 HAVING count(*) > 1"
            ),
            "escalations": try await twice(
                "SELECT ticket_no, data->>'level' FROM timeline WHERE type = 'ticket.escalated' GROUP BY 1, 2 HAVING count(*) > 1"),
        ]
        let events = try await flow.events.drain(milliseconds: 2000)
        // The same event delivered twice is the wire's at-least-once; two events for one notification would be two effects.
        let sent = Dictionary(grouping: events.filter { $0["type"] as? String == "notification.sent" }) {
            $0.data["notification_id"] as? String ?? ""
        }
        result.duplicatedDetail["notifications recorded sent"] =
            sent.values.filter { Set($0.compactMap { $0["event_id"] as? String }).count > 1 }.count
        let accepted = Dictionary(grouping: events.filter { $0["type"] as? String == "ticket.accepted" }) { $0.sourceMessageId ?? "" }
        result.duplicatedDetail["tickets opened"] =
            accepted.values.filter { Set($0.compactMap { $0["event_id"] as? String }).count > 1 }.count
        result.lost = result.lostDetail.values.reduce(0, +)
        result.duplicated = result.duplicatedDetail.values.reduce(0, +)
        // Rows of `timers` fired, and the assignments' clocks (each stage one firing).
        result.timersFired = try await sandbox.count(
            "SELECT (SELECT count(*) FROM timers WHERE fired_at IS NOT NULL) + (SELECT coalesce(sum(ack_stage + resolve_stage), 0) FROM assignments)"
        )
        result.notificationsSent = try await sandbox.count("SELECT count(*) FROM notifications WHERE status = 'sent'")
        let tickets = try await sandbox.count("SELECT count(*) FROM tickets")
        let requests = sink.requests().compactMap { ($0["body"] as? [String: Any])?["notification_id"] as? String }
        let delivered =
            " (\(requests.count) webhook requests, \(requests.count - Set(requests).count) of them repeats the receiver ignored)"
        result.summary =
            "\(tickets) tickets, \(assignmentIds.count) assignments (\(workload.deliveries) deliveries to departments), "
            + "\(workload.acknowledged.count) acknowledged and completed, \(result.timersFired) timers fired, "
            + "\(result.notificationsSent) notifications sent\(delivered); lost \(result.lost) \(result.lostDetail), "
            + "duplicated \(result.duplicated) \(result.duplicatedDetail)"
        return result
    }
}
