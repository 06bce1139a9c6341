import Foundation
import Logging
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Dispatcher's work on the events it consumes: `ticket.accepted` → classify, route and
/// dispatch; `ticket.merged` → escalate a ticket that gathered 3 demands; `feedback.received` →
/// close or reopen a resolved ticket. One transaction per batch, tickets locked in order.
struct EventHandler: EventsHandler {
    /// The events dispatcher consumes.
    static let eventKeys = [EventType.ticketAccepted, .ticketMerged, .feedbackReceived].map(\.routingKey)

    let context: DispatchContext

    func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
        var events: [ReceivedEvent] = []
        for message in messages {
            do {
                let event = try ReceivedEvent(body: message.body)
                guard event.ticketNo != nil else { throw JSONDecodeError(path: "ticket_no", message: "is required") }
                events.append(event)
            } catch {
                context.logger.warning(
                    "not a ticket event; skipped",
                    metadata: ["message.id": "\(message.messageId)", "routing.key": "\(message.routingKey)", "error": "\(error)"])
            }
        }
        guard !events.isEmpty else { return }
        let work = try context.work(on: connection)
        try work.load(events.compactMap(\.ticketNo))
        for event in events {
            guard let ticketNo = event.ticketNo, work.tickets[ticketNo] != nil else {
                context.logger.warning(
                    "event about an unknown ticket; skipped",
                    metadata: ["ticket.no": "\(event.ticketNo ?? "")", "event.id": "\(event.eventId)"])
                continue
            }
            switch event.eventType {
            case .ticketAccepted?:
                try work.route(ticketNo)
            case .ticketMerged?:
                guard let merged = payload(TicketMerged.self, of: event) else { continue }
                let count = merged.reportCount
                if let escalation = RepeatEscalation.repeated(reportCountBefore: count - 1, after: count) {
                    try work.escalate(ticketNo, escalation, actor: "dispatcher")
                }
            case .feedbackReceived?:
                guard let feedback = payload(FeedbackReceived.self, of: event),
                    let satisfaction = Feedback.Satisfaction(rawValue: feedback.satisfaction)
                else { continue }
                try work.apply(.feedback(satisfaction, resolved: feedback.resolved), to: ticketNo, actor: "citizen")
            default:
                continue
            }
        }
        try work.flush()
    }

    /// The event's data as `type`, or nil (logged, and the event skipped) when it is not one.
    private func payload<Payload: Decodable>(_ type: Payload.Type, of event: ReceivedEvent) -> Payload? {
        do {
            return try event.payload(type)
        } catch {
            context.logger.warning(
                "unreadable event data; skipped",
                metadata: ["ticket.no": "\(event.ticketNo ?? "")", "event.id": "\(event.eventId)", "error": "\(error)"])
            return nil
        }
    }
}
