import Foundation
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Builds the assignment messages of CONTRACT §3 for `whistle.dispatch`, with the reporter
/// shown as each department may see it (`ReporterView`): the full phone only to the lead of a
/// non-confidential demand, masked for co-departments, nothing on a petition.
struct AssignmentMessages {
    let connection: PostgresConnection

    func build(_ outgoing: [(ticketNo: String, assignmentId: String)], tickets: [String: TicketRecord]) throws -> [OutboundMessage] {
        guard !outgoing.isEmpty else { return [] }
        let reporters = try reporters(Array(Set(outgoing.map(\.ticketNo))))
        var messages: [OutboundMessage] = []
        for (ticketNo, assignmentId) in outgoing {
            guard let ticket = tickets[ticketNo], let assignment = ticket.assignments.first(where: { $0.id == assignmentId }) else {
                continue
            }
            let cycle = ticket.assignments.filter { $0.reopenCount == assignment.reopenCount && $0.state.isLive }
            let lead = cycle.first { $0.role == .lead }?.department ?? ticket.leadDepartment ?? assignment.department
            let co = cycle.filter { $0.role == .co }.map(\.department)
            let body = AssignmentMessage(
                assignmentId: assignment.id, ticketNo: ticketNo, role: assignment.role.rawValue, department: assignment.department,
                leadDepartment: lead, coDepartments: co, category: ticket.category, urgency: ticket.urgency, title: ticket.title,
                content: ticket.content, location: ticket.location,
                reporter: ReporterView.for(role: assignment.role, confidential: ticket.confidential, reporter: reporters[ticketNo]),
                attachments: ticket.attachments, ackDue: assignment.ackDue, resolveDue: assignment.resolveDue,
                whistle: ticket.whistle, reopenCount: assignment.reopenCount, channel: ticket.channel.rawValue, round: assignment.round)
            messages.append(
                OutboundMessage(
                    exchange: AssignmentMessage.exchange, routingKey: assignment.department, body: Array(try WhistleJSON.encode(body)),
                    messageId: AssignmentMessage.messageId(assignmentId: assignment.id, round: assignment.round),
                    type: AssignmentMessage.amqpType, mandatory: true))
        }
        return messages
    }

    /// The reporter of each ticket's opening demand (read for `ReporterView` only, never logged).
    private func reporters(_ ticketNos: [String]) throws -> [String: Reporter] {
        let rows = try connection.query(
            """
            SELECT d.ticket_no, r.name, r.phone, r.anonymous, r.reporter_ref
            FROM demands d JOIN demand_reporters r ON r.demand_id = d.id
            WHERE d.ticket_no = ANY($1::text[]) AND d.outcome = 'accepted'
            """, [ticketNos])
        var reporters: [String: Reporter] = [:]
        for row in rows {
            reporters[try row.decode(0)] = Reporter(
                name: try row.decodeIfPresent(1), phone: try row.decodeIfPresent(2), anonymous: try row.decode(3),
                id: try row.decodeIfPresent(4))
        }
        return reporters
    }
}
