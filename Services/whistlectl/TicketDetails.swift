import Foundation
import WhistleDomain
import WhistlePostgres

/// Everything `ticket show` prints about one ticket, read in one go.
struct TicketDetails: Sendable {
    struct Field: Sendable {
        var label: String
        var value: String
    }

    struct Demand: Sendable {
        var channel: String?
        var externalId: String?
        var outcome: String
        var receivedAt: Date
        var messageId: String
    }

    struct Assignment: Sendable {
        var id: String
        var department: String
        var role: String
        var status: String
        var round: Int
        var reopenCount: Int
        var ackDue: Date
        var resolveDue: Date
        var acknowledgedAt: Date?
        var completedAt: Date?
        var returnedAt: Date?
        var returnReason: String?
        var result: String?
    }

    struct Entry: Sendable {
        var at: Date
        var type: String
        var actor: String?
        var data: String
    }

    var ticketNo: String
    var status: String
    var fields: [Field]
    var demands: [Demand]
    var assignments: [Assignment]
    var timeline: [Entry]

    /// nil when there is no such ticket.
    static func load(_ ticketNo: String, _ connection: PostgresConnection, time: LocalTime) throws -> TicketDetails? {
        let rows = try connection.query(
            """
            SELECT t.status, t.channel, t.category_code, c.name, t.urgency, t.area_code, a.name, t.lead_department, d.name,
                   t.title, t.content, t.location::text, t.confidential, t.petition_kind, t.subject_unit, t.petitioners,
                   t.whistle::text, t.report_count, t.reopen_count, t.return_count, t.dispatch_round, t.escalation_level,
                   t.extended, t.outcome, t.opened_at, t.resolved_at, t.feedback_due, t.closed_at, t.updated_at
            FROM tickets t
            LEFT JOIN categories c ON c.code = t.category_code
            LEFT JOIN areas a ON a.code = t.area_code
            LEFT JOIN departments d ON d.code = t.lead_department
            WHERE t.ticket_no = $1
            """, [ticketNo])
        guard let row = rows.first else { return nil }
        func named(_ code: Int, _ name: Int) throws -> String {
            guard let value: String = try row.decodeIfPresent(code) else { return "-" }
            guard let label: String = try row.decodeIfPresent(name) else { return value }
            return "\(value) \(label)"
        }
        var fields: [Field] = []
        func add(_ label: String, _ value: String?) {
            if let value { fields.append(Field(label: label, value: value)) }
        }
        add("channel", try row.decode(1, as: String.self))
        add("category", try named(2, 3))
        add("urgency", try row.decode(4, as: String.self))
        add("area", try named(5, 6))
        add("lead", try named(7, 8))
        add("title", try row.decodeIfPresent(9, as: String.self).map(PersonalData.maskText))
        add("content", PersonalData.maskText(try row.decode(10, as: String.self)))
        add("location", try row.decodeIfPresent(11, as: String.self).map(Redaction.compactJSON))
        if try row.decode(12, as: Bool.self) {
            add("confidential", "yes (petition: the petitioner's identity stays with the petition bureau)")
        }
        if let kind: String = try row.decodeIfPresent(13) {
            var text = kind
            if let subject: String = try row.decodeIfPresent(14) { text += ", about \(subject)" }
            if let count: Int = try row.decodeIfPresent(15) { text += ", \(count) petitioner\(count == 1 ? "" : "s")" }
            add("petition", text)
        }
        add("whistle", try row.decodeIfPresent(16, as: String.self).map(Redaction.compactJSON))
        add(
            "counts",
            "reports \(try row.decode(17, as: Int.self)), reopened \(try row.decode(18, as: Int.self)), "
                + "returned \(try row.decode(19, as: Int.self)), dispatch round \(try row.decode(20, as: Int.self))")
        add("escalated", try row.decodeIfPresent(21, as: String.self))
        if try row.decode(22, as: Bool.self) { add("extended", "yes") }
        add("outcome", try row.decodeIfPresent(23, as: String.self))
        add("opened", time.format(try row.decode(24, as: Date.self)))
        add("resolved", try row.decodeIfPresent(25, as: Date.self).map(time.format))
        add("feedback due", try row.decodeIfPresent(26, as: Date.self).map(time.format))
        add("closed", try row.decodeIfPresent(27, as: Date.self).map(time.format))
        add("updated", time.format(try row.decode(28, as: Date.self)))
        return TicketDetails(
            ticketNo: ticketNo, status: try row.decode(0), fields: fields, demands: try demands(ticketNo, connection),
            assignments: try assignments(ticketNo, connection), timeline: try timeline(ticketNo, connection))
    }

    private static func demands(_ ticketNo: String, _ connection: PostgresConnection) throws -> [Demand] {
        try connection.query(
            "SELECT channel, external_id, outcome, received_at, message_id FROM demands WHERE ticket_no = $1 ORDER BY received_at, id",
            [ticketNo]
        ).map { row in
            Demand(
                channel: try row.decodeIfPresent(0), externalId: try row.decodeIfPresent(1), outcome: try row.decode(2),
                receivedAt: try row.decode(3), messageId: try row.decode(4))
        }
    }

    private static func assignments(_ ticketNo: String, _ connection: PostgresConnection) throws -> [Assignment] {
        try connection.query(
            """
            SELECT assignment_id::text, department, role, status, round, reopen_count, ack_due, resolve_due,
                   acknowledged_at, completed_at, returned_at, return_reason, result
            FROM assignments WHERE ticket_no = $1 ORDER BY created_at, round, role DESC, department
            """, [ticketNo]
        ).map { row in
            Assignment(
                id: try row.decode(0), department: try row.decode(1), role: try row.decode(2), status: try row.decode(3),
                round: try row.decode(4), reopenCount: try row.decode(5), ackDue: try row.decode(6), resolveDue: try row.decode(7),
                acknowledgedAt: try row.decodeIfPresent(8), completedAt: try row.decodeIfPresent(9),
                returnedAt: try row.decodeIfPresent(10),
                returnReason: try row.decodeIfPresent(11), result: try row.decodeIfPresent(12))
        }
    }

    private static func timeline(_ ticketNo: String, _ connection: PostgresConnection) throws -> [Entry] {
        try connection.query("SELECT at, type, actor, data::text FROM timeline WHERE ticket_no = $1 ORDER BY at, id", [ticketNo]).map {
            row in
            Entry(
                at: try row.decode(0), type: try row.decode(1), actor: try row.decodeIfPresent(2),
                data: Redaction.compactJSON(try row.decode(3)))
        }
    }
}
