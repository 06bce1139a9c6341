import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres

/// Reads tickets with all their assignments, locking the tickets for the batch's transaction
/// in ticket-number order, so that two dispatcher instances never change one ticket at once and
/// never deadlock on each other. What is locked is dispatcher's own row, `ticket_states`, made
/// (as `accepted`) the first time dispatcher meets the ticket; the ticket is read through the
/// read model, `tickets`.
enum TicketLoader {
    /// Locks and reads `ticketNos`; with `skipLocked`, tickets another transaction holds are left
    /// out (the timer loop: another instance is firing them).
    static func lock(_ connection: PostgresConnection, _ ticketNos: [String], skipLocked: Bool = false) throws -> [String: TicketRecord] {
        guard !ticketNos.isEmpty else { return [:] }
        let numbers = Array(Set(ticketNos)).sorted()
        if !skipLocked {
            // Tickets with timers have their row already; the others may be new to dispatcher.
            _ = try connection.query(
                """
                INSERT INTO ticket_states (ticket_no, status)
                SELECT t.ticket_no, t.status FROM tickets t WHERE t.ticket_no = ANY($1::text[]) ORDER BY t.ticket_no
                ON CONFLICT (ticket_no) DO NOTHING
                """, [numbers])
        }
        // The lock first, in a statement of its own: a statement that waited for a lock still
        // reads with the snapshot it began with, so reading the view in the same statement would
        // see the ticket as it was before the transaction that held the lock (an escalation it
        // made, a state it changed), and this batch would act on it again.
        let locked = try connection.query(
            """
            SELECT ticket_no FROM ticket_states WHERE ticket_no = ANY($1::text[]) ORDER BY ticket_no
            FOR UPDATE\(skipLocked ? " SKIP LOCKED" : "")
            """, [numbers]
        ).map { try $0.decode(0, as: String.self) }
        guard !locked.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT t.ticket_no, t.status, t.channel, t.category_code, t.category_method, t.urgency, t.area_code,
                   t.lead_department, t.title, t.content, t.location::text, t.confidential, t.petition_kind, t.subject_unit,
                   t.petitioners, t.whistle::text, t.reopen_count, t.return_count, t.dispatch_round,
                   t.escalation_level, t.extended, t.outcome, t.opened_at, t.resolved_at, t.feedback_due, t.closed_at,
                   t.classified_category, t.attachments::text
            FROM tickets t WHERE t.ticket_no = ANY($1::text[]) ORDER BY t.ticket_no
            """, [locked])
        var tickets: [String: TicketRecord] = [:]
        for row in rows {
            guard let status = TicketStatus(rawValue: try row.decode(1)), let channel = Channel(rawValue: try row.decode(2)),
                let urgency = Urgency(rawValue: try row.decode(5))
            else { continue }
            let record = TicketRecord(
                ticketNo: try row.decode(0), status: status, channel: channel, category: try row.decodeIfPresent(3),
                categoryMethod: try row.decodeIfPresent(4), urgency: urgency, area: try row.decodeIfPresent(6),
                leadDepartment: try row.decodeIfPresent(7), title: try row.decodeIfPresent(8), content: try row.decode(9),
                location: try json(try row.decodeIfPresent(10, as: String.self), Location.self), confidential: try row.decode(11),
                petitionKind: (try row.decodeIfPresent(12, as: String.self)).flatMap(Petition.Kind.init(rawValue:)),
                subjectUnit: try row.decodeIfPresent(13), petitioners: try row.decodeIfPresent(14),
                whistle: try json(try row.decodeIfPresent(15, as: String.self), Whistle.self),
                reopenCount: try row.decode(16), returnCount: try row.decode(17), dispatchRound: try row.decode(18),
                escalationLevel: (try row.decodeIfPresent(19, as: String.self)).flatMap(EscalationLevel.init(rawValue:)),
                extended: try row.decode(20),
                outcome: (try row.decodeIfPresent(21, as: String.self)).flatMap(TicketOutcome.init(rawValue:)),
                openedAt: try row.decode(22), resolvedAt: try row.decodeIfPresent(23), feedbackDue: try row.decodeIfPresent(24),
                closedAt: try row.decodeIfPresent(25), classifiedCategory: try row.decodeIfPresent(26),
                attachments: try json(try row.decode(27, as: String.self), [Attachment].self) ?? [])
            tickets[record.ticketNo] = record
        }
        guard !tickets.isEmpty else { return tickets }
        let assignmentRows = try connection.query(
            """
            SELECT assignment_id::text, ticket_no, department, role, status, round, reopen_count, ack_due, resolve_due,
                   created_at, acknowledged_at, completed_at, returned_at, result, return_reason, extended_at,
                   contest_reason, contest_note, contested_at, ruling, ruling_note, ruled_by, ruled_at, cancel_reason,
                   ack_overdue_at, resolve_overdue_at, ack_warning_at, resolve_warning_at, ack_stage, resolve_stage
            FROM assignments WHERE ticket_no = ANY($1::text[]) ORDER BY created_at, round, role DESC, department
            """, [Array(tickets.keys)])
        for row in assignmentRows {
            guard let role = AssignmentRole(rawValue: try row.decode(3)), let state = AssignmentState(rawValue: try row.decode(4))
            else { continue }
            var assignment = AssignmentRecord(
                id: try row.decode(0), ticketNo: try row.decode(1), department: try row.decode(2), role: role, state: state,
                round: try row.decode(5), reopenCount: try row.decode(6), ackDue: try row.decode(7), resolveDue: try row.decode(8),
                dispatchedAt: try row.decode(9), acknowledgedAt: try row.decodeIfPresent(10), completedAt: try row.decodeIfPresent(11),
                returnedAt: try row.decodeIfPresent(12), result: try row.decodeIfPresent(13), returnReason: try row.decodeIfPresent(14),
                extendedAt: try row.decodeIfPresent(15))
            assignment.account = AssignmentAccount(
                contestReason: try row.decodeIfPresent(16), contestNote: try row.decodeIfPresent(17),
                contestedAt: try row.decodeIfPresent(18), ruling: try row.decodeIfPresent(19), rulingNote: try row.decodeIfPresent(20),
                ruledBy: try row.decodeIfPresent(21), ruledAt: try row.decodeIfPresent(22), cancelReason: try row.decodeIfPresent(23),
                ackOverdueAt: try row.decodeIfPresent(24), resolveOverdueAt: try row.decodeIfPresent(25))
            assignment.ackWarningAt = try row.decodeIfPresent(26)
            assignment.resolveWarningAt = try row.decodeIfPresent(27)
            assignment.ackStage = ClockStage(rawValue: try row.decode(28, as: Int.self)) ?? .overdue
            assignment.resolveStage = ClockStage(rawValue: try row.decode(29, as: Int.self)) ?? .overdue
            tickets[assignment.ticketNo]?.assignments.append(assignment)
        }
        return tickets
    }

    /// The ticket of each assignment id that exists (ids that are not UUIDs are simply absent).
    static func ticketsOfAssignments(_ connection: PostgresConnection, _ ids: [String]) throws -> [String: String] {
        let candidates = ids.filter { UUID(uuidString: $0) != nil }.map { $0.lowercased() }
        guard !candidates.isEmpty else { return [:] }
        let rows = try connection.query(
            "SELECT assignment_id::text, ticket_no FROM assignments WHERE assignment_id = ANY($1::uuid[])", [candidates])
        var found: [String: String] = [:]
        for row in rows { found[try row.decode(0)] = try row.decode(1, as: String.self) }
        return found
    }

    private static func json<T: Decodable>(_ text: String?, _ type: T.Type) throws -> T? {
        guard let text else { return nil }
        return try WhistleJSON.decode(type, from: Data(text.utf8))
    }
}
