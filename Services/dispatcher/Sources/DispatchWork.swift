import Foundation
import Logging
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// One batch's work on the tickets it locked: the changes are made to the records in memory
/// (through `TicketFlow`), then `flush` writes them with a few multi-row statements — tickets,
/// assignments, timers, timeline, outbox — in the batch's one transaction.
final class DispatchWork {
    let connection: PostgresConnection
    let reference: ReferenceSnapshot
    let outbox: Outbox
    let now: Date
    let logger: Logger
    /// Who fires timers in this process (`timers.fired_by`).
    let instance: String
    var tickets: [String: TicketRecord] = [:]
    var timeline = TimelineRows()
    var messages: [OutboundMessage] = []
    var timers = TimerWrites()
    /// Wakes this process's timer loop for a clock that starts earlier than it sleeps.
    let alarm: TimerAlarm?
    /// The earliest instant a clock started by this batch fires at.
    private(set) var earliestClock: Date?
    /// Assignments to publish at flush, once the demands' attachments and reporters are read.
    var outgoing: [(ticketNo: String, assignmentId: String)] = []
    /// The feedback being applied, carried into the `ticket.closed` / `ticket.reopened` it causes.
    var judgment: FeedbackJudgment?

    init(
        connection: PostgresConnection, reference: ReferenceSnapshot, outbox: Outbox, now: Date, logger: Logger, instance: String,
        alarm: TimerAlarm? = nil
    ) {
        self.alarm = alarm
        self.connection = connection
        self.reference = reference
        self.outbox = outbox
        self.now = now
        self.logger = logger
        self.instance = instance
    }

    var router: TicketRouter { TicketRouter(reference: reference.data) }

    /// Locks and reads these tickets (those already held are kept as they are).
    func load(_ ticketNos: [String], skipLocked: Bool = false) throws {
        let missing = ticketNos.filter { tickets[$0] == nil }
        for (number, record) in try TicketLoader.lock(connection, missing, skipLocked: skipLocked) { tickets[number] = record }
    }

    /// Publishes `data` as an event of `type` about `ticketNo` (through the outbox).
    func emit<Payload: Codable & Sendable>(_ type: EventType, ticketNo: String?, _ data: Payload) throws {
        messages.append(try Outbox.event(EventEnvelope(type: type, occurredAt: now, ticketNo: ticketNo, data: data)))
    }

    /// Publishes `data` as an event of `type` about `ticketNo` and records it on the ticket's
    /// timeline with the same data and event id (the timeline is what KPIs are rebuilt from).
    func record<Payload: Codable & Sendable>(_ type: EventType, ticketNo: String, _ data: Payload, actor: String) throws {
        let event = EventEnvelope(type: type, occurredAt: now, ticketNo: ticketNo, data: data)
        messages.append(try Outbox.event(event))
        try timeline.append(event, actor: actor)
    }

    /// Appends a timeline entry for `ticketNo` that no event announces.
    func note<Detail: Encodable>(_ ticketNo: String, _ type: String, actor: String, _ detail: Detail) throws {
        try timeline.append(ticketNo, type: type, actor: actor, detail: detail)
    }

    /// A clock of this batch (an assignment's warning, a timer row) fires at `instant`.
    func clockStarted(at instant: Date) {
        earliestClock = min(earliestClock ?? instant, instant)
    }

    /// Deletes the pending `escalate_city` of an assignment whose work stops or whose resolve
    /// clock restarts (only one already overdue can have one).
    func stopCityTimer(of assignment: AssignmentRecord) {
        if assignment.clockMarks.mayHaveCityTimer { timers.cancel(assignmentId: assignment.id, kinds: [.escalateCity]) }
    }

    /// Writes everything: tickets, assignments, timers, the assignments' messages, timeline, outbox;
    /// then tells the timer loop of the earliest clock started (it looks a moment after the
    /// instant, by when this transaction has committed).
    func flush() throws {
        let changed = tickets.values.filter(\.isDirty)
        try TicketWrites.update(connection, changed)
        let assignments = tickets.values.flatMap(\.assignments)
        try TicketWrites.insert(connection, assignments.filter(\.isNew))
        try TicketWrites.update(connection, assignments.filter { $0.isDirty && !$0.isNew })
        try TicketWrites.updateAccounts(connection, assignments.filter(\.account.isDirty))
        try timers.write(connection, instance: instance)
        messages += try AssignmentMessages(connection: connection).build(outgoing, tickets: tickets)
        try timeline.insert(connection, at: now, into: .dispatch)
        try outbox.enqueue(connection, messages)
        if let earliestClock { alarm?.arm(at: earliestClock, now: now) }
    }
}

/// The timer rows a batch inserts, cancels and marks fired.
struct TimerWrites {
    private(set) var planned: [(ticketNo: String, assignmentId: String?, kind: TimerKind, dueAt: Date)] = []
    private var cancelledKinds: [(assignmentId: String, kind: TimerKind)] = []
    private var cancelledTickets: [String] = []
    private var fired: [Int64] = []

    /// A timer to insert (a repeat of an existing (ticket, assignment, kind, due) is ignored).
    mutating func plan(ticketNo: String, assignmentId: String?, kind: TimerKind, dueAt: Date) {
        planned.append((ticketNo, assignmentId, kind, dueAt))
    }

    /// Stops these clocks of an assignment: pending rows of earlier transactions and the timers
    /// this batch planned so far (a timer planned after this call stays).
    mutating func cancel(assignmentId: String, kinds: Set<TimerKind>) {
        planned.removeAll { $0.assignmentId == assignmentId && kinds.contains($0.kind) }
        for kind in kinds { cancelledKinds.append((assignmentId, kind)) }
    }

    /// Stops every clock of a ticket (it closed).
    mutating func cancel(ticketNo: String) {
        planned.removeAll { $0.ticketNo == ticketNo }
        cancelledTickets.append(ticketNo)
    }

    mutating func markFired(_ id: Int64) { fired.append(id) }

    func write(_ connection: PostgresConnection, instance: String) throws {
        if !cancelledKinds.isEmpty {
            // Rows of this transaction (created_at = now()) were planned after the cancel: they stay.
            // A cancelled timer is deleted, not marked: an update of a column the partial indexes
            // depend on is never HOT and wrote a new row version into all five indexes (52 ms a
            // batch under load; the delete takes 37 ms, docs/performance.md). Probing by
            // `assignment_id = ANY(…)` instead of this join measured 127 ms.
            _ = try connection.query(
                """
                DELETE FROM timers t
                USING unnest($1::uuid[], $2::text[]) AS c(assignment_id, kind)
                WHERE t.assignment_id = c.assignment_id AND t.kind = c.kind
                  AND t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.created_at < now()
                """, [TextArray(cancelledKinds.map(\.assignmentId)), TextArray(cancelledKinds.map(\.kind.rawValue))])
        }
        if !cancelledTickets.isEmpty {
            _ = try connection.query(
                """
                DELETE FROM timers
                WHERE ticket_no = ANY($1::text[]) AND fired_at IS NULL AND cancelled_at IS NULL AND created_at < now()
                """, [cancelledTickets])
        }
        if !fired.isEmpty {
            _ = try connection.query(
                "UPDATE timers SET fired_at = now(), fired_by = $2 WHERE id = ANY($1::int8[])", [fired, instance])
        }
        guard !planned.isEmpty else { return }
        _ = try connection.query(
            """
            INSERT INTO timers (ticket_no, assignment_id, kind, due_at)
            SELECT p.ticket_no, p.assignment_id::uuid, p.kind, p.due_at::timestamptz
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS p(ticket_no, assignment_id, kind, due_at)
            ON CONFLICT DO NOTHING
            """,
            [
                TextArray(planned.map(\.ticketNo)), TextArray(planned.map(\.assignmentId)), TextArray(planned.map(\.kind.rawValue)),
                TextArray(planned.map { RFC3339.format($0.dueAt) }),
            ])
    }
}
