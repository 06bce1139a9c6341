import Foundation
import WhistleDomain
import WhistleMessages
import WhistleReliability

/// The read API's JSON of a ticket (`GET /v1/tickets/{ticket_no}`), built from the read
/// model's `TicketView` before `TicketDisclosure` takes out what the caller may not see. Every
/// field is present, `null` when empty; times are RFC 3339 in UTC.
extension TicketView {
    func apiJSON() throws -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func time(_ value: Date?) -> JSONValue { value.map { .string(RFC3339.format($0)) } ?? .null }
        func encoded<T: Encodable>(_ value: T?) throws -> JSONValue {
            guard let value else { return .null }
            return try ReadAPI.databaseJSON.parse(Array(try WhistleJSON.encode(value)))
        }
        let assignments: [JSONValue] = assignments.map { a in
            .object([
                "assignment_id": .string(a.id), "department": .string(a.department), "role": .string(a.role),
                "status": .string(a.status), "round": .int(a.round), "ack_due": time(a.ackDue), "resolve_due": time(a.resolveDue),
                "acknowledged_at": time(a.acknowledgedAt), "completed_at": time(a.completedAt),
            ])
        }
        let demands: [JSONValue] = demands.map { d in
            let reporter: JSONValue =
                d.hasReporter ? .object(["name": text(d.name), "phone": text(d.phone), "anonymous": .bool(d.anonymous)]) : .null
            return .object([
                "channel": text(d.channel), "external_id": text(d.externalId), "outcome": .string(d.outcome),
                "message_id": .string(d.messageId), "received_at": time(d.receivedAt), "reporter": reporter,
            ])
        }
        let timeline: [JSONValue] = try timeline.map { entry in
            .object([
                "at": time(entry.at), "type": .string(entry.type), "actor": text(entry.actor),
                "data": try ReadAPI.databaseJSON.parse(Array(entry.data.utf8)),
            ])
        }
        return .object([
            "ticket_no": .string(ticketNo), "status": .string(status.rawValue), "channel": .string(channel.rawValue),
            "category": text(category), "urgency": .string(urgency.rawValue), "area": text(area),
            "lead_department": text(leadDepartment), "title": text(title), "content": .string(content),
            "location": try encoded(location), "confidential": .bool(confidential), "report_count": .int(reportCount),
            "reopen_count": .int(reopenCount), "escalation_level": text(escalationLevel?.rawValue),
            "outcome": text(outcome?.rawValue), "opened_at": time(openedAt), "resolved_at": time(resolvedAt),
            "closed_at": time(closedAt), "assignments": .array(assignments), "demands": .array(demands),
            "timeline": .array(timeline),
        ])
    }
}
