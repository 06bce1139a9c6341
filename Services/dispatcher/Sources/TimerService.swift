import Foundation
import Logging
import Metrics
import ServiceLifecycle
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Fires the clocks. A pass takes the tickets with something due (up to `batchSize`): open
/// assignments whose acknowledge or resolve clock has reached its next instant (read from
/// `assignments` through the partial indexes of migration 0017) and pending rows of `timers`
/// (`escalate_city`, `feedback_window`). It locks them with `FOR UPDATE SKIP LOCKED` — so several
/// dispatcher instances share the work and none fires what another holds — and, in one
/// transaction, fires what is due, advances the clocks' stages and marks the rows fired, and
/// writes the consequences. A crash before commit leaves them unfired for the next pass.
///
/// Between passes the loop sleeps until the next due instant (one indexed query), at most
/// `interval`, and wakes earlier when a batch of this process starts an earlier clock
/// (`TimerAlarm`).
final class TimerService: Service, @unchecked Sendable {
    private let pool: PostgresPool
    private let context: DispatchContext
    private let interval: Duration
    private let batchSize: Int
    private let signal: OutboxSignal
    private let firedCounter = Counter(label: "whistle_timers_fired_total")

    /// What one pass did, and the next instant anything is due (nil: nothing pending).
    struct Pass {
        var tickets = 0
        var fired = 0
        var nextDue: Date?
    }

    init(pool: PostgresPool, context: DispatchContext, interval: Duration, batchSize: Int = 200, signal: OutboxSignal) {
        self.pool = pool
        self.context = context
        self.interval = interval
        self.batchSize = batchSize
        self.signal = signal
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var wait = interval
            do {
                context.alarm.passStarting()
                let pass = try await fireDue()
                if pass.fired > 0 {
                    firedCounter.increment(by: Int64(pass.fired))
                    signal.notify()
                }
                if pass.tickets >= batchSize { continue }
                wait = pause(after: pass)
            } catch {
                context.logger.warning("firing timers failed; retrying", metadata: ["error": "\(error)"])
            }
            guard wait > .zero else { continue }
            // Shutdown cuts the sleep short; the loop's condition then ends the loop.
            let alarm = context.alarm
            let deadline = ContinuousClock.now + wait
            await cancelWhenGracefulShutdown { await alarm.sleep(until: deadline) }
        }
    }

    /// How long to sleep after `pass`: until its next due instant, at most the interval. Something
    /// already due that the pass could not take (another instance or a batch holds its ticket) is
    /// looked at again after a second at most; at once when the pass fired (it may have planned a
    /// clock already due, such as a late city escalation).
    func pause(after pass: Pass) -> Duration {
        guard let next = pass.nextDue else { return interval }
        let seconds = next.timeIntervalSince(context.now())
        if seconds <= 0 { return pass.fired > 0 ? .zero : min(interval, .seconds(1)) }
        return min(interval, .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }

    /// One pass: the tickets taken, the clocks fired, and the next instant anything is due.
    func fireDue() async throws -> Pass {
        let context = context
        let limit = batchSize
        return try await pool.transaction { connection in
            let now = context.now()
            var pass = Pass()
            // Lock up to `limit` tickets with something due, skipping those another instance holds,
            // so that instances take different tickets instead of queueing on the same ones.
            let candidates = try connection.query(TimerQueries.dueTickets, [now, limit, limit * 10]).map {
                try $0.decode(0, as: String.self)
            }
            if !candidates.isEmpty {
                let work = try context.work(on: connection, now: now)
                try work.load(candidates, skipLocked: true)
                if !work.tickets.isEmpty {
                    pass.fired = try TimerFiring(work: work).fireDue()
                    try work.flush()
                    pass.tickets = work.tickets.count
                }
            }
            // After this pass's own changes: the clocks it fired have moved on.
            pass.nextDue = try connection.query(TimerQueries.nextDue).first?.decodeIfPresent(0, as: Date.self)
            return pass
        }
    }
}

/// Carries out what `TimerRule` decides for each due clock of the locked tickets, checked against
/// the ticket and the assignment as they are now: a clock whose work is done fires nothing.
struct TimerFiring {
    let work: DispatchWork

    /// A clock due now: one of an assignment's four, or a row of `timers`.
    private struct Due {
        let kind: TimerKind
        let ticketNo: String
        let assignmentId: String?
        let dueAt: Date
    }

    /// Fires everything due at `work.now` on the loaded tickets, in time order per ticket; returns
    /// how many clocks fired. The assignments' stages advance and the rows are marked fired in
    /// the batch's writes, whatever the rule decides, so nothing is looked at twice.
    func fireDue() throws -> Int {
        var due: [Due] = []
        for (ticketNo, ticket) in work.tickets {
            for (index, assignment) in ticket.assignments.enumerated() {
                var marks = assignment.clockMarks
                let fired = marks.fire(at: work.now, state: assignment.state)
                guard !fired.isEmpty else { continue }
                work.tickets[ticketNo]?.assignments[index].clockMarks = marks
                work.tickets[ticketNo]?.assignments[index].isDirty = true
                due += fired.map { Due(kind: $0.kind, ticketNo: ticketNo, assignmentId: assignment.id, dueAt: $0.dueAt) }
            }
        }
        let rows = try work.connection.query(TimerQueries.dueRows, [Array(work.tickets.keys), work.now])
        for row in rows {
            work.timers.markFired(try row.decode(0, as: Int64.self))
            guard let kind = TimerKind(rawValue: try row.decode(1)) else { continue }
            due.append(Due(kind: kind, ticketNo: try row.decode(2), assignmentId: try row.decodeIfPresent(3), dueAt: try row.decode(4)))
        }
        let order = TimerKind.allCases
        due.sort {
            ($0.ticketNo, $0.dueAt, order.firstIndex(of: $0.kind) ?? 0) < ($1.ticketNo, $1.dueAt, order.firstIndex(of: $1.kind) ?? 0)
        }
        for clock in due {
            try fire(clock.kind, ticketNo: clock.ticketNo, assignmentId: clock.assignmentId)
        }
        return due.count
    }

    func fire(_ kind: TimerKind, ticketNo: String, assignmentId: String?) throws {
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
            if kind == .resolveOverdue, let assignment {
                // Still unresolved one more window later: the city (the only assignment clock kept as a row).
                let clock = AssignmentClock(
                    start: assignment.dispatchedAt, ackDue: assignment.ackDue, resolveDue: assignment.resolveDue, extensionWindow: nil,
                    isExtended: assignment.extendedAt != nil)
                let city = TimerPlan.cityTimer(for: clock)
                work.timers.plan(ticketNo: ticketNo, assignmentId: assignment.id, kind: city.kind, dueAt: city.dueAt)
                work.clockStarted(at: city.dueAt)
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
