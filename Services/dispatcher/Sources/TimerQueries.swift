/// The statements of the timer pass. The assignment clocks are read through the partial indexes
/// of migration 0017 (`assignments_ack_clock_idx`, `assignments_resolve_clock_idx`): each query
/// repeats an index's expression and predicate exactly, so that the planner proves the index
/// applies. `AssignmentClockMarks` is the same rule in Swift.
enum TimerQueries {
    /// The acknowledge clock's next instant (the warning at stage 0, the deadline at stage 1; a row
    /// written without a warning warns at its deadline).
    static let ackNext = "(CASE WHEN ack_stage = 0 THEN coalesce(ack_warning_at, ack_due) ELSE ack_due END)"
    /// Open for the acknowledge clock: dispatched and not yet overdue.
    static let ackOpen = "status = 'dispatched' AND ack_stage < 2"
    /// The resolve clock's next instant.
    static let resolveNext = "(CASE WHEN resolve_stage = 0 THEN coalesce(resolve_warning_at, resolve_due) ELSE resolve_due END)"
    /// Open for the resolve clock: dispatched or acknowledged and not yet overdue.
    static let resolveOpen = "status IN ('dispatched', 'acknowledged') AND resolve_stage < 2"
    /// Pending rows of `timers` (the partial index `timers_due_idx`).
    static let rowPending = "fired_at IS NULL AND cancelled_at IS NULL"

    /// Up to $2 tickets with something due at $1, locked `FOR UPDATE SKIP LOCKED` in ticket
    /// order; $3 bounds how many due clocks are looked at to find them.
    /// Measured with 1,500,000 assignments (45,000 open): 33 ms (the old query on `timers`: 205 ms).
    /// The acknowledge branch walks its clock index; the planner takes the resolve branch through
    /// `assignments_open_due_idx` and filters the open assignments (32 of the 33 ms). Ordering each
    /// branch by its index key made it worse (160 ms): it then left both clock indexes aside.
    static let dueTickets = """
        SELECT ticket_no FROM ticket_states
        WHERE ticket_no IN (SELECT ticket_no FROM assignments WHERE \(ackOpen) AND \(ackNext) <= $1
                            UNION ALL
                            SELECT ticket_no FROM assignments WHERE \(resolveOpen) AND \(resolveNext) <= $1
                            UNION ALL
                            SELECT ticket_no FROM timers WHERE due_at <= $1 AND \(rowPending)
                            LIMIT $3)
        ORDER BY ticket_no LIMIT $2 FOR UPDATE SKIP LOCKED
        """

    /// The pending rows of `timers` due at $2 on the tickets $1.
    static let dueRows = """
        SELECT id, kind, ticket_no, assignment_id::text, due_at FROM timers
        WHERE ticket_no = ANY($1::text[]) AND due_at <= $2 AND \(rowPending)
        ORDER BY due_at, id
        """

    /// The next instant anything is due (NULL: nothing pending): three index probes.
    static let nextDue = """
        SELECT least((SELECT min\(ackNext) FROM assignments WHERE \(ackOpen)),
                     (SELECT min\(resolveNext) FROM assignments WHERE \(resolveOpen)),
                     (SELECT min(due_at) FROM timers WHERE \(rowPending)))
        """
}
