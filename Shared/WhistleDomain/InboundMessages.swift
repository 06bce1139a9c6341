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

/// A whistle evaluation (一哨一考核) from the street that blew the whistle, routing key
/// `evaluation` on `whistle.intake` (CONTRACT §2).
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

    public var ticketNo: String
    /// The street office's department code.
    public var by: String
    /// One per department, no department twice, 1...50 of them.
    public var scores: [Score]

    public init(ticketNo: String, by: String, scores: [Score]) {
        self.ticketNo = ticketNo
        self.by = by
        self.scores = scores
    }
}

/// A department's reply about one of its assignments, on `whistle.replies` (CONTRACT §4). The
/// department is the routing key, not part of the body. Structure only: whether the
/// assignment's state allows the action is decided elsewhere.
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
    }

    public enum ReturnReason: String, Codable, Sendable, CaseIterable {
        case notOurDuty = "not_our_duty"
        case wrongArea = "wrong_area"
        case duplicate
        case insufficientInfo = "insufficient_info"
    }

    public var assignmentId: String
    public var action: Action
    public var note: String?
    public var result: String?
    public var reasonCode: ReturnReason?
    /// When the department says it acted, if it says.
    public var at: Date?

    public init(
        assignmentId: String, action: Action, note: String? = nil, result: String? = nil,
        reasonCode: ReturnReason? = nil, at: Date? = nil
    ) {
        self.assignmentId = assignmentId
        self.action = action
        self.note = note
        self.result = result
        self.reasonCode = reasonCode
        self.at = at
    }
}
