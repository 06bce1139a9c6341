import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// What notifier knows of a ticket when it words a message: the ticket, every demand's contact
/// (personal data read here only, never logged) and the assignments' results.
struct TicketContext: Sendable {
    struct Contact: Sendable, Hashable {
        var demandId: Int64
        var messageId: String
        var outcome: String
        var channel: String
        var name: String?
        var phone: String?
        var anonymous: Bool
        var reporterRef: String?
    }

    struct Work: Sendable, Hashable {
        var department: String
        var role: String
        var result: String?
    }

    var ticketNo: String
    var channel: Channel
    var category: String?
    var title: String?
    var content: String
    var area: String?
    var urgent: Bool
    var confidential: Bool
    var complaintSubject: String?
    var hasWhistle: Bool
    var leadDepartment: String?
    var openedAt: Date
    var contacts: [Contact] = []
    var work: [String: Work] = [:]

    /// The title, else the start of the content: what a short message names the matter by.
    var subject: String {
        if let title, !title.isEmpty { return title }
        let scalars = content.unicodeScalars
        return scalars.count <= 30 ? content : String(String.UnicodeScalarView(scalars.prefix(30))) + "…"
    }

    /// The contact of the demand that opened the ticket.
    var opener: Contact? { contacts.first { $0.outcome == "accepted" } }

    /// The lead's completion result in the latest cycle, if any.
    var result: String? {
        work.values.filter { $0.role == "lead" && $0.result != nil }.compactMap(\.result).last
    }

    static func load(_ connection: PostgresConnection, _ ticketNos: [String]) throws -> [String: TicketContext] {
        guard !ticketNos.isEmpty else { return [:] }
        var contexts: [String: TicketContext] = [:]
        let tickets = try connection.query(
            """
            SELECT ticket_no, channel, category_code, title, content, area_code, urgency, confidential, petition_kind,
                   subject_unit, whistle IS NOT NULL, lead_department, opened_at
            FROM tickets WHERE ticket_no = ANY($1::text[])
            """, [Array(Set(ticketNos))])
        for row in tickets {
            guard let channel = Channel(rawValue: try row.decode(1)) else { continue }
            let kind: String? = try row.decodeIfPresent(8)
            let context = TicketContext(
                ticketNo: try row.decode(0), channel: channel, category: try row.decodeIfPresent(2), title: try row.decodeIfPresent(3),
                content: try row.decode(4), area: try row.decodeIfPresent(5), urgent: try row.decode(6, as: String.self) == "urgent",
                confidential: try row.decode(7), complaintSubject: kind == "complaint" ? try row.decodeIfPresent(9) : nil,
                hasWhistle: try row.decode(10), leadDepartment: try row.decodeIfPresent(11), openedAt: try row.decode(12))
            contexts[context.ticketNo] = context
        }
        let contacts = try connection.query(
            """
            SELECT d.ticket_no, d.id, d.message_id, d.outcome, d.channel, r.name, r.phone, coalesce(r.anonymous, false), r.reporter_ref
            FROM demands d LEFT JOIN demand_reporters r ON r.demand_id = d.id
            WHERE d.ticket_no = ANY($1::text[]) AND d.outcome IN ('accepted', 'merged') ORDER BY d.id
            """, [Array(contexts.keys)])
        for row in contacts {
            let contact = Contact(
                demandId: try row.decode(1), messageId: try row.decode(2), outcome: try row.decode(3), channel: try row.decode(4),
                name: try row.decodeIfPresent(5), phone: try row.decodeIfPresent(6), anonymous: try row.decode(7),
                reporterRef: try row.decodeIfPresent(8))
            contexts[try row.decode(0, as: String.self)]?.contacts.append(contact)
        }
        let work = try connection.query(
            """
            SELECT ticket_no, assignment_id::text, department, role, result FROM assignments
            WHERE ticket_no = ANY($1::text[]) ORDER BY created_at
            """, [Array(contexts.keys)])
        for row in work {
            contexts[try row.decode(0, as: String.self)]?.work[try row.decode(1)] = Work(
                department: try row.decode(2), role: try row.decode(3), result: try row.decodeIfPresent(4))
        }
        return contexts
    }
}
