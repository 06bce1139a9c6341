import Foundation
import Testing
import WhistlePostgres
import WhistleReliability

/// `whistle-bench run --history N --history-only` on the seed district: N closed tickets with
/// their demands, reporters, assignments, timelines, feedback and notifications, numbered after
/// the tickets their days already have; what retention would have left (raw bodies and
/// reporters only within 30 days of the closing, bookkeeping rows only within 7); readable by
/// the read API, the dashboard and `whistlectl scores rebuild`.
@Suite("HistoryLoader", .serialized)
struct HistoryLoaderTests {
    static func load(_ sandbox: TestSandbox, _ tickets: Int) async throws {
        let bench = Ctl(databaseURL: sandbox.databaseURL, binary: "whistle-bench")
        let loaded = try await bench.run(["run", "--history", "\(tickets)", "--history-days", "60", "--history-only"])
        try #require(loaded.status == 0, "whistle-bench failed: \(loaded.stderr)")
        #expect(loaded.stdout.contains("history: \(tickets) closed tickets"), "\(loaded.stdout)")
    }

    @Test("N closed tickets with every related row, set-based; a second load numbers after the first; the read API and dashboard show them")
    func loadsClosedTickets() async throws {
        let sandbox = try await TestSandbox("history")
        var evaluator: ServiceProcess?
        do {
            let pool = try sandbox.pool()
            try await WhistleSchema.migrate(pool: pool, logger: .init(label: "test"))
            await pool.close()
            let seeded = try await Ctl(databaseURL: sandbox.databaseURL).run(["seed", FlowHarness.seedFolder, "--no-broker"])
            try #require(seeded.status == 0, "seeding failed: \(seeded.stderr)")
            try await Self.load(sandbox, 600)
            try await Self.load(sandbox, 100)

            #expect(try await sandbox.count("SELECT count(*)::int FROM tickets WHERE status = 'closed'") == 700)
            #expect(try await sandbox.count("SELECT count(DISTINCT ticket_no)::int FROM ticket_facts") == 700)
            #expect(try await sandbox.count("SELECT count(*)::int FROM demands WHERE outcome = 'accepted'") == 700)
            #expect(try await sandbox.count("SELECT count(*)::int FROM demands WHERE outcome = 'merged'") == 70)
            #expect(try await sandbox.count("SELECT count(*)::int FROM ticket_facts WHERE report_count = 2") == 70)
            #expect(
                try await sandbox.count(
                    """
                    SELECT count(*)::int FROM ticket_facts f
                    LEFT JOIN ticket_sequences s ON s.day = to_date(substr(f.ticket_no, 2, 8), 'YYYYMMDD')
                    WHERE s.day IS NULL OR substr(f.ticket_no, 11)::int > s.last_value
                    """) == 0, "each day's sequence is past its tickets")
            // Every ticket's timeline starts with its acceptance and ends with its closing, in id order.
            #expect(
                try await sandbox.count(
                    """
                    SELECT count(*)::int FROM (
                        SELECT ticket_no, (array_agg(type ORDER BY id))[1] AS first, (array_agg(type ORDER BY id DESC))[1] AS last,
                               count(*) AS n
                        FROM timeline GROUP BY ticket_no) t
                    WHERE first <> 'ticket.accepted' OR last <> 'ticket.closed' OR n < 6
                    """) == 0)
            #expect(try await sandbox.count("SELECT count(*)::int FROM assignments WHERE status <> 'completed'") == 0)
            #expect(try await sandbox.count("SELECT count(*)::int FROM notifications WHERE status <> 'sent'") == 0)
            #expect(try await sandbox.count("SELECT count(*)::int FROM notifications") >= 4 * 700)
            // What retention leaves: identities only within 30 days of the closing, bookkeeping within 7.
            let cleared = try await sandbox.count("SELECT count(*)::int FROM demands WHERE raw_body IS NULL")
            #expect(cleared > 0 && cleared < 770)
            #expect(
                try await sandbox.count(
                    """
                    SELECT count(*)::int FROM demands d JOIN tickets t ON t.ticket_no = d.ticket_no
                    WHERE (d.raw_body IS NULL) <> (t.closed_at < now() - interval '30 days')
                       OR (d.raw_body IS NULL) = EXISTS (SELECT 1 FROM demand_reporters r WHERE r.demand_id = d.id)
                       OR (d.raw_body IS NULL) <> (d.identity_cleared_at IS NOT NULL)
                    """) == 0)
            #expect(try await sandbox.count("SELECT count(*)::int FROM inbox") > 0)
            #expect(try await sandbox.count("SELECT count(*)::int FROM inbox WHERE received_at < now() - interval '7 days'") == 0)
            #expect(try await sandbox.count("SELECT count(*)::int FROM event_journal WHERE recorded_at < now() - interval '7 days'") == 0)
            #expect(try await sandbox.count("SELECT count(*)::int FROM evaluator_applied") > 0)

            let rebuilt = try await Ctl(databaseURL: sandbox.databaseURL).run(["scores", "rebuild"])
            #expect(rebuilt.status == 0 && !rebuilt.stderr.contains("unreadable"), "\(rebuilt.stderr)")

            let service = try ServiceProcess("evaluator", sandbox: sandbox)
            evaluator = service
            try await service.waitHealthy()
            let base = "http://127.0.0.1:\(service.port)"
            let ticketNo: String = try await sandbox.withDatabase { connection in
                try connection.query("SELECT ticket_no FROM ticket_facts ORDER BY opened_at LIMIT 1")[0].decode(0)
            }
            let (status, body) = try await HTTP.json(base + "/v1/tickets/\(ticketNo)")
            #expect(status == 200, "\(body)")
            let ticket = body as? [String: Any]
            #expect(ticket?["status"] as? String == "closed")
            #expect(((ticket?["timeline"] as? [Any])?.count ?? 0) >= 7, "\(body)")
            let (listStatus, _) = try await HTTP.get(base + "/v1/tickets?status=closed")
            #expect(listStatus == 200)
            let (pageStatus, page) = try await HTTP.get(base + "/")
            #expect(pageStatus == 200 && !page.isEmpty)
        } catch {
            Issue.record("\(error)\n\(evaluator?.logTail(20) ?? "")")
        }
        if let evaluator { await evaluator.stop() }
        await sandbox.tearDown()
    }
}
