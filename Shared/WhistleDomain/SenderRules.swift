import WhistleMessages

/// Who may send each inbound message (CONTRACT "Broker", the `user_id` rule). RabbitMQ checks that
/// a message's `user_id` is the broker user of the connection that published it; this rule decides
/// whether that user may send what it sent. The routing key alone proves nothing: it is whatever the
/// publisher wrote.
///
/// - events on `whistle.events`: only the service user that emits that event type
///   (`SenderRules.emitter(of:)`), for the routing key and for the body's `type` alike;
/// - demands `demand.<channel>`: the channel's adapter `adapter-<channel>`, or a trusted operator;
/// - feedback: a channel adapter, about a ticket that one of its channel's demands opened or joined;
/// - evaluations: the broker user `dept-<code>` of the street that blew the ticket's whistle;
/// - replies: `ReplySenderRule`.
///
/// `any` turns every check off (development and tests that run all services as one broker user).
public struct SenderRules: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable { case strict, any }

    /// The services that publish events, each as its own broker user `whistle-<service>`.
    public enum Service: String, Sendable, CaseIterable {
        case intake, dispatcher, notifier, evaluator

        /// The service's broker user.
        public var user: String { "whistle-\(rawValue)" }
        /// The event types the service emits, in `EventType` order.
        public var eventTypes: [EventType] { EventType.allCases.filter { SenderRules.emitter(of: $0) == self } }
    }

    /// `strict` checks every `user_id`; `any` accepts every sender (development only).
    public var mode: Mode
    /// Operator broker users that may publish demands on any channel (`whistlectl publish`).
    public var trusted: Set<String>

    public static let adapterPrefix = "adapter-"

    public init(mode: Mode = .strict, trusted: Set<String> = ["whistle-admin"]) {
        self.mode = mode
        self.trusted = trusted
    }

    /// The one service that emits `type`.
    public static func emitter(of type: EventType) -> Service {
        switch type {
        case .ticketAccepted, .ticketMerged, .demandDuplicate, .demandRejected, .feedbackReceived, .feedbackRejected,
            .evaluationRecorded, .evaluationRejected:
            return .intake
        case .ticketTriage, .ticketDispatched, .assignmentAcknowledged, .assignmentProgress, .assignmentCompleted,
            .assignmentReturned, .assignmentExtended, .assignmentDueSoon, .assignmentOverdue, .ticketEscalated, .ticketResolved,
            .ticketReopened, .ticketClosed, .replyRejected:
            return .dispatcher
        case .notificationSent, .notificationFailed:
            return .notifier
        case .hotspotDetected:
            return .evaluator
        }
    }

    /// The broker user of a channel's adapter.
    public static func adapter(of channel: Channel) -> String { adapterPrefix + channel.rawValue }

    /// The channel whose adapter `userId` is, or nil when it is no adapter.
    public static func channel(ofAdapter userId: String?) -> Channel? {
        guard let userId, userId.hasPrefix(adapterPrefix) else { return nil }
        return Channel(rawValue: String(userId.dropFirst(adapterPrefix.count)))
    }

    /// Why `userId` may not publish an event with routing key `routingKey` and body type
    /// `bodyType` (nil when the body's type is unreadable); nil when it may.
    public func eventProblem(userId: String?, routingKey: String, bodyType: String?) -> String? {
        guard mode == .strict else { return nil }
        let sender = userId.flatMap { $0.isEmpty ? nil : $0 } ?? "(no user_id)"
        for type in [routingKey, bodyType].compactMap({ $0 }) {
            guard let known = EventType(rawValue: type) else {
                return "no service emits event type \(type); refused from broker user \(sender)"
            }
            let emitter = Self.emitter(of: known)
            if userId != emitter.user {
                return "broker user \(sender) may not publish \(type); only \(emitter.user) emits it"
            }
        }
        return nil
    }

    /// The error when `userId` may not publish a demand on `channel`, nil when it may.
    public func demandProblem(userId: String?, channel: Channel) -> FieldError? {
        guard mode == .strict else { return nil }
        let adapter = Self.adapter(of: channel)
        if let userId, userId == adapter || trusted.contains(userId) { return nil }
        return FieldError(
            field: nil, code: .notAllowed,
            message: "\(Self.describe(userId)) may not publish demands on channel \(channel.rawValue); only \(adapter) may")
    }

    /// The error when `userId` may not send feedback about a ticket whose demands came through
    /// `ticketChannels` (empty when the ticket is unknown: only the sender is checked), nil when it may.
    public func feedbackProblem(userId: String?, ticketChannels: Set<Channel>) -> FieldError? {
        guard mode == .strict else { return nil }
        guard let channel = Self.channel(ofAdapter: userId) else {
            return FieldError(
                field: nil, code: .notAllowed,
                message: "\(Self.describe(userId)) may not send feedback; only a channel adapter (adapter-<channel>) may")
        }
        guard ticketChannels.isEmpty || ticketChannels.contains(channel) else {
            let allowed = ticketChannels.map { Self.adapter(of: $0) }.sorted().joined(separator: ", ")
            return FieldError(
                field: "ticket_no", code: .notAllowed,
                message: "\(Self.adapter(of: channel)) may not send feedback about a ticket of another channel; only \(allowed) may")
        }
        return nil
    }

    /// The error when `userId` may not evaluate a ticket whose whistle `whistlingStreet` blew (nil
    /// when the ticket has no whistling street: `WhistleEvaluationRule` refuses that itself).
    public func evaluationProblem(userId: String?, whistlingStreet: String?) -> FieldError? {
        guard mode == .strict, let street = whistlingStreet else { return nil }
        let user = ReplySenderRule.user(of: street)
        if userId == user { return nil }
        return FieldError(
            field: nil, code: .notAllowed,
            message:
                "\(Self.describe(userId)) may not evaluate this ticket; only \(user), the broker user of the street that blew its whistle, may"
        )
    }

    private static func describe(_ userId: String?) -> String {
        guard let userId, !userId.isEmpty else { return "a message without user_id" }
        return "broker user \(userId)"
    }
}
