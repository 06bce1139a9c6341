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
}

/// The queue a department consumes its assignments from.
public func departmentQueue(_ code: String) -> String { "dept.\(code)" }

/// A channel a demand arrives through (CONTRACT §1).
public enum Channel: String, Codable, Sendable, CaseIterable {
    case hotline
    case twelve345 = "12345"
    case grid
    case petition

    /// The routing key an adapter publishes this channel's demands with.
    public var routingKey: String { "demand.\(rawValue)" }

    /// The channel named by a routing key `demand.<channel>`, if any.
    public init?(routingKey: String) {
        guard routingKey.hasPrefix("demand.") else { return nil }
        self.init(rawValue: String(routingKey.dropFirst("demand.".count)))
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

    /// The routing key on `whistle.events`.
    public var routingKey: String { rawValue }
}
