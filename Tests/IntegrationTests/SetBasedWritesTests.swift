import Foundation
import Logging
import Testing
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

@testable import IntakeService
@testable import NotifierService

/// The batch statements of issue 17 against a real PostgreSQL: intake's merge candidates of a
/// whole batch in one query (several demands of a batch joining one ticket, through each branch
/// of the query), and notifier's outcomes of a round of deliveries in one statement (some sent,
/// some retried, some failed for good).
@Suite("Set-based batch writes", .serialized)
struct SetBasedWritesTests {
    static let logger = Logger(label: "set-based-test")
    static let timeZone = TimeZone(identifier: "Asia/Shanghai")!
    /// Five minutes after the demands' `submitted_at` (Fixtures.demand).
    static let now = Date(timeIntervalSince1970: 1_795_226_700)

    static func demand(_ id: String, grid: String, lat: Double?, lon: Double?, category: String, _ content: String) -> InboundMessage {
        var location: [String: Any] = ["grid": grid]
        if let lat, let lon {
            location["lat"] = lat
            location["lon"] = lon
        }
        var body = Fixtures.demand(.twelve345, externalId: id, content: content)
        body["category"] = category
        body["location"] = location
        return InboundMessage(
            Delivery(
                body: Fixtures.json(body), exchange: Exchange.intake, routingKey: Channel.twelve345.routingKey, messageId: id,
                userId: "whistle-admin"))
    }

    /// A pool on the sandbox as a service's own role, so that a statement it may not run fails here.
    static func pool(_ sandbox: TestSandbox, as role: String) throws -> PostgresPool {
        PostgresPool(configuration: try PostgresConfiguration(url: sandbox.databaseURL(role: role), poolSize: 1), logger: logger)
    }

    /// Intake's events so far: (type, ticket, report count, the demand's message id), in order.
    static func events(_ sandbox: TestSandbox) async throws -> [(type: String, ticket: String, count: Int?, message: String)] {
        let bodies = try await sandbox.withDatabase { connection in
            try connection.query("SELECT body FROM outbox WHERE publisher = 'intake' ORDER BY id").map { try $0.decode(0, as: String.self) }
        }
        return try bodies.map { body in
            let event = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let data = event["data"] as? [String: Any] ?? [:]
            let source = data["source"] as? [String: Any] ?? [:]
            return (
                event["type"] as? String ?? "", event["ticket_no"] as? String ?? "", data["report_count"] as? Int,
                source["message_id"] as? String ?? ""
            )
        }
    }

    @Test("demands of one batch join one ticket several times, found through each branch of the one candidates query")
    func severalMergesIntoOneTicket() async throws {
        let sandbox = try await TestSandbox("set-merge")
        try await Fixtures.prepare(sandbox)
        let pool = try Self.pool(sandbox, as: "whistle_intake")
        let cache = ReferenceCache(pool: pool, logger: Self.logger)
        try await cache.refresh()
        let handler = IntakeHandler(
            reference: cache, outbox: Outbox(publisher: "intake"), timeZone: Self.timeZone, logger: Self.logger, clock: { Self.now })
        let pothole = "测试路1号路面出现一个大坑，车辆经过很危险"
        let stall = "测试路2号门口每天有人占道摆摊，堵塞通行"
        // The first batch opens the ticket and joins it three times (the batch's own candidate,
        // one of them from the next grid, 14 m away).
        try await pool.transaction { connection in
            try handler.apply(
                [
                    Self.demand("SB-1", grid: "G-T-1", lat: 25.0300, lon: 102.7000, category: "ROAD", pothole),
                    Self.demand("SB-2", grid: "G-T-1", lat: 25.0300, lon: 102.7000, category: "ROAD", pothole + "。"),
                    Self.demand("SB-3", grid: "G-T-1", lat: nil, lon: nil, category: "ROAD", "测试路1号路面出现一个大坑，车辆经过很危险！"),
                    Self.demand("SB-4", grid: "G-T-2", lat: 25.0301, lon: 102.7001, category: "ROAD", pothole),
                ], on: connection)
        }
        // The second and third batches find it in the database: in its grid, in the next grid
        // within the radius, next to a second category's new ticket and its own merge.
        try await pool.transaction { connection in
            try handler.apply(
                [
                    Self.demand("SB-5", grid: "G-T-1", lat: nil, lon: nil, category: "ROAD", pothole),
                    Self.demand("SB-6", grid: "G-T-2", lat: 25.0302, lon: 102.7002, category: "ROAD", pothole),
                    Self.demand("SB-7", grid: "G-T-2", lat: nil, lon: nil, category: "ENV-STALL", stall),
                    Self.demand("SB-8", grid: "G-T-1", lat: 25.0300, lon: 102.7000, category: "ROAD", pothole),
                ], on: connection)
        }
        try await pool.transaction { connection in
            try handler.apply(
                [
                    Self.demand("SB-9", grid: "G-T-2", lat: nil, lon: nil, category: "ENV-STALL", stall),
                    Self.demand("SB-10", grid: "G-T-2", lat: nil, lon: nil, category: "ROAD", pothole),
                    Self.demand("SB-11", grid: "G-T-1", lat: nil, lon: nil, category: "ENV-STALL", "完全不同的一件事情，与前面无关"),
                ], on: connection)
        }
        let events = try await Self.events(sandbox)
        let opened = events.filter { $0.type == "ticket.accepted" }
        // SB-10 is in G-T-2 without coordinates: neither the grid nor the radius reaches the first ticket.
        #expect(opened.map(\.message) == ["SB-1", "SB-7", "SB-10", "SB-11"], "\(events)")
        let first = try #require(opened.first?.ticket)
        let second = try #require(opened.dropFirst().first?.ticket)
        let merged = events.filter { $0.type == "ticket.merged" }
        #expect(merged.map(\.message) == ["SB-2", "SB-3", "SB-4", "SB-5", "SB-6", "SB-8", "SB-9"], "\(events)")
        #expect(merged.filter { $0.ticket == first }.map(\.count) == [2, 3, 4, 5, 6, 7], "one count each, in the batch's order")
        #expect(merged.filter { $0.ticket == second }.map(\.count) == [2])
        let counts = try await pool.withConnection { connection in
            try connection.query("SELECT ticket_no, report_count FROM ticket_facts ORDER BY ticket_no").map {
                (try $0.decode(0, as: String.self), try $0.decode(1, as: Int.self))
            }
        }
        #expect(counts.first { $0.0 == first }?.1 == 7 && counts.first { $0.0 == second }?.1 == 2, "\(counts)")
        await pool.close()
        await sandbox.tearDown()
    }

    @Test("a round with some notifications sent, one retried and some failed for good: one statement, each its own outcome")
    func partialDeliveryFailures() async throws {
        let sandbox = try await TestSandbox("set-deliver")
        try await Fixtures.prepare(sandbox)
        let pool = try sandbox.pool()
        let ticketNo = "W20261121-000001"
        let configuration = try NotifierConfiguration(environment: [:])
        let last = configuration.maxAttempts
        // (template, status now, attempts): sent, retried, failed, failed (an alert: no alert about it), not ours any more.
        let rows: [(String, String, Int)] = [
            ("citizen_receipt", "sending", 1), ("citizen_merged", "sending", 2), ("department_assignment", "sending", last),
            (FailureAlerts.template, "sending", last), ("citizen_closed", "pending", 1),
        ]
        let claimed = try await pool.transaction { connection in
            _ = try connection.query(
                """
                INSERT INTO ticket_facts (ticket_no, channel, urgency, area_code, content, opened_at)
                VALUES ($1, 'grid', 'normal', 'G-T-1', '测试事项', now())
                """, [ticketNo])
            return try rows.enumerated().map { index, row in
                let id = try connection.query(
                    """
                    INSERT INTO notifications (notification_id, event_id, event_type, ticket_no, audience, recipient, template, text,
                                               status, attempts, next_attempt_at)
                    VALUES (gen_random_uuid(), $1, 'ticket.accepted', $2, 'citizen', 'C-1', $3, '文本', $4, $5, now())
                    RETURNING id, notification_id::text
                    """, ["E-\(index)", ticketNo, row.0, row.1, row.2])[0]
                return ClaimedNotification(
                    id: try id.decode(0), eventId: "E-\(index)", attempts: row.2,
                    body: WebhookNotification(
                        notificationId: try id.decode(1), audience: .citizen, recipient: "C-1", ticketNo: ticketNo,
                        eventType: "ticket.accepted", template: row.0, text: "文本"))
            }
        }
        let notifier = try Self.pool(sandbox, as: "whistle_notifier")
        let cache = ReferenceCache(pool: notifier, logger: Self.logger)
        try await cache.refresh()
        let alerts = FailureAlerts(reference: cache, templates: try Templates(overrides: nil), configuration: configuration)
        let now = Date()
        let round = try await notifier.transaction { connection in
            var round = DeliveryOutcomes(now: now, maxAttempts: last, backoffMilliseconds: 1000)
            for (index, item) in claimed.enumerated() { try round.add(item, error: index == 0 ? nil : "HTTP 503") }
            try round.update(connection)
            try alerts.raise(for: round.failed, on: connection, now: now)
            return (round.events.map(\.type), round.failed.map(\.id))
        }
        #expect(round.0 == ["notification.sent", "notification.failed", "notification.failed"])
        #expect(round.1 == [claimed[2].id, claimed[3].id])
        let after = try await sandbox.withDatabase { connection in
            try connection.query(
                """
                SELECT template, status, last_error, sent_at IS NOT NULL, next_attempt_at > now() + interval '50 milliseconds'
                FROM notifications WHERE event_id LIKE 'E-%' ORDER BY id
                """
            ).map {
                "\(try $0.decode(0, as: String.self)) \(try $0.decode(1, as: String.self)) \(try $0.decodeIfPresent(2, as: String.self) ?? "-") "
                    + "\(try $0.decode(3, as: Bool.self)) \(try $0.decode(4, as: Bool.self))"
            }
        }
        #expect(
            after == [
                "citizen_receipt sent - true false", "citizen_merged pending HTTP 503 false true",
                "department_assignment failed HTTP 503 false false", "\(FailureAlerts.template) failed HTTP 503 false false",
                "citizen_closed pending - false false",
            ], "a row no longer `sending` is another instance's: left as it is")
        // One alert, to the district's command center, about the failed department message only:
        // the other failed one is an alert itself.
        let alerted = try await sandbox.withDatabase { connection in
            try connection.query(
                "SELECT event_id, recipient, status FROM notifications WHERE template = $1 AND event_id LIKE 'failed:%'",
                [
                    FailureAlerts.template
                ]
            ).map { "\(try $0.decode(0, as: String.self)) \(try $0.decode(1, as: String.self)) \(try $0.decode(2, as: String.self))" }
        }
        #expect(alerted == ["failed:\(claimed[2].body.notificationId) T-ZHZX undeliverable"])
        await notifier.close()
        await pool.close()
        await sandbox.tearDown()
    }
}
