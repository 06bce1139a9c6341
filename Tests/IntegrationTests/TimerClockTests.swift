import Foundation
import Logging
import Testing
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

@testable import DispatcherService

/// The assignment clocks read from `assignments` (migration 0017) against a real PostgreSQL: two
/// timer loops working at once fire each clock once, escalate as before, and write rows of
/// `timers` only for the city escalation; the loop sleeps until the next due instant.
@Suite("Assignment clocks", .serialized)
struct TimerClockTests {
    static let start = "2026-11-18T02:00:00.000Z"
    static let tickets = 60
    /// Assignments per ticket: a lead and a co-department.
    static let departments = ["T-CGJ", "S-T-JDB"]

    /// Tickets dispatched at `start` with two assignments each: acknowledge within 2 h, resolve
    /// within one day; their warnings at 80 %.
    static func dispatch(_ sandbox: TestSandbox) async throws {
        try await sandbox.withDatabase { connection in
            try connection.execute(
                """
                INSERT INTO ticket_facts (ticket_no, channel, urgency, area_code, content, opened_at)
                SELECT 'W20261118-' || lpad(n::text, 6, '0'), 'grid', 'normal', 'G-T-1', '测试事项', '\(start)'
                FROM generate_series(1, \(tickets)) n;
                INSERT INTO ticket_states (ticket_no, status, lead_department, dispatch_round)
                SELECT 'W20261118-' || lpad(n::text, 6, '0'), 'dispatched', 'T-CGJ', 1 FROM generate_series(1, \(tickets)) n;
                INSERT INTO assignments (assignment_id, ticket_no, department, role, status, round, ack_due, resolve_due, created_at,
                                         ack_warning_at, resolve_warning_at)
                SELECT gen_random_uuid(), 'W20261118-' || lpad(n::text, 6, '0'), d.code, d.role, 'dispatched', 1,
                       s + interval '2 hours', s + interval '1 day', s, s + interval '96 minutes', s + interval '1152 minutes'
                FROM generate_series(1, \(tickets)) n, (VALUES ('T-CGJ', 'lead'), ('S-T-JDB', 'co')) d(code, role),
                     (SELECT timestamptz '\(start)' AS s) t;
                """)
        }
    }

    /// A timer loop of its own (pool, reference cache, instance name) whose time is `now`.
    static func service(_ sandbox: TestSandbox, name: String, now: @escaping @Sendable () -> Date) throws -> (TimerService, PostgresPool) {
        let pool = try sandbox.pool(size: 2)
        let logger = Logger(label: "test.\(name)")
        let context = DispatchContext(
            reference: ReferenceCache(pool: pool, logger: logger), outbox: Outbox(publisher: "dispatcher"), clock: now, logger: logger,
            instance: name)
        return (TimerService(pool: pool, context: context, interval: .seconds(30), batchSize: 7, signal: OutboxSignal()), pool)
    }

    /// Passes of both loops at once until neither fires anything more; returns the clocks fired.
    static func drain(_ a: TimerService, _ b: TimerService) async throws -> Int {
        var total = 0
        while true {
            async let first = a.fireDue()
            async let second = b.fireDue()
            let fired = try await first.fired + second.fired
            if fired == 0 { return total }
            total += fired
        }
    }

    /// How many timeline entries of `type` there are per (assignment, clock), as a histogram.
    static func perAssignment(_ sandbox: TestSandbox, _ type: String, clock: String) async throws -> [Int: Int] {
        try await sandbox.withDatabase { connection in
            var histogram: [Int: Int] = [:]
            for row in try connection.query(
                """
                SELECT count(t.id)::int FROM assignments a
                LEFT JOIN dispatch_timeline t ON t.type = $1 AND t.data ->> 'assignment_id' = a.assignment_id::text
                                              AND t.data ->> 'clock' = $2
                GROUP BY a.assignment_id
                """, [type, clock])
            {
                histogram[try row.decode(0, as: Int.self), default: 0] += 1
            }
            return histogram
        }
    }

    @Test("two timer loops at once fire each clock once, escalate once, and write timer rows only for the city")
    func twoLoopsFireEachClockOnce() async throws {
        let sandbox = try await TestSandbox("clocks")
        try await Fixtures.prepare(sandbox)
        try await Self.dispatch(sandbox)
        let assignments = Self.tickets * Self.departments.count
        let clock = MovableClock(try #require(RFC3339.parse(Self.start)))
        let (a, poolA) = try Self.service(sandbox, name: "a") { clock.now }
        let (b, poolB) = try Self.service(sandbox, name: "b") { clock.now }

        clock.now = try #require(RFC3339.parse("2026-11-18T03:35:59.999Z"))
        #expect(try await Self.drain(a, b) == 0, "nothing before 80 % of the acknowledgement window")
        let warnedAt = try #require(RFC3339.parse("2026-11-18T03:36:00.000Z"))
        #expect(try await a.fireDue().nextDue == warnedAt, "the next due instant is the first warning")
        clock.now = try #require(RFC3339.parse("2026-11-18T04:00:00Z"))
        #expect(try await Self.drain(a, b) == 2 * assignments)
        #expect(try await Self.perAssignment(sandbox, "assignment.due_soon", clock: "acknowledge") == [1: assignments])
        #expect(try await Self.perAssignment(sandbox, "assignment.overdue", clock: "acknowledge") == [1: assignments])
        let street = "SELECT count(*)::int FROM dispatch_timeline WHERE type = 'ticket.escalated' AND data ->> 'level' = $1"
        #expect(try await sandbox.count(street, ["street"]) == Self.tickets, "one street escalation per ticket")
        #expect(try await sandbox.count("SELECT count(*)::int FROM timers") == 0, "the acknowledge clocks wrote no timer row")

        // The resolve deadline: due soon, overdue, the district, and the city planned one window later.
        clock.now = try #require(RFC3339.parse("2026-11-19T02:00:00Z"))
        #expect(try await Self.drain(a, b) == 2 * assignments)
        #expect(try await Self.perAssignment(sandbox, "assignment.due_soon", clock: "resolve") == [1: assignments])
        #expect(try await Self.perAssignment(sandbox, "assignment.overdue", clock: "resolve") == [1: assignments])
        #expect(try await sandbox.count(street, ["district"]) == Self.tickets)
        let pending =
            "SELECT count(*)::int FROM timers WHERE kind = 'escalate_city' AND due_at = '2026-11-20T02:00:00Z' AND fired_at IS NULL"
        #expect(try await sandbox.count(pending) == assignments, "one city timer per overdue assignment")
        #expect(try await a.fireDue().nextDue == RFC3339.parse("2026-11-20T02:00:00Z"))
        clock.now = try #require(RFC3339.parse("2026-11-20T02:00:00Z"))
        #expect(try await Self.drain(a, b) == assignments)
        #expect(try await sandbox.count(street, ["city"]) == Self.tickets, "one city escalation per ticket")
        #expect(
            try await sandbox.count("SELECT count(*)::int FROM timers WHERE fired_at IS NOT NULL AND fired_by IN ('a', 'b')") == assignments
        )
        #expect(try await a.fireDue().nextDue == nil, "nothing left to fire")
        await poolA.close()
        await poolB.close()
        await sandbox.tearDown()
    }

    @Test("a batch that starts an earlier clock wakes the sleeping loop")
    func anEarlierClockWakesTheLoop() async throws {
        let alarm = TimerAlarm()
        let now = Date()
        let started = ContinuousClock.now
        async let slept: Void = alarm.sleep(until: .now + .seconds(60))
        try await Task.sleep(for: .milliseconds(200))
        alarm.arm(at: now, now: now)
        await slept
        #expect(ContinuousClock.now - started < .seconds(30), "woken by the alarm, not at the end of the sleep")
        // Once a pass has started after the armed instant, an alarm for later than the loop sleeps wakes nothing.
        try await Task.sleep(for: TimerAlarm.grace + .milliseconds(100))
        alarm.passStarting()
        alarm.arm(at: now.addingTimeInterval(3600), now: now)
        let short = ContinuousClock.now
        await alarm.sleep(until: .now + .milliseconds(300))
        #expect(ContinuousClock.now - short >= .milliseconds(300))
    }
}

/// A time the test moves, read by the timer loops.
final class MovableClock: @unchecked Sendable {
    private let lock = NSLock()
    private var instant: Date

    init(_ instant: Date) { self.instant = instant }

    var now: Date {
        get { lock.withLock { instant } }
        set { lock.withLock { instant = newValue } }
    }
}
