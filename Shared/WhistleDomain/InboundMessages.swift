import Foundation

/// A feedback message (回访 result, or a grid worker's verification of a grid ticket), routing
/// key `feedback` on `whistle.intake` (CONTRACT §2), as `FeedbackValidator` normalises it.
public struct Feedback: Codable, Sendable, Hashable {
    public enum Satisfaction: String, Codable, Sendable, CaseIterable {
        case satisfied
        case basicallySatisfied = "basically_satisfied"
        case unsatisfied
    }

    public var ticketNo: String
    public var satisfaction: Satisfaction
    public var resolved: Bool
    public var comment: String?

    public init(ticketNo: String, satisfaction: Satisfaction, resolved: Bool, comment: String? = nil) {
        self.ticketNo = ticketNo
        self.satisfaction = satisfaction
        self.resolved = resolved
        self.comment = comment
    }
}

/// An evaluation, routing key `evaluation` on `whistle.intake`: either of one whistle ticket
/// (一哨一考核, CONTRACT §2: `ticket_no`, from the ticket's whistler) or of district departments
/// over a period (年终考核评议, CONTRACT §10: `period` instead of `ticket_no`, from a street office).
/// Exactly one of `ticketNo` and `period` is set.
public struct Evaluation: Codable, Sendable, Hashable {
    public struct Score: Codable, Sendable, Hashable {
        public var department: String
        /// 0...100.
        public var score: Int
        public var comment: String?

        public init(department: String, score: Int, comment: String? = nil) {
            self.department = department
            self.score = score
            self.comment = comment
        }
    }

    /// The evaluated whistle ticket; nil for a period evaluation.
    public var ticketNo: String?
    /// The evaluated period (`YYYY` or `YYYY-Qn`); nil for the evaluation of a ticket.
    public var period: EvaluationPeriod?
    /// The evaluating department's code: the ticket's whistler (a street office or a command
    /// center), or for a period evaluation the street office.
    public var by: String
    /// One per department, no department twice, 1...50 of them.
    public var scores: [Score]

    /// The evaluation of the whistle ticket `ticketNo`.
    public init(ticketNo: String, by: String, scores: [Score]) {
        self.ticketNo = ticketNo
        self.by = by
        self.scores = scores
    }

    /// The evaluation of district departments over `period`.
    public init(period: EvaluationPeriod, by: String, scores: [Score]) {
        self.period = period
        self.by = by
        self.scores = scores
    }
}

/// A department's reply about one of its assignments, on `whistle.replies` (CONTRACT §4 and
/// §10), or a command center's ruling on a contested one. The speaker is the routing key, not
/// part of the body. Structure only: whether the assignment's state allows the action, and who
/// may rule, is decided elsewhere.
///
/// On the wire one `reason_code` serves two actions; here each has its own type: `reasonCode`
/// for `return`, `contestReason` for `contest`.
public struct Reply: Codable, Sendable, Hashable {
    public enum Action: String, Codable, Sendable, CaseIterable {
        /// 签收/报到: stops the acknowledgement clock.
        case acknowledge
        /// A note for the timeline.
        case progress
        /// 办结: `result` is required.
        case complete
        /// 退单: `reasonCode` is required.
        case `return`
        /// Petitions only, once: the 30-day extension; `note` is required.
        case extend
        /// A co-department of a whistle ticket says the whistle was not needed or not its duty
        /// (吹空哨), once, before completing: `contestReason` and `note` are required.
        case contest
        /// The whistler's supervising command center rules on a contest: `ruling` and `note` are
        /// required.
        case rule
    }

    public enum ReturnReason: String, Codable, Sendable, CaseIterable {
        case notOurDuty = "not_our_duty"
        case wrongArea = "wrong_area"
        case duplicate
        case insufficientInfo = "insufficient_info"
    }

    /// Why a summoned department contests a whistle (`reason_code` of `contest`).
    public enum ContestReason: String, Codable, Sendable, CaseIterable {
        /// No department was needed: the whistle was empty.
        case notNeeded = "not_needed"
        /// The matter is not this department's duty.
        case notOurDuty = "not_our_duty"
    }

    /// A command center's ruling on a contest (`ruling` of `rule`).
    public enum Ruling: String, Codable, Sendable, CaseIterable {
        /// The whistle stands: the department keeps its assignment.
        case upheld
        /// The whistle was empty: the assignment is cancelled and counts against the whistler.
        case empty
    }

    public var assignmentId: String
    public var action: Action
    public var note: String?
    public var result: String?
    /// The `reason_code` of a `return`.
    public var reasonCode: ReturnReason?
    /// The `reason_code` of a `contest`.
    public var contestReason: ContestReason?
    /// The `ruling` of a `rule`.
    public var ruling: Ruling?
    /// When the department says it acted, if it says.
    public var at: Date?

    public init(
        assignmentId: String, action: Action, note: String? = nil, result: String? = nil,
        reasonCode: ReturnReason? = nil, contestReason: ContestReason? = nil, ruling: Ruling? = nil, at: Date? = nil
    ) {
        self.assignmentId = assignmentId
        self.action = action
        self.note = note
        self.result = result
        self.reasonCode = reasonCode
        self.contestReason = contestReason
        self.ruling = ruling
        self.at = at
    }

    private enum CodingKeys: String, CodingKey { case assignmentId, action, note, result, reasonCode, ruling, at }

    /// Reads the wire form: `reason_code` is a contest reason for `contest`, a return reason
    /// otherwise.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        assignmentId = try container.decode(String.self, forKey: .assignmentId)
        action = try container.decode(Action.self, forKey: .action)
        note = try container.decodeIfPresent(String.self, forKey: .note)
        result = try container.decodeIfPresent(String.self, forKey: .result)
        if action == .contest {
            contestReason = try container.decodeIfPresent(ContestReason.self, forKey: .reasonCode)
        } else {
            reasonCode = try container.decodeIfPresent(ReturnReason.self, forKey: .reasonCode)
        }
        ruling = try container.decodeIfPresent(Ruling.self, forKey: .ruling)
        at = try container.decodeIfPresent(Date.self, forKey: .at)
    }

    /// Writes the wire form: one `reason_code`, the contest reason or the return reason.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(assignmentId, forKey: .assignmentId)
        try container.encode(action, forKey: .action)
        try container.encodeIfPresent(note, forKey: .note)
        try container.encodeIfPresent(result, forKey: .result)
        try container.encodeIfPresent(contestReason?.rawValue ?? reasonCode?.rawValue, forKey: .reasonCode)
        try container.encodeIfPresent(ruling, forKey: .ruling)
        try container.encodeIfPresent(at, forKey: .at)
    }
}
