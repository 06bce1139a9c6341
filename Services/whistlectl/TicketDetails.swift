import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Everything `ticket show` prints about one ticket: the read model's `TicketView` (with its
/// demands, assignments and timeline) and the names of its codes, as labelled lines.
struct TicketDetails: Sendable {
    struct Field: Sendable {
        var label: String
        var value: String
    }

    var ticketNo: String
    var status: String
    var fields: [Field]
    var demands: [TicketView.Demand]
    var assignments: [TicketView.Assignment]
    /// With each entry's data compacted and its personal data masked.
    var timeline: [TicketView.Entry]

    /// nil when there is no such ticket.
    static func load(_ ticketNo: String, _ connection: PostgresConnection, time: LocalTime) throws -> TicketDetails? {
        guard
            let ticket = try TicketReadModel.load([ticketNo], parts: [.assignments, .demands, .timeline], on: connection)[ticketNo]
        else { return nil }
        let names = try connection.query(
            """
            SELECT (SELECT name FROM categories WHERE code = $1), (SELECT name FROM areas WHERE code = $2),
                   (SELECT name FROM departments WHERE code = $3)
            """, [ticket.category, ticket.area, ticket.leadDepartment])[0]
        func named(_ code: String?, _ column: Int) throws -> String {
            guard let code else { return "-" }
            guard let label: String = try names.decodeIfPresent(column) else { return code }
            return "\(code) \(label)"
        }
        var fields: [Field] = []
        func add(_ label: String, _ value: String?) {
            if let value { fields.append(Field(label: label, value: value)) }
        }
        add("channel", ticket.channel.rawValue)
        add("category", try named(ticket.category, 0))
        add("urgency", ticket.urgency.rawValue)
        add("area", try named(ticket.area, 1))
        add("lead", try named(ticket.leadDepartment, 2))
        add("title", ticket.title.map(PersonalData.maskText))
        add("content", PersonalData.maskText(ticket.content))
        add("location", try ticket.location.map { Redaction.compactJSON(String(decoding: try WhistleJSON.encode($0), as: UTF8.self)) })
        if ticket.confidential {
            add("confidential", "yes (petition: the petitioner's identity stays with the petition bureau)")
        }
        if let kind = ticket.petitionKind {
            var text = kind.rawValue
            if let subject = ticket.subjectUnit { text += ", about \(subject)" }
            if let count = ticket.petitioners { text += ", \(count) petitioner\(count == 1 ? "" : "s")" }
            add("petition", text)
        }
        add("whistle", try ticket.whistle.map { Redaction.compactJSON(String(decoding: try WhistleJSON.encode($0), as: UTF8.self)) })
        add(
            "counts",
            "reports \(ticket.reportCount), reopened \(ticket.reopenCount), returned \(ticket.returnCount), "
                + "dispatch round \(ticket.dispatchRound)")
        add("escalated", ticket.escalationLevel?.rawValue)
        if ticket.extended { add("extended", "yes") }
        add("outcome", ticket.outcome?.rawValue)
        add("opened", time.format(ticket.openedAt))
        add("resolved", ticket.resolvedAt.map(time.format))
        add("feedback due", ticket.feedbackDue.map(time.format))
        add("closed", ticket.closedAt.map(time.format))
        add("updated", time.format(ticket.updatedAt))
        var timeline = ticket.timeline
        for index in timeline.indices { timeline[index].data = Redaction.compactJSON(timeline[index].data) }
        return TicketDetails(
            ticketNo: ticketNo, status: ticket.status.rawValue, fields: fields, demands: ticket.demands,
            assignments: ticket.assignments, timeline: timeline)
    }
}
