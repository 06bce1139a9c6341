import Foundation

/// The body notifier POSTs to the webhook of an audience (CONTRACT §6).
public struct WebhookNotification: Codable, Sendable, Hashable {
    /// The audiences of v1 and their endpoint variables.
    public enum Audience: String, Codable, Sendable, CaseIterable {
        /// Citizens (the SMS / app gateway): receipts, results, surveys.
        case citizen
        /// Departments: new work, warnings, overdue notices.
        case department
        /// Supervisors and command centers: 督办, escalations, triage, hotspots, failed deliveries.
        case supervisor
        /// Grid workers (the reporting worker): verification requests.
        case reporter

        /// The environment variable naming this audience's endpoint.
        public var endpointVariable: String { "WHISTLE_NOTIFY_\(rawValue.uppercased())_URL" }
        /// The environment variable naming this audience's own signing key (the fallback is
        /// `WHISTLE_NOTIFY_SECRET`).
        public var secretVariable: String { "WHISTLE_NOTIFY_\(rawValue.uppercased())_SECRET" }
    }

    public var notificationId: String
    public var audience: Audience
    /// Whom the gateway delivers to: a citizen's phone, a department's code, a grid worker's id.
    public var recipient: String
    public var ticketNo: String?
    public var eventType: String
    public var template: String
    public var text: String

    public init(
        notificationId: String, audience: Audience, recipient: String, ticketNo: String?, eventType: String, template: String,
        text: String
    ) {
        self.notificationId = notificationId
        self.audience = audience
        self.recipient = recipient
        self.ticketNo = ticketNo
        self.eventType = eventType
        self.template = template
        self.text = text
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(notificationId, forKey: .notificationId)
        try container.encode(audience, forKey: .audience)
        try container.encode(recipient, forKey: .recipient)
        try container.encode(ticketNo, forKey: .ticketNo)
        try container.encode(eventType, forKey: .eventType)
        try container.encode(template, forKey: .template)
        try container.encode(text, forKey: .text)
    }

    private enum CodingKeys: String, CodingKey { case notificationId, audience, recipient, ticketNo, eventType, template, text }
}

/// `notification.sent` and `notification.failed`: a notification's delivery ended. The
/// recipient is not repeated here (events are public); `attempts` and, on failure, the last
/// error say how it went.
public struct NotificationOutcome: Codable, Sendable, Hashable {
    public var notificationId: String
    public var audience: String
    public var template: String
    public var eventId: String
    public var attempts: Int
    public var error: String?
    public init(notificationId: String, audience: String, template: String, eventId: String, attempts: Int, error: String?) {
        self.notificationId = notificationId
        self.audience = audience
        self.template = template
        self.eventId = eventId
        self.attempts = attempts
        self.error = error
    }
}
