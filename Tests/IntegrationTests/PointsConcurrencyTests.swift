import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// 积分回馈 under concurrency: two intakes consume `intake.events` at once and award the same
/// grid worker; his accounts row is locked before his year's awards are read, so the yearly cap
/// holds exactly (without the lock this test fails: both read the same year's total).
@Suite("Points under concurrency", .serialized)
struct PointsConcurrencyTests {
    @Test func theYearlyCapHoldsWhileTwoIntakesAwardAtOnce() async throws {
        let tickets = (1...30).map { String(format: "W20261118-%06d", $0) }
        try await withIntake(
            "points-race",
            prepare: { sandbox in
                try await sandbox.withDatabase { connection in
                    // 30 tickets, each opened by the same grid worker's report; a cap of 95.
                    _ = try connection.query(
                        """
                        INSERT INTO ticket_facts (ticket_no, channel, urgency, area_code, content, opened_at)
                        SELECT t, 'grid', 'normal', 'G-T-1', '测试事项', now() FROM unnest($1::text[]) AS t
                        """, [tickets])
                    _ = try connection.query(
                        """
                        INSERT INTO demands (message_id, routing_key, channel, external_id, outcome, ticket_no, points_ref)
                        SELECT 'd-' || t, 'demand.grid', 'grid', 'E-' || t, 'accepted', t, 'GW-RACE' FROM unnest($1::text[]) AS t
                        """, [tickets])
                    _ = try connection.query("UPDATE points_rules SET yearly_cap = 95")
                }
            }
        ) { sandbox, _, events, _ in
            // A second intake on the same queue: the two apply batches of closings at the same time.
            let second = try ServiceProcess("intake", sandbox: sandbox)
            do {
                try await second.waitHealthy()
                try await Self.close(tickets, sandbox: sandbox, events: events)
            } catch {
                Issue.record("\(error)\n\(second.logTail())")
            }
            await second.stop()
        }
    }

    /// Publishes a satisfied `ticket.closed` of each ticket, 5 at a time, and checks the capped totals.
    static func close(_ tickets: [String], sandbox: TestSandbox, events: EventCollector) async throws {
        let publisher = AMQPPublisher(
            configuration: try AMQPConfiguration(url: sandbox.amqpURL), name: "test-closings", topology: WhistleTopology.base,
            logger: .init(label: "test"))
        let closings = tickets.map { ticketNo in
            let id = UUID().uuidString.lowercased()
            let body: [String: Any] = [
                "event_id": id, "type": "ticket.closed", "occurred_at": "2026-11-20T10:00:00+08:00", "ticket_no": ticketNo,
                "data": ["outcome": "satisfied"],
            ]
            return OutboundMessage(
                exchange: Exchange.events, routingKey: "ticket.closed", body: Fixtures.json(body), messageId: id, type: "ticket.closed")
        }
        for chunk in stride(from: 0, to: closings.count, by: 5) {
            let outcomes = try await publisher.publish(Array(closings[chunk..<min(chunk + 5, closings.count)]), timeout: .seconds(30))
            #expect(outcomes.allSatisfy { $0 == .confirmed })
        }
        await publisher.close()
        try await PointsTests.until("an award for every closing") {
            try await sandbox.count("SELECT count(*)::int FROM points_entries WHERE kind = 'award'") == tickets.count
        }
        #expect(try await sandbox.count("SELECT sum(points)::int FROM points_entries WHERE reporter_ref = 'GW-RACE'") == 95)
        #expect(try await sandbox.count("SELECT balance FROM points_accounts WHERE reporter_ref = 'GW-RACE'") == 95)
        try await events.waitFor("the announced awards") { all in
            all.filter { $0["type"] as? String == "points.awarded" }.compactMap { $0.data["points"] as? Int }.reduce(0, +) == 95
        }
    }
}
