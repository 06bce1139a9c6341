import WhistleMessages

/// Who may send each inbound message (CONTRACT "Broker", the `user_id` rule). RabbitMQ checks that
/// a message's `user_id` is the broker user of the connection that published it; this rule decides
/// whether that user may send what it sent. The routing key alone proves nothing: it is whatever the
/// publisher wrote.
///
/// - events on `whistle.events`: only the service user that emits that event type
///   (`SenderRules.emitter(of:)`), for the routing key and for the body's `type` alike;
/// - demands `demand.<channel>`: the channel's adapter `adapter-<channel>`, a trusted operator, or a
///   gateway (`whistle-evaluator`, which publishes what Open311 clients and HTTP adapters post;
///   only a gateway's `x-whistle-adapter` / `x-whistle-via` headers are believed, `origin(…)`);
/// - feedback: a channel adapter, about a ticket that one of its channel's demands opened or joined,
///   or about a whistle's ticket, its whistler `dept-<code>` (who verifies the work);
/// - evaluations: the broker user `dept-<code>` of the ticket's whistler (a street office or a
///   command center), or for a period evaluation of the street office that evaluates;
/// - whistles (routing key `whistle`): the broker user `dept-<by>` of the whistler, or a trusted operator;
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
    /// Gateway broker users: they publish demands on every demand channel for the HTTP clients
    /// they authenticated, named in the `x-whistle-adapter` header (`WHISTLE_GATEWAY_USERS`).
    public var gateways: Set<String>

    public static let adapterPrefix = "adapter-"
    /// The header in which a gateway names the client that posted a demand.
    public static let adapterHeader = "x-whistle-adapter"
    /// The header in which a gateway says how a demand came in (`open311` or `http`).
    public static let viaHeader = "x-whistle-via"
    /// What `viaHeader` may say.
    public static let vias: Set<String> = ["open311", "http"]

    public init(mode: Mode = .strict, trusted: Set<String> = ["whistle-admin"], gateways: Set<String> = ["whistle-evaluator"]) {
        self.mode = mode
        self.trusted = trusted
        self.gateways = gateways
    }

    /// Who brought a demand in, as its outcome's `source.adapter` / `source.via` say: a gateway's
    /// headers (or, with the check off, anyone's) when they name a client (`x-whistle-adapter`,
    /// 1–40 of a-z 0-9 -) and a known `via`; otherwise the sender's broker user and no `via`.
    public func origin(userId: String?, headers: [String: String]) -> (adapter: String?, via: String?) {
        let sender = userId.flatMap { $0.isEmpty ? nil : $0 }
        let believed = mode == .any || sender.map(gateways.contains) == true
        if believed, let client = headers[Self.adapterHeader], Self.isClientId(client),
            let via = headers[Self.viaHeader], Self.vias.contains(via)
        {
            return (client, via)
        }
        return (sender, nil)
    }

    /// Whether `text` is a registered client's id: 1–40 of `a-z`, `0-9`, `-`.
    public static func isClientId(_ text: String) -> Bool {
        (1...40).contains(text.utf8.count)
            && text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// The one service that emits `type`.
    public static func emitter(of type: EventType) -> Service {
        switch type {
        case .ticketAccepted, .ticketMerged, .demandDuplicate, .demandRejected, .feedbackReceived, .feedbackRejected,
            .evaluationRecorded, .evaluationRejected, .pointsAwarded, .pointsRedeemed, .pointsRejected:
            return .intake
        case .ticketTriage, .ticketDispatched, .assignmentAcknowledged, .assignmentProgress, .assignmentCompleted,
            .assignmentReturned, .assignmentExtended, .assignmentDueSoon, .assignmentOverdue, .ticketEscalated, .ticketResolved,
            .ticketReopened, .ticketClosed, .replyRejected, .assignmentContested, .assignmentCancelled, .whistleRuled:
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
        return Channel(rawValue: String(userId.dropFirst(adapterPrefix.count))).flatMap { $0.isDemandChannel ? $0 : nil }
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
        if let userId, userId == adapter || trusted.contains(userId) || (gateways.contains(userId) && channel.isDemandChannel) {
            return nil
        }
        return FieldError(
            field: nil, code: .notAllowed,
            message: "\(Self.describe(userId)) may not publish demands on channel \(channel.rawValue); only \(adapter) may")
    }

    /// The error when `userId` may not send feedback about a ticket whose demands came through
    /// `ticketChannels` (empty when the ticket is unknown: only the sender is checked), nil when it
    /// may. `whistler`: a whistle channel ticket's whistler, whose broker user verifies its work.
    public func feedbackProblem(userId: String?, ticketChannels: Set<Channel>, whistler: String? = nil) -> FieldError? {
        guard mode == .strict else { return nil }
        if let whistler, userId == ReplySenderRule.user(of: whistler) { return nil }
        guard let channel = Self.channel(ofAdapter: userId) else {
            let whistlerToo = whistler.map { " or \(ReplySenderRule.user(of: $0)), the whistler who verifies this ticket," } ?? ""
            return FieldError(
                field: nil, code: .notAllowed,
                message: "\(Self.describe(userId)) may not send feedback; only a channel adapter (adapter-<channel>)\(whistlerToo) may")
        }
        let adapters = ticketChannels.filter { $0 != .whistle }
        guard ticketChannels.isEmpty || adapters.contains(channel) else {
            var allowed = adapters.map { Self.adapter(of: $0) }.sorted()
            if let whistler { allowed.append(ReplySenderRule.user(of: whistler)) }
            return FieldError(
                field: "ticket_no", code: .notAllowed,
                message:
                    "\(Self.adapter(of: channel)) may not send feedback about a ticket of another channel; only \(allowed.joined(separator: ", ")) may"
            )
        }
        return nil
    }

    /// The error when `userId` may not send an evaluation that only `evaluator` may send: a
    /// whistle ticket's whistler (`WhistleParties.whistler`), or for a period evaluation the
    /// street office in its `by`; only that department's broker user `dept-<code>` may. Nil when
    /// it may, and when there is no `evaluator` (the evaluation rules refuse that themselves).
    public func evaluationProblem(userId: String?, evaluator: String?) -> FieldError? {
        guard mode == .strict, let evaluator else { return nil }
        let user = ReplySenderRule.user(of: evaluator)
        if userId == user { return nil }
        return FieldError(
            field: nil, code: .notAllowed,
            message: "\(Self.describe(userId)) may not send this evaluation; only \(user), the broker user of \(evaluator), may")
    }

    /// The error when `userId` may not publish a whistle (routing key `whistle`) blown by `by`, nil
    /// when it may: only `by`'s own broker user `dept-<by>`, or a trusted operator. A whistle
    /// without a readable `by` (nil) is `WhistleValidator`'s to refuse; nothing is added here.
    public func whistleProblem(userId: String?, by: String?) -> FieldError? {
        guard mode == .strict, let by else { return nil }
        if let userId, trusted.contains(userId) { return nil }
        let user = ReplySenderRule.user(of: by)
        if userId == user { return nil }
        return FieldError(
            field: nil, code: .notAllowed,
            message: "\(Self.describe(userId)) may not publish a whistle by \(by); only \(user), its broker user, may")
    }

    private static func describe(_ userId: String?) -> String {
        guard let userId, !userId.isEmpty else { return "a message without user_id" }
        return "broker user \(userId)"
    }
}
