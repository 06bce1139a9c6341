import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres

/// One row of the `notifications` table as `notifications list` shows it: the recipient and
/// the texts already masked, so no caller can print them whole by mistake.
struct NotificationRow: Sendable, Encodable {
    var notificationId: String
    var eventId: String
    var eventType: String
    var ticketNo: String?
    var audience: String
    var recipient: String
    var template: String
    var text: String
    var urgent: Bool
    var status: String
    var reason: String?
    var attempts: Int
    var nextAttemptAt: Date
    var lastError: String?
    var sentAt: Date?
    var createdAt: Date

    /// The notifications of a ticket, oldest first.
    static func load(ticketNo: String, _ connection: PostgresConnection) throws -> [NotificationRow] {
        try connection.query(
            """
            SELECT notification_id::text, event_id, event_type, ticket_no, audience, recipient, template, text, urgent, status,
                   reason, attempts, next_attempt_at, last_error, sent_at, created_at
            FROM notifications WHERE ticket_no = $1 ORDER BY created_at, id
            """, [ticketNo]
        ).map { row in
            let audience: String = try row.decode(4)
            return NotificationRow(
                notificationId: try row.decode(0), eventId: try row.decode(1), eventType: try row.decode(2),
                ticketNo: try row.decodeIfPresent(3), audience: audience,
                recipient: Redaction.recipient(try row.decode(5), audience: audience), template: try row.decode(6),
                text: PersonalData.maskText(try row.decode(7)), urgent: try row.decode(8), status: try row.decode(9),
                reason: try row.decodeIfPresent(10, as: String.self).map(PersonalData.maskText), attempts: try row.decode(11),
                nextAttemptAt: try row.decode(12), lastError: try row.decodeIfPresent(13, as: String.self).map(PersonalData.maskText),
                sentAt: try row.decodeIfPresent(14), createdAt: try row.decode(15))
        }
    }

    /// The reason a notification is not (yet) sent, or its last delivery error; `-` for none.
    var note: String {
        switch (reason, lastError) {
        case (let reason?, let error?) where reason != error: return "\(reason); \(error)"
        case (let reason?, _): return reason
        case (nil, let error?): return error
        default: return "-"
        }
    }

    /// Every column, nulls included (the synthesized encoder would leave them out).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(notificationId, forKey: .notificationId)
        try container.encode(eventId, forKey: .eventId)
        try container.encode(eventType, forKey: .eventType)
        try container.encode(ticketNo, forKey: .ticketNo)
        try container.encode(audience, forKey: .audience)
        try container.encode(recipient, forKey: .recipient)
        try container.encode(template, forKey: .template)
        try container.encode(text, forKey: .text)
        try container.encode(urgent, forKey: .urgent)
        try container.encode(status, forKey: .status)
        try container.encode(reason, forKey: .reason)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(sentAt, forKey: .sentAt)
        try container.encode(createdAt, forKey: .createdAt)
    }

    private enum CodingKeys: String, CodingKey {
        case notificationId, eventId, eventType, ticketNo, audience, recipient, template, text, urgent, status, reason, attempts
        case nextAttemptAt, lastError, sentAt, createdAt
    }
}
