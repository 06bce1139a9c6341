/// The exchanges of CONTRACT v1.
public enum Exchange {
    /// Topic exchange the channel adapters publish demands, feedback and evaluations to.
    public static let intake = "whistle.intake"
    /// Direct exchange dispatcher publishes assignments to; routing key = department code.
    public static let dispatch = "whistle.dispatch"
    /// Topic exchange departments publish replies to; routing key = the replying department.
    public static let replies = "whistle.replies"
    /// Topic exchange of events; routing key = event type.
    public static let events = "whistle.events"
    /// Topic exchange that receives dead letters.
    public static let deadLetters = "whistle.dlx"
}

/// The inbound routing keys of `whistle.intake` that are not demands.
public enum IntakeRoutingKey {
    public static let feedback = "feedback"
    public static let evaluation = "evaluation"
    /// A whistle (吹哨) from a street office or a command center (CONTRACT §10).
    public static let whistle = "whistle"
    /// A street's redemption of a reporter's points (积分回馈, CONTRACT §10).
    public static let points = "points"
}

/// The queue a department consumes its assignments from.
public func departmentQueue(_ code: String) -> String { "dept.\(code)" }

/// A channel a ticket's first message arrives through: the four demand channels of CONTRACT §1,
/// and `whistle`, a whistle (吹哨) from a street office or a command center (CONTRACT §10), which
/// is stored like a demand but has no adapter and no `demand.<channel>` routing key.
public enum Channel: String, Codable, Sendable, CaseIterable {
    case hotline
    case twelve345 = "12345"
    case grid
    case petition
    /// A whistle message, routing key `whistle` (not a demand channel).
    case whistle

    /// The four demand channels of CONTRACT §1, published by their adapters as `demand.<channel>`.
    public static let demandChannels: [Channel] = [.hotline, .twelve345, .grid, .petition]

    /// Whether the channel is one of the four demand channels (everything but `whistle`).
    public var isDemandChannel: Bool { self != .whistle }

    /// The routing key on `whistle.intake`: `demand.<channel>` for a demand channel, `whistle`
    /// for the whistle.
    public var routingKey: String { isDemandChannel ? "demand.\(rawValue)" : IntakeRoutingKey.whistle }

    /// The demand channel named by a routing key `demand.<channel>`, if any (never `whistle`:
    /// `demand.whistle` names no channel).
    public init?(routingKey: String) {
        guard routingKey.hasPrefix("demand."),
            let channel = Channel(rawValue: String(routingKey.dropFirst("demand.".count))), channel.isDemandChannel
        else { return nil }
        self = channel
    }

    /// The channel of a message on `whistle.intake` that intake stores as a demand: a demand
    /// channel for `demand.<channel>`, `whistle` for `whistle`; nil for anything else.
    public init?(intakeRoutingKey: String) {
        let whistle = intakeRoutingKey == IntakeRoutingKey.whistle
        guard let channel = whistle ? Channel.whistle : Channel(routingKey: intakeRoutingKey) else { return nil }
        self = channel
    }
}

/// Every event type of CONTRACT v1 §5; the raw value is both `type` and the routing key.
public enum EventType: String, Codable, Sendable, CaseIterable {
    case ticketAccepted = "ticket.accepted"
    case ticketMerged = "ticket.merged"
    case demandDuplicate = "demand.duplicate"
    case demandRejected = "demand.rejected"
    case ticketTriage = "ticket.triage"
    case ticketDispatched = "ticket.dispatched"
    case assignmentAcknowledged = "assignment.acknowledged"
    case assignmentProgress = "assignment.progress"
    case assignmentCompleted = "assignment.completed"
    case assignmentReturned = "assignment.returned"
    case assignmentExtended = "assignment.extended"
    case assignmentDueSoon = "assignment.due_soon"
    case assignmentOverdue = "assignment.overdue"
    case ticketEscalated = "ticket.escalated"
    case ticketResolved = "ticket.resolved"
    case feedbackReceived = "feedback.received"
    case ticketReopened = "ticket.reopened"
    case ticketClosed = "ticket.closed"
    case replyRejected = "reply.rejected"
    case feedbackRejected = "feedback.rejected"
    case evaluationRecorded = "evaluation.recorded"
    case evaluationRejected = "evaluation.rejected"
    case hotspotDetected = "hotspot.detected"
    case notificationSent = "notification.sent"
    case notificationFailed = "notification.failed"
    /// A summoned co-department contests a whistle (吹空哨, CONTRACT §10).
    case assignmentContested = "assignment.contested"
    /// An assignment its ticket no longer needs (an empty whistle, triage, a co become lead).
    case assignmentCancelled = "assignment.cancelled"
    /// The supervising command center's ruling on a contest.
    case whistleRuled = "whistle.ruled"
    /// A reporter earned points when the ticket closed satisfied (积分回馈).
    case pointsAwarded = "points.awarded"
    /// A street redeemed a reporter's points.
    case pointsRedeemed = "points.redeemed"
    /// A redemption that was refused (invalid, not allowed, or more than the balance).
    case pointsRejected = "points.rejected"

    /// The routing key on `whistle.events`.
    public var routingKey: String { rawValue }
}
