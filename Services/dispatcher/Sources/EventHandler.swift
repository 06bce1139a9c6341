import Foundation
import Logging
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Dispatcher's work on the events it consumes: `ticket.accepted` → classify, route and
/// dispatch; `ticket.merged` → escalate a ticket that gathered 3 demands; `feedback.received` →
/// close or reopen a resolved ticket. One transaction per batch, tickets locked in order.
struct EventHandler: BatchHandler {
    /// The events dispatcher consumes.
    static let eventKeys = [EventType.ticketAccepted, .ticketMerged, .feedbackReceived].map(\.routingKey)

    let context: DispatchContext

    func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
        var events: [ReceivedEvent] = []
        for message in messages {
            guard let event = ReceivedEvent(body: message.body), event.ticketNo != nil else {
                context.logger.warning(
                    "not a ticket event; skipped", metadata: ["message.id": "\(message.messageId)", "routing.key": "\(message.routingKey)"])
                continue
            }
            events.append(event)
        }
        guard !events.isEmpty else { return }
        let work = try context.work(on: connection)
        try work.load(events.compactMap(\.ticketNo))
        for event in events {
            guard let ticketNo = event.ticketNo, work.tickets[ticketNo] != nil else {
                context.logger.warning("event about an unknown ticket; skipped", metadata: ["ticket.no": "\(event.ticketNo ?? "")", "event.id": "\(event.eventId)"])
                continue
            }
            switch EventType(rawValue: event.type) {
            case .ticketAccepted?:
                try work.route(ticketNo)
            case .ticketMerged?:
                let count = event.data["report_count"]?.intValue ?? 0
                if let reason = RepeatEscalation.repeated(reportCountBefore: count - 1, after: count) {
                    try work.escalate(
                        ticketNo, reason: reason, to: reason.target(from: work.tickets[ticketNo]?.escalationLevel), actor: "dispatcher")
                }
            case .feedbackReceived?:
                guard let satisfaction = event.data["satisfaction"]?.stringValue.flatMap(Feedback.Satisfaction.init(rawValue:)),
                    let resolved = event.data["resolved"]?.boolValue
                else { continue }
                try work.apply(.feedback(satisfaction, resolved: resolved), to: ticketNo, actor: "citizen")
            default:
                continue
            }
        }
        try work.flush()
    }
}
