import Foundation
import Testing
import WhistlePostgres
import WhistleReliability

@testable import DispatcherService

/// Dispatcher's ticket lock against a real PostgreSQL: a batch that waits for a ticket another
/// transaction holds must then read the ticket as that transaction committed it. (Found by the
/// fault suite: the lock and the read were one statement, which reads with the snapshot it began
/// with, so a timer batch that waited behind an escalation escalated the ticket to the same level
/// again.)
@Suite("Ticket lock", .serialized)
struct TicketLockTests {
    static let ticketNo = "W20261118-000001"

    static func prepare(_ sandbox: TestSandbox) async throws {
        try await Fixtures.prepare(sandbox)
        try await sandbox.withDatabase { connection in
            _ = try connection.query(
                """
                INSERT INTO ticket_facts (ticket_no, channel, urgency, area_code, content, opened_at)
                VALUES ($1, 'grid', 'normal', 'G-T-1', '测试事项', now())
                """, [Self.ticketNo])
            _ = try connection.query(
                "INSERT INTO ticket_states (ticket_no, status, lead_department, dispatch_round) VALUES ($1, 'dispatched', 'T-CGJ', 1)",
                [Self.ticketNo])
        }
    }

    @Test("a batch that waited for a ticket's lock reads the escalation and the state the holder committed")
    func waitedLockReadsTheCommittedTicket() async throws {
        let sandbox = try await TestSandbox("ticket-lock")
        try await Self.prepare(sandbox)
        let pool = try sandbox.pool(size: 2)
        // The holder locks the ticket, waits until another transaction queues for the lock, and
        // only then escalates and resolves it, so that the waiter's statement began before.
        async let holder: Bool = pool.transaction { connection in
            _ = try connection.query("SELECT ticket_no FROM ticket_states WHERE ticket_no = $1 FOR UPDATE", [Self.ticketNo])
            var queued = false
            for _ in 0..<500 where !queued {
                Thread.sleep(forTimeInterval: 0.02)
                // pg_stat_activity is read once per transaction unless its snapshot is cleared.
                _ = try connection.query("SELECT pg_stat_clear_snapshot()")
                queued =
                    try connection.query(
                        """
                        SELECT count(*)::int FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
                        """
                    ).first?.decode(0, as: Int.self) ?? 0 > 0
            }
            _ = try connection.query(
                "UPDATE ticket_states SET escalation_level = 'street', status = 'resolved' WHERE ticket_no = $1", [Self.ticketNo])
            return queued
        }
        // Until the holder has its lock.
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let held = try await sandbox.withDatabase { connection in
                try connection.query(
                    """
                    SELECT count(*)::int FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                    WHERE c.relname = 'ticket_states' AND l.mode = 'RowShareLock' AND l.granted AND l.pid <> pg_backend_pid()
                    """
                ).first?.decode(0, as: Int.self) ?? 0
            }
            if held > 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The waiter: a dispatcher batch that wants the same ticket meanwhile.
        let seen = try await pool.transaction { connection in
            let record = try TicketLoader.lock(connection, [Self.ticketNo])[Self.ticketNo]
            return (record?.escalationLevel?.rawValue, record?.status.rawValue)
        }
        #expect(try await holder, "the waiter never queued for the lock")
        #expect(seen.0 == "street", "the waiter saw escalation level \(seen.0 ?? "none"): it would escalate again")
        #expect(seen.1 == "resolved", "the waiter saw status \(seen.1 ?? "none")")
        await pool.close()
        await sandbox.tearDown()
    }
}
