import Foundation

/// The envelope of every event on `whistle.events` (CONTRACT §5). The AMQP `message_id` is
/// `eventId` and the AMQP `type` is `type`.
public struct EventEnvelope<Payload: Codable & Sendable>: Codable, Sendable {
    public var eventId: String
    public var type: EventType
    public var occurredAt: Date
    public var ticketNo: String?
    public var data: Payload

    public init(eventId: String = UUID().uuidString.lowercased(), type: EventType, occurredAt: Date, ticketNo: String?, data: Payload) {
        self.eventId = eventId
        self.type = type
        self.occurredAt = occurredAt
        self.ticketNo = ticketNo
        self.data = data
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(eventId, forKey: .eventId)
        try container.encode(type, forKey: .type)
        try container.encode(occurredAt, forKey: .occurredAt)
        try container.encode(ticketNo, forKey: .ticketNo)
        try container.encode(data, forKey: .data)
    }

    private enum CodingKeys: String, CodingKey { case eventId, type, occurredAt, ticketNo, data }
}

/// Where a demand, feedback or evaluation came from: carried by every intake outcome event.
public struct MessageSource: Codable, Sendable, Hashable {
    /// The channel, or nil for feedback and evaluations (and unreadable routing keys).
    public var channel: String?
    public var externalId: String?
    public var messageId: String
    /// Who brought a demand in (extension, demands only): the registered client of a gateway
    /// (the Open311 client or HTTP adapter), else the publisher's broker user. Absent otherwise.
    public var adapter: String?
    /// How a demand came in through a gateway: `open311` or `http` (extension; absent over AMQP).
    public var via: String?

    public init(channel: String?, externalId: String?, messageId: String, adapter: String? = nil, via: String? = nil) {
        self.channel = channel
        self.externalId = externalId
        self.messageId = messageId
        self.adapter = adapter
        self.via = via
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channel, forKey: .channel)
        try container.encode(externalId, forKey: .externalId)
        try container.encode(messageId, forKey: .messageId)
        try container.encodeIfPresent(adapter, forKey: .adapter)
        try container.encodeIfPresent(via, forKey: .via)
    }

    private enum CodingKeys: String, CodingKey { case channel, externalId, messageId, adapter, via }
}

/// `ticket.accepted`: a demand opened a new ticket.
public struct TicketAccepted: Codable, Sendable, Hashable {
    public static let type = EventType.ticketAccepted
    public var source: MessageSource
    /// The category given by the adapter, or nil until the dispatcher classifies the text.
    public var category: String?
    public var urgency: Urgency
    /// The most specific area known: the grid given or placed, the area the address placed the
    /// demand in, else the deployment's district (nil when there is none to fall back on).
    public var area: String?
    /// The department that blew the whistle (吹哨) when the ticket is a whistle's: the `by` of a
    /// whistle message, or the street office of a grid report's whistle (extension; absent
    /// otherwise). Counts as one of its `whistles` in the scores.
    public var whistler: String?
    /// How `area` was found (extension; absent on a whistle's ticket, whose area is given).
    public var placement: Placement?
    public init(
        source: MessageSource, category: String?, urgency: Urgency, area: String?, whistler: String? = nil, placement: Placement? = nil
    ) {
        self.source = source
        self.category = category
        self.urgency = urgency
        self.area = area
        self.whistler = whistler
        self.placement = placement
    }

    // `category` and `area` are always present, as null when not known yet.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(category, forKey: .category)
        try container.encode(urgency, forKey: .urgency)
        try container.encode(area, forKey: .area)
        try container.encodeIfPresent(whistler, forKey: .whistler)
        try container.encodeIfPresent(placement, forKey: .placement)
    }

    private enum CodingKeys: String, CodingKey { case source, category, urgency, area, whistler, placement }
}

/// `ticket.merged`: a demand joined an open ticket on the same matter (并单). `category` (the
/// ticket's) and `area` (the demand's own grid, when it named one) are extensions, for the
/// demand statistics and hotspots.
public struct TicketMerged: Codable, Sendable, Hashable {
    public static let type = EventType.ticketMerged
    public var source: MessageSource
    public var reportCount: Int
    public var category: String?
    public var area: String?
    public init(source: MessageSource, reportCount: Int, category: String? = nil, area: String? = nil) {
        self.source = source
        self.reportCount = reportCount
        self.category = category
        self.area = area
    }
}

/// `demand.duplicate`: the (channel, external_id) was seen before; the envelope's `ticket_no`
/// is that demand's ticket.
public struct DemandDuplicate: Codable, Sendable, Hashable {
    public static let type = EventType.demandDuplicate
    public var source: MessageSource
    public init(source: MessageSource) { self.source = source }
}

/// `demand.rejected`, `feedback.rejected`, `evaluation.rejected`: every error found.
public struct InboundRejected: Codable, Sendable, Hashable {
    public var source: MessageSource
    public var errors: [FieldError]
    public init(source: MessageSource, errors: [FieldError]) {
        self.source = source
        self.errors = errors
    }
}

/// `feedback.received`: a citizen's 回访 result or a grid worker's verification was recorded.
public struct FeedbackReceived: Codable, Sendable, Hashable {
    public static let type = EventType.feedbackReceived
    public var source: MessageSource
    /// `satisfied`, `basically_satisfied` or `unsatisfied`.
    public var satisfaction: String
    public var resolved: Bool
    public var comment: String?
    public init(source: MessageSource, satisfaction: String, resolved: Bool, comment: String?) {
        self.source = source
        self.satisfaction = satisfaction
        self.resolved = resolved
        self.comment = comment
    }
}

/// `evaluation.recorded`: the whistling street scored a ticket's departments (一哨一考核).
public struct EvaluationRecorded: Codable, Sendable, Hashable {
    public struct Score: Codable, Sendable, Hashable {
        public var department: String
        public var score: Int
        public init(department: String, score: Int) {
            self.department = department
            self.score = score
        }
    }
    public static let type = EventType.evaluationRecorded
    public var source: MessageSource
    public var by: String
    public var scores: [Score]
    /// A period evaluation's period (`YYYY` or `YYYY-Qn`, CONTRACT §10); nil for the evaluation
    /// of one whistle ticket (then the envelope's `ticket_no` names it).
    public var period: String?
    public init(source: MessageSource, by: String, scores: [Score], period: String? = nil) {
        self.source = source
        self.by = by
        self.scores = scores
        self.period = period
    }
}
