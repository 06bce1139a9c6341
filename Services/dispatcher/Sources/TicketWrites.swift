import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// The multi-row statements that write a batch's ticket and assignment changes.
enum TicketWrites {
    private static func time(_ date: Date?) -> String? { date.map(RFC3339.format) }

    /// The state of the changed tickets (`ticket_states`, dispatcher's table), in one
    /// `UPDATE … FROM unnest`. The category is written only where it differs from intake's.
    static func update(_ connection: PostgresConnection, _ tickets: [TicketRecord]) throws {
        guard !tickets.isEmpty else { return }
        var columns = [[String?]](repeating: [], count: 14)
        for ticket in tickets {
            let decided = ticket.category == ticket.classifiedCategory ? nil : ticket.category
            let values: [String?] = [
                ticket.ticketNo, ticket.status.rawValue, decided, ticket.categoryMethod, ticket.leadDepartment,
                String(ticket.reopenCount), String(ticket.returnCount), String(ticket.dispatchRound),
                ticket.escalationLevel?.rawValue, ticket.extended ? "t" : "f", ticket.outcome?.rawValue,
                time(ticket.resolvedAt), time(ticket.feedbackDue), time(ticket.closedAt),
            ]
            for (index, value) in values.enumerated() { columns[index].append(value) }
        }
        _ = try connection.query(
            """
            UPDATE ticket_states t SET status = u.status, category_code = u.category, category_method = u.method,
                lead_department = u.lead, reopen_count = u.reopen::int, return_count = u.returns::int,
                dispatch_round = u.round::int, escalation_level = u.level, extended = u.extended::bool,
                outcome = u.outcome, resolved_at = u.resolved::timestamptz, feedback_due = u.feedback::timestamptz,
                closed_at = u.closed::timestamptz, updated_at = now()
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
              AS u(no, status, category, method, lead, reopen, returns, round, level, extended, outcome, resolved, feedback,
                   closed)
            WHERE t.ticket_no = u.no
            """, columns.map { TextArray($0) })
    }

    /// New assignments, in one `INSERT … SELECT unnest`.
    static func insert(_ connection: PostgresConnection, _ assignments: [AssignmentRecord]) throws {
        guard !assignments.isEmpty else { return }
        _ = try connection.query(
            """
            INSERT INTO assignments (assignment_id, ticket_no, department, role, status, round, reopen_count, ack_due,
                                     resolve_due, created_at, acknowledged_at, completed_at, returned_at, ack_warning_at,
                                     resolve_warning_at)
            SELECT a.id::uuid, a.ticket, a.department, a.role, a.status, a.round::int, a.reopen::int, a.ack::timestamptz,
                   a.resolve::timestamptz, a.created::timestamptz, a.acknowledged::timestamptz, a.completed::timestamptz,
                   a.returned::timestamptz, a.ack_warning::timestamptz, a.resolve_warning::timestamptz
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
              AS a(id, ticket, department, role, status, round, reopen, ack, resolve, created, acknowledged, completed, returned,
                   ack_warning, resolve_warning)
            """,
            [
                TextArray(assignments.map(\.id)), TextArray(assignments.map(\.ticketNo)), TextArray(assignments.map(\.department)),
                TextArray(assignments.map(\.role.rawValue)), TextArray(assignments.map(\.state.rawValue)),
                TextArray(assignments.map { String($0.round) }), TextArray(assignments.map { String($0.reopenCount) }),
                TextArray(assignments.map { time($0.ackDue) }), TextArray(assignments.map { time($0.resolveDue) }),
                TextArray(assignments.map { time($0.dispatchedAt) }), TextArray(assignments.map { time($0.acknowledgedAt) }),
                TextArray(assignments.map { time($0.completedAt) }), TextArray(assignments.map { time($0.returnedAt) }),
                TextArray(assignments.map { time($0.clockMarks.ackWarningAt) }),
                TextArray(assignments.map { time($0.clockMarks.resolveWarningAt) }),
            ])
    }

    /// Changed assignments (state, times, result, reason, extension, clock stages), in one
    /// `UPDATE … FROM unnest`.
    static func update(_ connection: PostgresConnection, _ assignments: [AssignmentRecord]) throws {
        guard !assignments.isEmpty else { return }
        _ = try connection.query(
            """
            UPDATE assignments a SET status = u.status, resolve_due = u.resolve::timestamptz,
                acknowledged_at = u.acknowledged::timestamptz, completed_at = u.completed::timestamptz,
                returned_at = u.returned::timestamptz, result = u.result, return_reason = u.reason,
                extended_at = u.extended::timestamptz, resolve_warning_at = u.resolve_warning::timestamptz,
                ack_stage = u.ack_stage::smallint, resolve_stage = u.resolve_stage::smallint
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::text[], $10::text[], $11::text[], $12::text[])
              AS u(id, status, resolve, acknowledged, completed, returned, result, reason, extended, resolve_warning, ack_stage,
                   resolve_stage)
            WHERE a.assignment_id = u.id::uuid
            """,
            [
                TextArray(assignments.map(\.id)), TextArray(assignments.map(\.state.rawValue)),
                TextArray(assignments.map { time($0.resolveDue) }), TextArray(assignments.map { time($0.acknowledgedAt) }),
                TextArray(assignments.map { time($0.completedAt) }), TextArray(assignments.map { time($0.returnedAt) }),
                TextArray(assignments.map(\.result)), TextArray(assignments.map(\.returnReason)),
                TextArray(assignments.map { time($0.extendedAt) }), TextArray(assignments.map { time($0.resolveWarningAt) }),
                TextArray(assignments.map { String($0.ackStage.rawValue) }),
                TextArray(assignments.map { String($0.resolveStage.rawValue) }),
            ])
    }

    /// Changed accounts of assignments (contest, ruling, cancellation, overdue clocks), in one
    /// `UPDATE … FROM unnest`; few assignments have one, so the batch's main update stays lean.
    static func updateAccounts(_ connection: PostgresConnection, _ assignments: [AssignmentRecord]) throws {
        guard !assignments.isEmpty else { return }
        let accounts = assignments.map(\.account)
        _ = try connection.query(
            """
            UPDATE assignments a SET contest_reason = u.contest_reason, contest_note = u.contest_note,
                contested_at = u.contested::timestamptz, ruling = u.ruling, ruling_note = u.ruling_note, ruled_by = u.ruled_by,
                ruled_at = u.ruled::timestamptz, cancel_reason = u.cancel_reason,
                ack_overdue_at = u.ack_overdue::timestamptz, resolve_overdue_at = u.resolve_overdue::timestamptz
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::text[], $10::text[], $11::text[])
              AS u(id, contest_reason, contest_note, contested, ruling, ruling_note, ruled_by, ruled, cancel_reason, ack_overdue,
                   resolve_overdue)
            WHERE a.assignment_id = u.id::uuid
            """,
            [
                TextArray(assignments.map(\.id)), TextArray(accounts.map(\.contestReason)), TextArray(accounts.map(\.contestNote)),
                TextArray(accounts.map { time($0.contestedAt) }), TextArray(accounts.map(\.ruling)),
                TextArray(accounts.map(\.rulingNote)), TextArray(accounts.map(\.ruledBy)), TextArray(accounts.map { time($0.ruledAt) }),
                TextArray(accounts.map(\.cancelReason)), TextArray(accounts.map { time($0.ackOverdueAt) }),
                TextArray(accounts.map { time($0.resolveOverdueAt) }),
            ])
    }
}
