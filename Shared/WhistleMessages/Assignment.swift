import Foundation

/// One department's task on a ticket as published to `whistle.dispatch` with the department's
/// code as routing key, consumed from `dept.<code>` (CONTRACT §3). The AMQP `message_id` is
/// `messageId(round:)`: unique per (assignment, dispatch round).
///
/// `reporter` is already masked for the receiving department (the full phone only for the lead
/// of a non-confidential demand) and absent on confidential petitions. `channel` and `round`
/// are compatible extensions of v1.
public struct AssignmentMessage: Codable, Sendable, Hashable {
    /// The exchange assignments are published to; the routing key is `department`.
    public static let exchange = Exchange.dispatch
    /// The AMQP `type` property of an assignment.
    public static let amqpType = "assignment"

    public var assignmentId: String
    public var ticketNo: String
    /// `lead` (主办) or `co` (协办).
    public var role: String
    public var department: String
    public var leadDepartment: String
    public var coDepartments: [String]
    /// The ticket's category; null for a whistle that named no category.
    public var category: String?
    public var urgency: Urgency
    public var title: String?
    public var content: String
    public var location: Location?
    public var reporter: Reporter?
    public var attachments: [Attachment]
    public var ackDue: Date
    public var resolveDue: Date
    public var whistle: Whistle?
    public var reopenCount: Int
    /// The channel the ticket came in on (extension).
    public var channel: String
    /// The ticket's dispatch round this assignment belongs to (extension).
    public var round: Int

    public init(
        assignmentId: String, ticketNo: String, role: String, department: String, leadDepartment: String,
        coDepartments: [String], category: String?, urgency: Urgency, title: String?, content: String,
        location: Location?, reporter: Reporter?, attachments: [Attachment], ackDue: Date, resolveDue: Date,
        whistle: Whistle?, reopenCount: Int, channel: String, round: Int
    ) {
        self.assignmentId = assignmentId
        self.ticketNo = ticketNo
        self.role = role
        self.department = department
        self.leadDepartment = leadDepartment
        self.coDepartments = coDepartments
        self.category = category
        self.urgency = urgency
        self.title = title
        self.content = content
        self.location = location
        self.reporter = reporter
        self.attachments = attachments
        self.ackDue = ackDue
        self.resolveDue = resolveDue
        self.whistle = whistle
        self.reopenCount = reopenCount
        self.channel = channel
        self.round = round
    }

    /// The AMQP `message_id` of this assignment in dispatch round `round`.
    public static func messageId(assignmentId: String, round: Int) -> String { "\(assignmentId):\(round)" }

    // `category` is always present (null when unknown); other optionals are left out when nil.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(assignmentId, forKey: .assignmentId)
        try container.encode(ticketNo, forKey: .ticketNo)
        try container.encode(role, forKey: .role)
        try container.encode(department, forKey: .department)
        try container.encode(leadDepartment, forKey: .leadDepartment)
        try container.encode(coDepartments, forKey: .coDepartments)
        try container.encode(category, forKey: .category)
        try container.encode(urgency, forKey: .urgency)
        try container.encodeIfPresent(title, forKey: .title)
        try container.encode(content, forKey: .content)
        try container.encodeIfPresent(location, forKey: .location)
        try container.encodeIfPresent(reporter, forKey: .reporter)
        try container.encode(attachments, forKey: .attachments)
        try container.encode(ackDue, forKey: .ackDue)
        try container.encode(resolveDue, forKey: .resolveDue)
        try container.encodeIfPresent(whistle, forKey: .whistle)
        try container.encode(reopenCount, forKey: .reopenCount)
        try container.encode(channel, forKey: .channel)
        try container.encode(round, forKey: .round)
    }

    private enum CodingKeys: String, CodingKey {
        case assignmentId, ticketNo, role, department, leadDepartment, coDepartments, category, urgency, title, content
        case location, reporter, attachments, ackDue, resolveDue, whistle, reopenCount, channel, round
    }
}

/// The command center's routing of a ticket in triage (an extension of v1): published to
/// `whistle.replies` with routing key `routingKey(commandCenter:)`; the first department leads.
/// Dispatcher answers with `ticket.dispatched`, or `reply.rejected` with every error.
public struct TriageRoute: Codable, Sendable, Hashable {
    /// The routing-key prefix that tells a triage routing from a department's reply.
    public static let routingKeyPrefix = "triage."

    public var ticketNo: String
    /// The lead department (主办).
    public var lead: String
    /// The co-departments (协办).
    public var co: [String]
    public var note: String?

    public init(ticketNo: String, lead: String, co: [String] = [], note: String? = nil) {
        self.ticketNo = ticketNo
        self.lead = lead
        self.co = co
        self.note = note
    }

    /// `triage.<command center code>`: the routing key a command center routes with.
    public static func routingKey(commandCenter: String) -> String { routingKeyPrefix + commandCenter }

    /// The command center named by a routing key `triage.<code>`, if it is one.
    public static func commandCenter(inRoutingKey key: String) -> String? {
        key.hasPrefix(routingKeyPrefix) ? String(key.dropFirst(routingKeyPrefix.count)) : nil
    }
}
