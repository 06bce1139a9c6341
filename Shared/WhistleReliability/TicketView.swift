import Foundation
import WhistleDomain
import WhistleMessages

/// A ticket as every reader sees it — the read API, `whistlectl ticket show`, notifier's
/// messages: one row of the read model (the view `tickets`: intake's facts and dispatcher's
/// state), with the parts the reader asked `TicketReadModel` for. Personal data (a reporter's
/// name and phone) is here only when the reader's role may read it, and never logged.
public struct TicketView: Sendable {
    /// One department's task on the ticket.
    public struct Assignment: Sendable, Hashable {
        public var id: String
        public var department: String
        public var role: String
        public var status: String
        public var round: Int
        public var reopenCount: Int
        public var ackDue: Date
        public var resolveDue: Date
        public var acknowledgedAt: Date?
        public var completedAt: Date?
        public var returnedAt: Date?
        public var returnReason: String?
        public var result: String?
    }

    /// One demand filed on the ticket (accepted, merged or a duplicate), with its reporter when
    /// the reader asked for reporters.
    public struct Demand: Sendable, Hashable {
        public var id: Int64
        public var messageId: String
        public var channel: String?
        public var externalId: String?
        public var outcome: String
        public var receivedAt: Date
        /// Whether the demand has a reporter row (retention deletes it).
        public var hasReporter: Bool
        public var name: String?
        public var phone: String?
        public var anonymous: Bool
        /// The grid worker's or caller's reference; only for readers that address people.
        public var reporterRef: String?
    }

    /// One timeline entry; `data` is its JSON detail as stored.
    public struct Entry: Sendable, Hashable {
        public var id: Int64
        public var at: Date
        public var type: String
        public var actor: String?
        public var data: String
    }

    public var ticketNo: String
    public var status: TicketStatus
    public var channel: Channel
    public var category: String?
    public var categoryMethod: String?
    public var urgency: Urgency
    public var area: String?
    public var leadDepartment: String?
    public var title: String?
    public var content: String
    public var location: Location?
    public var confidential: Bool
    public var petitionKind: Petition.Kind?
    public var subjectUnit: String?
    public var petitioners: Int?
    public var whistle: Whistle?
    public var linkedTicket: String?
    public var reportCount: Int
    public var reopenCount: Int
    public var returnCount: Int
    public var dispatchRound: Int
    public var escalationLevel: EscalationLevel?
    public var extended: Bool
    public var outcome: TicketOutcome?
    public var openedAt: Date
    public var resolvedAt: Date?
    public var feedbackDue: Date?
    public var closedAt: Date?
    public var updatedAt: Date
    /// In creation order; empty unless asked for.
    public var assignments: [Assignment] = []
    /// In arrival order; empty unless asked for.
    public var demands: [Demand] = []
    /// In the order the entries were made; empty unless asked for.
    public var timeline: [Entry] = []

    /// The title, else the start of the content: what a short message or a list names the matter by.
    public var subject: String {
        if let title, !title.isEmpty { return title }
        let scalars = content.unicodeScalars
        return scalars.count <= 30 ? content : String(String.UnicodeScalarView(scalars.prefix(30))) + "…"
    }

    /// The demand that opened the ticket.
    public var opener: Demand? { demands.first { $0.outcome == "accepted" } }

    /// The demands that opened or joined the ticket (not the duplicates).
    public var filed: [Demand] { demands.filter { $0.outcome == "accepted" || $0.outcome == "merged" } }

    /// The lead's completion result in the latest cycle, if any.
    public var result: String? {
        assignments.filter { $0.role == "lead" && $0.result != nil }.compactMap(\.result).last
    }
}
