import Foundation
import WhistleDomain
import WhistleMessages
import WhistleReliability

/// A command center routes a ticket in triage by hand (`whistlectl triage route`): checked
/// against the ticket and the reference data, then dispatched like any round.
struct TriageRouting {
    let work: DispatchWork

    func route(_ route: TriageRoute, by center: String, message: InboundMessage) throws {
        var errors: [FieldError] = []
        let reference = work.reference.data
        if reference.departments[center]?.kind != .commandCenter {
            errors.append(
                FieldError(
                    field: nil, code: .notAllowed,
                    message: "\(TextRules.quoted(center)) is not a command center; only command centers route tickets"))
        }
        let ticket = work.tickets[route.ticketNo]
        if let ticket {
            if ticket.status != .triage {
                errors.append(
                    FieldError(
                        field: "ticket_no", code: .notAllowed,
                        message: "the ticket is \(ticket.status.rawValue); only a ticket in triage is routed by hand"))
            }
            // A complaint never reaches its subject unit, not even by hand.
            if let shielded = ticket.routingRequest.shieldedUnit {
                if route.lead == shielded {
                    errors.append(
                        FieldError(field: "lead", code: .notAllowed, message: "a complaint petition is never sent to the unit it is about"))
                }
                if let index = route.co.firstIndex(of: shielded) {
                    errors.append(
                        FieldError(
                            field: "co[\(index)]", code: .notAllowed, message: "a complaint petition is never sent to the unit it is about")
                    )
                }
            }
        } else {
            errors.append(FieldError(field: "ticket_no", code: .unknownCode, message: "no ticket \(route.ticketNo)"))
        }
        for (field, code) in [("lead", route.lead)] + route.co.enumerated().map({ ("co[\($0.offset)]", $0.element) })
        where reference.departments[code]?.active == false {
            errors.append(FieldError(field: field, code: .notAllowed, message: "department \(TextRules.quoted(code)) is inactive"))
        }
        guard errors.isEmpty, ticket != nil else {
            let source = MessageSource(channel: nil, externalId: nil, messageId: message.messageId)
            try work.emit(
                .replyRejected, ticketNo: ticket == nil ? nil : route.ticketNo,
                ReplyRejected(assignmentId: nil, department: center, errors: errors, source: source))
            return
        }
        if let note = route.note {
            try work.note(route.ticketNo, "triage.routed", actor: center, ["note": note, "message_id": message.messageId])
        }
        try work.dispatch(route.ticketNo, lead: route.lead, co: route.co, rule: "command center \(center)", actor: center)
    }
}
