import Foundation
import IntakeService
import Testing
import WhistleDomain
import WhistlePostgres
import WhistleRuntime

/// Retention (`WHISTLE_RAW_BODY_DAYS`): intake's `RetentionService`, under intake's own database
/// role, clears the raw bodies and reporters of demands whose ticket closed (or which were
/// rejected) longer ago than the setting, in batches shared by two instances; recent and open
/// ones keep them; the tickets and their timelines stay; a metric counts the cleared demands.
@Suite("Retention", .serialized)
struct RetentionTests {
    /// Demands by external id: (ticket, outcome, days since received, whether due at 30 days).
    static let demands: [(id: String, ticket: String?, outcome: String, age: Int, due: Bool)] = [
        ("OLD-1", "W20261001-000001", "accepted", 45, true),
        ("OLD-2", "W20261001-000001", "duplicate", 44, true),
        ("LATE-1", "W20261001-000001", "duplicate", 2, false),
        ("RECENT-1", "W20261001-000002", "accepted", 20, false),
        ("OPEN-1", "W20261001-000003", "accepted", 60, false),
        ("REJT-1", "W20261001-000004", "accepted", 41, true),
        ("BAD-OLD", nil, "rejected", 40, true),
        ("BAD-NEW", nil, "rejected", 1, false),
    ]

    /// Tickets: (number, status, days since closed; nil while open).
    static let tickets: [(no: String, status: String, closed: Int?)] = [
        ("W20261001-000001", "closed", 40), ("W20261001-000002", "closed", 10), ("W20261001-000003", "dispatched", nil),
        ("W20261001-000004", "rejected", 40),
    ]

    static func seed(_ sandbox: TestSandbox) async throws {
        _ = try await sandbox.withDatabase { connection in
            for ticket in tickets {
                try connection.query(
                    """
                    INSERT INTO ticket_facts (ticket_no, channel, urgency, content, opened_at)
                    VALUES ($1, '12345', 'normal', '井盖缺失，联系13812345678', now() - interval '61 days')
                    """, [ticket.no])
                try connection.query(
                    """
                    INSERT INTO ticket_states (ticket_no, status, closed_at)
                    VALUES ($1, $2, now() - make_interval(days => $3::int))
                    """, [ticket.no, ticket.status, ticket.closed])
                try connection.query(
                    "INSERT INTO intake_timeline (ticket_no, at, type, data) VALUES ($1, now() - interval '61 days', 'ticket.accepted', '{}')",
                    [ticket.no])
            }
            for demand in demands {
                let ids = try connection.query(
                    """
                    INSERT INTO demands (message_id, routing_key, channel, external_id, outcome, ticket_no, raw_body, normalized, received_at)
                    VALUES ($1, 'demand.12345', '12345', $1, $2, $3, convert_to('{"reporter":{"phone":"13812345678"}}', 'UTF8'),
                            CASE WHEN $3::text IS NULL THEN NULL ELSE '{"reporter":{"anonymous":false}}'::jsonb END,
                            now() - make_interval(days => $4::int))
                    RETURNING id
                    """, [demand.id, demand.outcome, demand.ticket, demand.age])
                if demand.ticket != nil {
                    try connection.query(
                        "INSERT INTO demand_reporters (demand_id, name, phone) VALUES ($1, '王小明', '13812345678')",
                        [try ids[0].decode(0, as: Int64.self)])
                }
            }
        }
    }

    @Test("closed and rejected demands older than the setting lose their raw bodies and reporters, in batches; the rest keep them")
    func clearsWhatIsDue() async throws {
        let sandbox = try await TestSandbox("retention")
        var processes: [ServiceProcess] = []
        do {
            try await Fixtures.prepare(sandbox)
            try await Self.seed(sandbox)
            let settings = ["WHISTLE_RAW_BODY_DAYS": "30", "WHISTLE_RETENTION_INTERVAL_MS": "200", "WHISTLE_RETENTION_BATCH": "2"]
            for _ in 0..<2 { processes.append(try ServiceProcess("intake", sandbox: sandbox, extra: settings)) }
            for process in processes { try await process.waitHealthy() }
            let due = Self.demands.filter(\.due).map(\.id)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline,
                try await sandbox.count("SELECT count(*)::int FROM demands WHERE identity_cleared_at IS NOT NULL") < due.count
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .milliseconds(600))  // a few more passes: nothing else is due
            let rows: [(String, Bool, Bool, Bool, Bool)] = try await sandbox.withDatabase { connection in
                try connection.query(
                    """
                    SELECT d.external_id, d.identity_cleared_at IS NOT NULL, d.raw_body IS NULL, d.normalized IS NULL,
                           EXISTS (SELECT 1 FROM demand_reporters r WHERE r.demand_id = d.id)
                    FROM demands d ORDER BY d.id
                    """
                ).map { (try $0.decode(0), try $0.decode(1), try $0.decode(2), try $0.decode(3), try $0.decode(4)) }
            }
            for (id, cleared, noBody, noNormalized, hasReporter) in rows {
                let demand = try #require(Self.demands.first { $0.id == id })
                #expect(cleared == demand.due && noBody == demand.due, "\(id): raw body")
                #expect(noNormalized == (demand.due || demand.ticket == nil), "\(id): normalized")
                #expect(hasReporter == (!demand.due && demand.ticket != nil), "\(id): reporter")
            }
            #expect(try await sandbox.count("SELECT count(*)::int FROM tickets WHERE content = '井盖缺失，联系13812345678'") == Self.tickets.count)
            #expect(try await sandbox.count("SELECT count(*)::int FROM timeline") == Self.tickets.count, "the timeline stays")
            var counted = 0.0
            for process in processes {
                let (_, body) = try await HTTP.get("http://127.0.0.1:\(process.port)/metrics")
                counted += Self.metric("whistle_demands_cleared_total", in: String(decoding: body, as: UTF8.self)) ?? 0
            }
            #expect(counted == Double(due.count), "two instances share the work, each demand counted once")
            for process in processes { #expect(!process.log().contains("13812345678"), "\(process.name) logged a phone number") }
        } catch {
            Issue.record("\(error)\n\(processes.map { $0.logTail(10) }.joined(separator: "\n"))")
        }
        for process in processes { await process.stop() }
        await sandbox.tearDown()
    }

    @Test("WHISTLE_RAW_BODY_DAYS defaults to 30, must be at least 1; the pass's interval and batch are settings too")
    func configuration() throws {
        let standard = try IntakeConfiguration(environment: [:])
        #expect(standard.retention.days == 30 && standard.retentionIntervalMilliseconds == 3_600_000 && standard.retentionBatch == 200)
        let custom = try IntakeConfiguration(environment: ["WHISTLE_RAW_BODY_DAYS": "7", "WHISTLE_RETENTION_INTERVAL_MS": "500"])
        #expect(custom.retention.days == 7 && custom.retentionIntervalMilliseconds == 500)
        for bad in ["0", "-3", "thirty", "3651"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try IntakeConfiguration(environment: ["WHISTLE_RAW_BODY_DAYS": bad]) }
        }
        #expect(throws: ConfigurationError.self) { try IntakeConfiguration(environment: ["WHISTLE_RETENTION_BATCH": "0"]) }
    }

    /// The value of an unlabelled Prometheus sample, nil when absent.
    static func metric(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
