import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres

/// Reads `TicketView`s from the read model: the view `tickets`, and on request the ticket's
/// assignments, demands (with or without reporters) and timeline — one statement per part for
/// any number of tickets. Each reader asks only for the parts its database role may read.
public enum TicketReadModel {
    /// The parts of a ticket to read besides its row.
    public struct Parts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let assignments = Parts(rawValue: 1)
        /// Every demand filed on the ticket, without personal data.
        public static let demands = Parts(rawValue: 2)
        /// With `demands`: each reporter's name, phone and anonymity.
        public static let reporters = Parts(rawValue: 4)
        /// With `reporters`: the reporter's reference too (readers that address people).
        public static let reporterRefs = Parts(rawValue: 8)
        public static let timeline = Parts(rawValue: 16)
    }

    /// The columns of the view `tickets` (alias `t`) that make a `TicketView`, in its order.
    static let columns = """
        t.ticket_no, t.status, t.channel, t.category_code, t.category_method, t.urgency, t.area_code, t.lead_department,
        t.title, t.content, t.location::text, t.confidential, t.petition_kind, t.subject_unit, t.petitioners, t.whistle::text,
        t.linked_ticket, t.report_count, t.reopen_count, t.return_count, t.dispatch_round, t.escalation_level, t.extended,
        t.outcome, t.opened_at, t.resolved_at, t.feedback_due, t.closed_at, t.updated_at
        """

    /// The tickets of `ticketNos` that exist (and meet `condition`, SQL on the alias `t` whose
    /// parameters start at `$2`), keyed by number.
    public static func load(
        _ ticketNos: [String], parts: Parts = [], condition: String = "true", parameters: [(any PostgresEncodable)?] = [],
        on connection: PostgresConnection
    ) throws -> [String: TicketView] {
        guard !ticketNos.isEmpty else { return [:] }
        let rows = try connection.query(
            "SELECT \(columns) FROM tickets t WHERE t.ticket_no = ANY($1::text[]) AND (\(condition))",
            [Array(Set(ticketNos)) as (any PostgresEncodable)?] + parameters)
        var tickets: [String: TicketView] = [:]
        for row in rows {
            let ticket = try ticket(row)
            tickets[ticket.ticketNo] = ticket
        }
        guard !tickets.isEmpty else { return tickets }
        let numbers = Array(tickets.keys)
        if parts.contains(.assignments) {
            for (ticketNo, assignment) in try assignments(numbers, on: connection) { tickets[ticketNo]?.assignments.append(assignment) }
        }
        if parts.contains(.demands) {
            for (ticketNo, demand) in try demands(numbers, parts: parts, on: connection) { tickets[ticketNo]?.demands.append(demand) }
        }
        if parts.contains(.timeline) {
            for (ticketNo, entry) in try timeline(numbers, on: connection) { tickets[ticketNo]?.timeline.append(entry) }
        }
        return tickets
    }

    private static func ticket(_ row: PostgresRow) throws -> TicketView {
        func value<T: RawRepresentable>(_ index: Int, _ type: T.Type) throws -> T where T.RawValue == String {
            let text: String = try row.decode(index)
            guard let value = T(rawValue: text) else {
                throw PostgresError(.decode, "column \(index) of tickets holds an unknown \(T.self) \(text)")
            }
            return value
        }
        func json<T: Decodable>(_ index: Int, _ type: T.Type) throws -> T? {
            guard let text: String = try row.decodeIfPresent(index) else { return nil }
            return try WhistleJSON.decode(type, from: Data(text.utf8))
        }
        return TicketView(
            ticketNo: try row.decode(0), status: try value(1, TicketStatus.self), channel: try value(2, Channel.self),
            category: try row.decodeIfPresent(3), categoryMethod: try row.decodeIfPresent(4), urgency: try value(5, Urgency.self),
            area: try row.decodeIfPresent(6), leadDepartment: try row.decodeIfPresent(7), title: try row.decodeIfPresent(8),
            content: try row.decode(9), location: try json(10, Location.self), confidential: try row.decode(11),
            petitionKind: try row.decodeIfPresent(12, as: String.self).flatMap(Petition.Kind.init(rawValue:)),
            subjectUnit: try row.decodeIfPresent(13), petitioners: try row.decodeIfPresent(14), whistle: try json(15, Whistle.self),
            linkedTicket: try row.decodeIfPresent(16), reportCount: try row.decode(17), reopenCount: try row.decode(18),
            returnCount: try row.decode(19), dispatchRound: try row.decode(20),
            escalationLevel: try row.decodeIfPresent(21, as: String.self).flatMap(EscalationLevel.init(rawValue:)),
            extended: try row.decode(22), outcome: try row.decodeIfPresent(23, as: String.self).flatMap(TicketOutcome.init(rawValue:)),
            openedAt: try row.decode(24), resolvedAt: try row.decodeIfPresent(25), feedbackDue: try row.decodeIfPresent(26),
            closedAt: try row.decodeIfPresent(27), updatedAt: try row.decode(28))
    }

    private static func assignments(_ numbers: [String], on connection: PostgresConnection) throws -> [(String, TicketView.Assignment)] {
        try connection.query(
            """
            SELECT ticket_no, assignment_id::text, department, role, status, round, reopen_count, ack_due, resolve_due,
                   acknowledged_at, completed_at, returned_at, return_reason, result
            FROM assignments WHERE ticket_no = ANY($1::text[]) ORDER BY created_at, round, role DESC, department
            """, [numbers]
        ).map { row in
            (
                try row.decode(0),
                TicketView.Assignment(
                    id: try row.decode(1), department: try row.decode(2), role: try row.decode(3), status: try row.decode(4),
                    round: try row.decode(5), reopenCount: try row.decode(6), ackDue: try row.decode(7), resolveDue: try row.decode(8),
                    acknowledgedAt: try row.decodeIfPresent(9), completedAt: try row.decodeIfPresent(10),
                    returnedAt: try row.decodeIfPresent(11), returnReason: try row.decodeIfPresent(12), result: try row.decodeIfPresent(13))
            )
        }
    }

    private static func demands(
        _ numbers: [String], parts: Parts, on connection: PostgresConnection
    ) throws -> [(String, TicketView.Demand)] {
        let reporter =
            parts.contains(.reporters)
            ? "r.demand_id IS NOT NULL, r.name, r.phone, coalesce(r.anonymous, false), \(parts.contains(.reporterRefs) ? "r.reporter_ref" : "NULL::text")"
            : "false, NULL::text, NULL::text, false, NULL::text"
        let join = parts.contains(.reporters) ? "LEFT JOIN demand_reporters r ON r.demand_id = d.id" : ""
        return try connection.query(
            """
            SELECT d.ticket_no, d.id, d.message_id, d.channel, d.external_id, d.outcome, d.received_at, \(reporter)
            FROM demands d \(join) WHERE d.ticket_no = ANY($1::text[]) ORDER BY d.id
            """, [numbers]
        ).map { row in
            (
                try row.decode(0),
                TicketView.Demand(
                    id: try row.decode(1), messageId: try row.decode(2), channel: try row.decodeIfPresent(3),
                    externalId: try row.decodeIfPresent(4), outcome: try row.decode(5), receivedAt: try row.decode(6),
                    hasReporter: try row.decode(7), name: try row.decodeIfPresent(8), phone: try row.decodeIfPresent(9),
                    anonymous: try row.decode(10), reporterRef: try row.decodeIfPresent(11))
            )
        }
    }

    private static func timeline(_ numbers: [String], on connection: PostgresConnection) throws -> [(String, TicketView.Entry)] {
        try connection.query(
            "SELECT ticket_no, id, at, type, actor, data::text FROM timeline WHERE ticket_no = ANY($1::text[]) ORDER BY id",
            [numbers]
        ).map { row in
            (
                try row.decode(0),
                TicketView.Entry(
                    id: try row.decode(1), at: try row.decode(2), type: try row.decode(3), actor: try row.decodeIfPresent(4),
                    data: try row.decode(5))
            )
        }
    }
}
