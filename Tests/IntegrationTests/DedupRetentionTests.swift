import Foundation
import Testing
import WhistlePostgres
import WhistleReliability
import WhistleRuntime

/// Retention of the bookkeeping rows (`WHISTLE_DEDUP_DAYS`, `DedupRetention`): each service, under
/// its own database role, deletes its own inbox rows, notifier its journal, evaluator its applied
/// markers and dispatcher its finished timers once they are older than the setting, in batches;
/// recent rows, pending timers and other consumers' rows stay; two instances share a pass.
@Suite("DedupRetention", .serialized)
struct DedupRetentionTests {
    static let ticket = "W20261001-000001"

    /// Old rows (9–40 days) and recent ones (1–6 days) in every retained table.
    static func seed(_ sandbox: TestSandbox, old: Int) async throws {
        _ = try await sandbox.withDatabase { connection in
            try connection.query(
                "INSERT INTO ticket_facts (ticket_no, channel, urgency, content, opened_at) VALUES ($1, '12345', 'normal', '井盖缺失', now())",
                [Self.ticket])
            try connection.query(
                """
                INSERT INTO inbox (consumer, message_id, received_at)
                SELECT c, c || '-old-' || n, now() - make_interval(days => 9 + n % 30)
                FROM unnest(ARRAY['intake', 'intake-points', 'dispatcher', 'dispatcher-replies', 'notifier', 'evaluator']) c,
                     generate_series(1, $1) n
                UNION ALL
                SELECT c, c || '-new-' || n, now() - make_interval(days => 1 + n % 6)
                FROM unnest(ARRAY['intake', 'intake-points', 'dispatcher', 'dispatcher-replies', 'notifier', 'evaluator']) c,
                     generate_series(1, 5) n
                """, [old])
            try connection.query(
                """
                INSERT INTO event_journal (consumer, event_id, event_type, ticket_no, occurred_at, recorded_at)
                SELECT 'notifier', 'old-' || n, 'ticket.accepted', $2, now(), now() - interval '8 days' FROM generate_series(1, $1) n
                UNION ALL
                SELECT 'notifier', 'new-' || n, 'ticket.accepted', $2, now(), now() - interval '6 days' FROM generate_series(1, 5) n
                """, [old, Self.ticket])
            try connection.query(
                """
                INSERT INTO evaluator_applied (event_id, applied_at)
                SELECT 'old-' || n, now() - interval '8 days' FROM generate_series(1, $1) n
                UNION ALL SELECT 'new-' || n, now() - interval '2 days' FROM generate_series(1, 5) n
                """, [old])
            // Fired long ago (deleted), cancelled long ago (deleted), fired recently and pending
            // ones of any age (kept).
            try connection.query(
                """
                INSERT INTO timers (kind, ticket_no, due_at, fired_at, cancelled_at)
                SELECT 'feedback_window', $2, now() - make_interval(days => 20, secs => n), now() - interval '19 days', NULL
                FROM generate_series(1, $1) n
                UNION ALL SELECT 'escalate_city', $2, now() - make_interval(days => 30, secs => n), NULL, now() - interval '29 days'
                FROM generate_series(1, 2) n
                UNION ALL SELECT 'feedback_window', $2, now() - make_interval(days => 2, secs => n), now() - interval '1 day', NULL
                FROM generate_series(1, 3) n
                UNION ALL SELECT 'escalate_city', $2, now() - make_interval(days => 40, secs => n), NULL, NULL
                FROM generate_series(1, 4) n
                """, [old, Self.ticket])
        }
    }

    static func pool(_ sandbox: TestSandbox, _ role: ServiceRole) throws -> PostgresPool {
        PostgresPool(
            configuration: try PostgresConfiguration(url: sandbox.databaseURL(role: role.roleName), poolSize: 1),
            logger: .init(label: "test"))
    }

    @Test(
        "a pass deletes a service's old rows in batches, page range by page range; recent rows, pending timers and other consumers' rows stay"
    )
    func passDeletesOldRowsInBatches() async throws {
        let sandbox = try await TestSandbox("dedup-pass")
        do {
            try await Fixtures.prepare(sandbox)
            try await Self.seed(sandbox, old: 300)
            let settings = DedupRetentionSettings(days: 7, batch: 70, pauseMilliseconds: 0, intervalMilliseconds: 60_000)
            let cases: [(ServiceRole, RetainedTable, deleted: Int)] = [
                (.intake, .inbox(consumers: ["intake", "intake-points"]), 600),
                (.notifier, .eventJournal(consumers: ["notifier"]), 300),
                (.evaluator, .evaluatorApplied, 300),
                (.dispatcher, .finishedTimers, 302),
            ]
            for (role, table, deleted) in cases {
                let pool = try Self.pool(sandbox, role)
                let retention = DedupRetention(
                    pool: pool, settings: settings, tables: [table], pagesPerStatement: 2, logger: .init(label: "test"))
                let pass = try await retention.pass(table)
                await pool.close()
                #expect(pass.deleted == deleted, "\(table.table)")
                #expect(pass.batches >= (deleted + 69) / 70, "\(table.table): at most 70 rows a transaction")
                #expect(pass.statements >= pass.batches)
                if table.table == "inbox" {
                    #expect(pass.statements > pass.batches, "page ranges holding only other consumers' rows are walked too")
                }
                #expect(!pass.busy)
            }
            #expect(try await sandbox.count("SELECT count(*)::int FROM inbox WHERE consumer IN ('intake', 'intake-points')") == 10)
            #expect(try await sandbox.count("SELECT count(*)::int FROM inbox WHERE message_id LIKE '%-new-%'") == 30)
            #expect(
                try await sandbox.count("SELECT count(*)::int FROM inbox WHERE message_id LIKE '%-old-%'") == 4 * 300,
                "the other services' inbox rows are theirs to delete")
            #expect(try await sandbox.count("SELECT count(*)::int FROM event_journal") == 5)
            #expect(try await sandbox.count("SELECT count(*)::int FROM evaluator_applied WHERE event_id LIKE 'new-%'") == 5)
            #expect(try await sandbox.count("SELECT count(*)::int FROM evaluator_applied") == 5)
            #expect(try await sandbox.count("SELECT count(*)::int FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL") == 4)
            #expect(try await sandbox.count("SELECT count(*)::int FROM timers") == 7)
        } catch {
            Issue.record("\(error)")
        }
        await sandbox.tearDown()
    }

    @Test("two instances sweeping one table at once delete each old row once and no recent one")
    func twoInstancesShare() async throws {
        let sandbox = try await TestSandbox("dedup-two")
        do {
            try await Fixtures.prepare(sandbox)
            try await Self.seed(sandbox, old: 3000)
            let settings = DedupRetentionSettings(days: 7, batch: 200, pauseMilliseconds: 5, intervalMilliseconds: 60_000)
            let table = RetainedTable.inbox(consumers: ["dispatcher", "dispatcher-replies"])
            let pools = [try Self.pool(sandbox, .dispatcher), try Self.pool(sandbox, .dispatcher)]
            let instances = pools.map {
                DedupRetention(pool: $0, settings: settings, tables: [table], pagesPerStatement: 16, logger: .init(label: "test"))
            }
            async let first = instances[0].pass(table)
            async let second = instances[1].pass(table)
            let passes = try await [first, second]
            for pool in pools { await pool.close() }
            #expect(passes.map(\.deleted).reduce(0, +) == 6000, "every old row deleted once: \(passes)")
            #expect(try await sandbox.count("SELECT count(*)::int FROM inbox WHERE consumer LIKE 'dispatcher%'") == 10)
            #expect(try await sandbox.count("SELECT count(*)::int FROM inbox") == 6 * 3005 - 6000)
        } catch {
            Issue.record("\(error)")
        }
        await sandbox.tearDown()
    }

    @Test("each service, as its own role, deletes its old bookkeeping rows at start-up and counts them in its metrics")
    func servicesDeleteTheirOwn() async throws {
        let sandbox = try await TestSandbox("dedup-services")
        var processes: [ServiceProcess] = []
        do {
            try await Fixtures.prepare(sandbox)
            try await Self.seed(sandbox, old: 50)
            let settings = ["WHISTLE_DEDUP_DAYS": "7", "WHISTLE_DEDUP_BATCH": "20", "WHISTLE_DEDUP_PAUSE_MS": "10"]
            for name in ["intake", "dispatcher", "notifier", "evaluator"] {
                processes.append(try ServiceProcess(name, sandbox: sandbox, extra: settings))
            }
            for process in processes { try await process.waitHealthy() }
            let deadline = ContinuousClock.now + .seconds(30)
            let leftSQL = """
                SELECT (SELECT count(*) FROM inbox WHERE message_id LIKE '%-old-%') + (SELECT count(*) FROM event_journal WHERE event_id LIKE 'old-%')
                     + (SELECT count(*) FROM evaluator_applied WHERE event_id LIKE 'old-%')
                     + (SELECT count(*) FROM timers WHERE fired_at < now() - interval '7 days' OR cancelled_at < now() - interval '7 days')
                """
            while ContinuousClock.now < deadline, try await sandbox.count(leftSQL) > 0 {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(try await sandbox.count(leftSQL) == 0, "every old row deleted")
            #expect(try await sandbox.count("SELECT count(*)::int FROM inbox") == 30, "the recent inbox rows stay")
            #expect(try await sandbox.count("SELECT count(*)::int FROM event_journal") == 5)
            #expect(try await sandbox.count("SELECT count(*)::int FROM evaluator_applied") == 5)
            #expect(try await sandbox.count("SELECT count(*)::int FROM timers") == 7)
            var counted = 0.0
            for process in processes {
                let (_, body) = try await HTTP.get("http://127.0.0.1:\(process.port)/metrics")
                let text = String(decoding: body, as: UTF8.self)
                for line in text.split(separator: "\n") where line.hasPrefix("whistle_dedup_rows_deleted_total{") {
                    let value: Substring = line.split(separator: " ").last ?? ""
                    counted += Double(value) ?? 0
                }
            }
            let deleted = 6 * 50 + 50 + 50 + 52  // every consumer's inbox, the journal, the applied markers, the timers
            #expect(counted == Double(deleted), "each deleted row counted once")
        } catch {
            Issue.record("\(error)\n\(processes.map { $0.logTail(10) }.joined(separator: "\n"))")
        }
        for process in processes { await process.stop() }
        await sandbox.tearDown()
    }
}
