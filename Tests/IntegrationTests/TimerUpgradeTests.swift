import Foundation
import Testing
import WhistleMessages
import WhistlePostgres
import WhistleReliability

@testable import DispatcherService

/// Migration 0017 on a database that earlier versions filled: the pending timer rows of the four
/// assignment clocks become the assignments' warnings and stages and are deleted, and the clocks
/// then fire exactly what the old rows would have fired, no more.
@Suite("Assignment clocks upgrade", .serialized)
struct TimerUpgradeTests {
    static let start = "2026-11-18T02:00:00Z"

    /// As version 16 left it: five assignments at different points of their clocks, and a
    /// resolved ticket waiting for feedback.
    static func fillVersion16(_ sandbox: TestSandbox) async throws {
        let pool = try sandbox.pool(size: 1)
        let old = try WhistleSchema.migrations().filter { $0.version <= 16 }
        _ = try await Migrator.migrate(pool: pool, migrations: old, logger: .init(label: "test"))
        try await pool.withConnection { connection in
            try connection.execute(
                """
                INSERT INTO ticket_facts (ticket_no, channel, urgency, area_code, content, opened_at)
                SELECT 'W20261118-00000' || n, 'grid', 'normal', 'G-T-1', '测试事项', '\(start)' FROM generate_series(1, 5) n;
                INSERT INTO ticket_states (ticket_no, status, lead_department, dispatch_round, escalation_level) VALUES
                  ('W20261118-000001', 'dispatched', 'T-CGJ', 1, NULL), ('W20261118-000002', 'dispatched', 'T-CGJ', 1, NULL),
                  ('W20261118-000003', 'in_progress', 'T-CGJ', 1, 'district'), ('W20261118-000004', 'in_progress', 'T-CGJ', 1, NULL),
                  ('W20261118-000005', 'resolved', 'T-CGJ', 1, NULL);
                INSERT INTO assignments (assignment_id, ticket_no, department, role, status, round, ack_due, resolve_due, created_at,
                                         resolve_overdue_at)
                SELECT ('00000000-0000-4000-8000-00000000000' || n)::uuid, 'W20261118-00000' || n, 'T-CGJ', 'lead',
                       (ARRAY['dispatched', 'dispatched', 'acknowledged', 'completed', 'completed'])[n], 1,
                       s + interval '2 hours', s + interval '1 day', s, CASE WHEN n = 3 THEN s + interval '1 day' END
                FROM generate_series(1, 5) n, (SELECT timestamptz '\(start)' AS s) t;
                -- n: the assignment; which of its timers are still pending and which fired.
                INSERT INTO timers (kind, ticket_no, assignment_id, due_at, fired_at)
                SELECT k.kind, 'W20261118-00000' || a.n, ('00000000-0000-4000-8000-00000000000' || a.n)::uuid,
                       timestamptz '\(start)' + k.after, CASE WHEN k.kind = ANY(a.fired) THEN timestamptz '\(start)' + k.after END
                FROM (VALUES (1, '{}'::text[], '{}'::text[]),
                             (2, '{ack_due_soon}', '{}'),
                             (3, '{resolve_due_soon,resolve_overdue}', '{ack_due_soon,ack_overdue}'),
                             (4, '{ack_due_soon,resolve_due_soon}', '{ack_overdue,resolve_overdue,escalate_city}'))
                       AS a(n, fired, stopped),
                     (VALUES ('ack_due_soon', interval '96 minutes'), ('ack_overdue', interval '2 hours'),
                             ('resolve_due_soon', interval '1152 minutes'), ('resolve_overdue', interval '1 day'),
                             ('escalate_city', interval '2 days')) AS k(kind, after)
                WHERE NOT k.kind = ANY(a.stopped);
                INSERT INTO timers (kind, ticket_no, due_at) VALUES ('feedback_window', 'W20261118-000005', timestamptz '\(start)' + interval '7 days');
                """)
        }
        await pool.close()
    }

    @Test("pending timer rows of an upgraded database become the assignments' clocks, which fire what the rows would have")
    func pendingRowsConvert() async throws {
        let sandbox = try await TestSandbox("clocks-upgrade")
        try await Self.fillVersion16(sandbox)
        let firedBefore = try await sandbox.count("SELECT count(*)::int FROM timers WHERE fired_at IS NOT NULL")
        try await Fixtures.prepare(sandbox)  // migrates to this build's version, and the reference data

        let clocks = try await sandbox.withDatabase { connection in
            try connection.query(
                """
                SELECT ticket_no || ' ' || ack_stage || ' ' || resolve_stage || ' ' || coalesce(to_char(ack_warning_at AT TIME ZONE 'UTC', 'HH24:MI'), '-')
                       || ' ' || coalesce(to_char(resolve_warning_at AT TIME ZONE 'UTC', 'DD HH24:MI'), '-')
                FROM assignments ORDER BY ticket_no
                """
            ).map { try $0.decode(0, as: String.self) }
        }
        #expect(
            clocks == [
                "W20261118-000001 0 0 03:36 18 21:12", "W20261118-000002 1 0 03:36 18 21:12", "W20261118-000003 2 2 03:36 18 21:12",
                "W20261118-000004 0 0 - -", "W20261118-000005 0 0 - -",
            ])
        let pending = try await sandbox.withDatabase { connection in
            try connection.query("SELECT ticket_no || ' ' || kind FROM timers WHERE fired_at IS NULL ORDER BY ticket_no").map {
                try $0.decode(0, as: String.self)
            }
        }
        #expect(pending == ["W20261118-000003 escalate_city", "W20261118-000005 feedback_window"], "only the rows with no home stay")
        #expect(try await sandbox.count("SELECT count(*)::int FROM timers WHERE fired_at IS NOT NULL") == firedBefore, "history stays")

        // The acknowledgement deadline: the first warns and goes overdue, the second only goes overdue.
        let clock = MovableClock(try #require(RFC3339.parse("2026-11-18T04:00:00Z")))
        let (service, pool) = try TimerClockTests.service(sandbox, name: "upgraded") { clock.now }
        #expect(try await service.fireDue().fired == 3)
        let announced = try await sandbox.withDatabase { connection in
            try connection.query(
                "SELECT ticket_no || ' ' || type || ' ' || (data ->> 'clock') FROM dispatch_timeline WHERE type LIKE 'assignment.%' ORDER BY id"
            ).map { try $0.decode(0, as: String.self) }
        }
        #expect(
            Set(announced) == [
                "W20261118-000001 assignment.due_soon acknowledge", "W20261118-000001 assignment.overdue acknowledge",
                "W20261118-000002 assignment.overdue acknowledge",
            ])
        // Two days on: the third's converted city timer fires as it was.
        clock.now = try #require(RFC3339.parse("2026-11-20T02:00:00Z"))
        _ = try await service.fireDue()
        #expect(
            try await sandbox.count(
                "SELECT count(*)::int FROM dispatch_timeline WHERE ticket_no = 'W20261118-000003' AND type = 'ticket.escalated' AND data ->> 'level' = 'city'"
            ) == 1)
        await pool.close()
        await sandbox.tearDown()
    }
}
