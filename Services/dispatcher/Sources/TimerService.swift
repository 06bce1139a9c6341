import Foundation
import Logging
import Metrics
import ServiceLifecycle
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Fires the clocks: every `interval`, takes the tickets with timers due (up to `batchSize`),
/// locks them with `FOR UPDATE SKIP LOCKED` — so several dispatcher instances share the work and
/// none fires a timer another holds — and, in one transaction, fires their due timers, marks them
/// fired and writes the consequences. A crash before commit leaves them unfired for the next pass.
final class TimerService: Service, @unchecked Sendable {
    private let pool: PostgresPool
    private let context: DispatchContext
    private let interval: Duration
    private let batchSize: Int
    private let signal: OutboxSignal
    private let firedCounter = Counter(label: "whistle_timers_fired_total")

    init(pool: PostgresPool, context: DispatchContext, interval: Duration, batchSize: Int = 200, signal: OutboxSignal) {
        self.pool = pool
        self.context = context
        self.interval = interval
        self.batchSize = batchSize
        self.signal = signal
    }

    func run() async throws {
        await PeriodicWork(interval: interval, failure: "firing timers failed; retrying", logger: context.logger).run {
            let (tickets, fired) = try await fireDue()
            if fired > 0 {
                firedCounter.increment(by: Int64(fired))
                signal.notify()
            }
            return tickets >= batchSize ? .runAgain : .pause
        }
    }

    /// One pass: returns how many tickets were taken and how many timers fired.
    func fireDue() async throws -> (tickets: Int, fired: Int) {
        let context = context
        let limit = batchSize
        return try await pool.transaction { connection in
            let now = context.now()
            // Lock up to `limit` tickets with due timers, skipping those another instance holds,
            // so that instances take different tickets instead of queueing on the same ones.
            let candidates = try connection.query(
                """
                SELECT ticket_no FROM ticket_states
                WHERE ticket_no IN (SELECT ticket_no FROM timers
                                    WHERE due_at <= $1 AND fired_at IS NULL AND cancelled_at IS NULL LIMIT $3)
                ORDER BY ticket_no LIMIT $2 FOR UPDATE SKIP LOCKED
                """, [now, limit, limit * 10]
            ).map { try $0.decode(0, as: String.self) }
            guard !candidates.isEmpty else { return (0, 0) }
            let work = try context.work(on: connection, now: now)
            try work.load(candidates)
            guard !work.tickets.isEmpty else { return (0, 0) }
            let due = try connection.query(
                """
                SELECT id, kind, ticket_no, assignment_id::text, due_at FROM timers
                WHERE ticket_no = ANY($1::text[]) AND due_at <= $2 AND fired_at IS NULL AND cancelled_at IS NULL
                ORDER BY due_at, id
                """, [Array(work.tickets.keys), now])
            var fired = 0
            for row in due {
                let id = try row.decode(0, as: Int64.self)
                work.timers.markFired(id)
                guard let kind = TimerKind(rawValue: try row.decode(1)) else { continue }
                try TimerFiring(work: work).fire(
                    kind, ticketNo: try row.decode(2), assignmentId: try row.decodeIfPresent(3), dueAt: try row.decode(4))
                fired += 1
            }
            try work.flush()
            return (work.tickets.count, fired)
        }
    }
}

/// Carries out what `TimerRule` decides for one due timer, checked against the ticket and the
/// assignment as they are now: a timer whose work is done fires nothing.
struct TimerFiring {
    let work: DispatchWork

    func fire(_ kind: TimerKind, ticketNo: String, assignmentId: String?, dueAt: Date) throws {
        guard let ticket = work.tickets[ticketNo] else { return }
        let assignment = assignmentId.flatMap(ticket.assignmentIndex).map { ticket.assignments[$0] }
        switch TimerRule.decide(kind, ticket: ticket.status, assignment: assignment?.state) {
        case .ticket(let input):
            try work.apply(input, to: ticketNo, actor: "clock")
        case .assignment(let alert, let escalation):
            if let alert, let assignment {
                try announce(alert, assignment)
            }
            if let escalation {
                try work.escalate(ticketNo, escalation, actor: "clock")
            }
        case .nothing(let reason):
            work.logger.debug(
                "timer fired on finished work", metadata: ["ticket.no": "\(ticketNo)", "timer": "\(kind.rawValue)", "reason": "\(reason)"])
        }
    }

    private func announce(_ alert: TimerAlert, _ assignment: AssignmentRecord) throws {
        let due = alert.clock == .acknowledge ? assignment.ackDue : assignment.resolveDue
        let payload = AssignmentEvent(
            assignmentId: assignment.id, department: assignment.department, role: assignment.role.rawValue, clock: alert.clock.rawValue,
            dueAt: due)
        try work.record(alert.type, ticketNo: assignment.ticketNo, payload, actor: "clock")
        // Kept on the assignment: a ruling `empty` says when its clocks went overdue (`whistle.ruled`).
        guard alert.type == .assignmentOverdue, let index = work.tickets[assignment.ticketNo]?.assignmentIndex(assignment.id) else {
            return
        }
        var account = assignment.account
        switch alert.clock {
        case .acknowledge where account.ackOverdueAt == nil: account.ackOverdueAt = work.now
        case .resolve where account.resolveOverdueAt == nil: account.resolveOverdueAt = work.now
        default: return
        }
        account.isDirty = true
        work.tickets[assignment.ticketNo]?.assignments[index].account = account
    }
}
