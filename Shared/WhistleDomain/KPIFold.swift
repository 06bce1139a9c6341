import Foundation
import WhistleMessages

/// How the flow's events count in the departments' KPIs (DESIGN "KPIs"). The same fold is applied
/// to events as they arrive and to the timeline when the figures are rebuilt, so both give the
/// same numbers. Each count falls on the local day of the event that caused it, except that an
/// acknowledgement and a return fall on the day their assignment was dispatched (`dispatched_at`),
/// so that a day's response and return rates compare that day's dispatches with what became of
/// them (never above 100 %), and that a take-back falls on the day of what it takes back:
///
/// - `ticket.accepted` with a `whistler` → `whistles` for the whistler (吹哨);
/// - `ticket.dispatched`: each assignment → `dispatched` for its department;
/// - `assignment.acknowledged` → `acknowledged`, and `acknowledged_on_time` when `on_time`;
/// - `assignment.completed` → `completed`, and `completed_on_time` when `on_time`;
/// - `assignment.returned` → `returned`; `assignment.overdue` (either clock) → `overdue`;
/// - `ticket.escalated` → `escalations` for the ticket's lead department at that moment, else for
///   the command center holding its triage (`held_by`);
/// - `ticket.closed` / `ticket.reopened` answering feedback → for every department whose completed
///   work it judged: `answered`, `satisfied` or `basically_satisfied`, and `resolved` when the
///   answer said so; `ticket.reopened` also → `reworked` for each of them, who must do it again
///   (for the lead when the event carries no judgment);
/// - `evaluation.recorded` of a ticket → each scored department's `evaluation_sum` and
///   `evaluation_count`; of a `period` → no day's counts, but one `PeriodScore` per department;
/// - `assignment.contested` → `contests` for the contesting department;
/// - `whistle.ruled` `upheld` → `contests_lost` for the department; `empty` → `whistles_empty` for
///   the whistler, and the cancelled assignment's counts taken back from the department (never
///   scored against it): `dispatched` on its dispatch day, `acknowledged` (and
///   `acknowledged_on_time`) on that day too when it was acknowledged, one `overdue` on the day of
///   each clock that ran out.
public enum KPIFold {
    /// The event types that count.
    public static let eventTypes: Set<String> = Set(
        [
            EventType.ticketAccepted, .ticketDispatched, .assignmentAcknowledged, .assignmentCompleted, .assignmentReturned,
            .assignmentOverdue, .ticketEscalated, .ticketClosed, .ticketReopened, .evaluationRecorded, .assignmentContested,
            .whistleRuled,
        ].map(\.rawValue))

    /// The instant whose local day an event's counts fall on: the assignment's dispatch for an
    /// acknowledgement or a return that names it, else the event's own time.
    public static func countedAt(_ event: KPIEvent, occurredAt: Date) -> Date {
        switch event {
        case .acknowledged(let data), .returned(let data): data.dispatchedAt ?? occurredAt
        default: occurredAt
        }
    }

    /// What one event adds to which departments' counts; `at` is the instant whose local day a
    /// count falls on when it is not the event's (`countedAt`): a take-back's.
    public static func contributions(_ event: KPIEvent) -> [(department: String, counts: KPICounts, at: Date?)] {
        var out: [(String, KPICounts, Date?)] = []
        func add(_ department: String?, at: Date? = nil, _ change: (inout KPICounts) -> Void) {
            guard let department, !department.isEmpty else { return }
            var counts = KPICounts()
            change(&counts)
            out.append((department, counts, at))
        }
        func answered(_ feedback: FeedbackJudgment?) {
            guard let feedback else { return }
            for department in feedback.departments {
                add(department) {
                    $0.answered = 1
                    $0.satisfied = feedback.satisfaction == "satisfied" ? 1 : 0
                    $0.basicallySatisfied = feedback.satisfaction == "basically_satisfied" ? 1 : 0
                    $0.resolved = feedback.resolved ? 1 : 0
                }
            }
        }
        switch event {
        case .accepted(let data):
            add(data.whistler) { $0.whistles = 1 }
        case .dispatched(let data):
            for assignment in data.assignments { add(assignment.department) { $0.dispatched = 1 } }
        case .acknowledged(let data):
            add(data.department) {
                $0.acknowledged = 1
                $0.acknowledgedOnTime = data.onTime == true ? 1 : 0
            }
        case .completed(let data):
            add(data.department) {
                $0.completed = 1
                $0.completedOnTime = data.onTime == true ? 1 : 0
            }
        case .returned(let data):
            add(data.department) { $0.returned = 1 }
        case .overdue(let data):
            add(data.department) { $0.overdue = 1 }
        case .escalated(let data):
            add(data.leadDepartment ?? data.heldBy) { $0.escalations = 1 }
        case .closed(let data):
            answered(data.feedback)
        case .reopened(let data):
            answered(data.feedback)
            for department in data.feedback?.departments ?? [data.leadDepartment].compactMap({ $0 }) {
                add(department) { $0.reworked = 1 }
            }
        case .evaluated(let data):
            for score in data.scores where data.period == nil {
                add(score.department) {
                    $0.evaluationSum = score.score
                    $0.evaluationCount = 1
                }
            }
        case .contested(let data):
            add(data.department) { $0.contests = 1 }
        case .ruled(let data) where data.ruling == "upheld":
            add(data.department) { $0.contestsLost = 1 }
        case .ruled(let data):
            guard data.ruling == "empty" else { break }
            add(data.whistler) { $0.whistlesEmpty = 1 }
            if let dispatchedAt = data.dispatchedAt {
                add(data.department, at: dispatchedAt) {
                    $0.dispatched = -1
                    $0.acknowledged = data.acknowledgedOnTime == nil ? 0 : -1
                    $0.acknowledgedOnTime = data.acknowledgedOnTime == true ? -1 : 0
                }
            }
            for overdueAt in data.overdueAt ?? [] { add(data.department, at: overdueAt) { $0.overdue = -1 } }
        }
        return out
    }

    /// The period evaluations an event records (`evaluation.recorded` with a `period`): one per
    /// scored department. A period that is not `YYYY` or `YYYY-Qn` records nothing (`KPIEvent`
    /// refuses such data).
    public static func periodScores(_ event: KPIEvent) -> [PeriodScore] {
        guard case .evaluated(let data) = event, let text = data.period, let period = EvaluationPeriod(text) else { return [] }
        return data.scores.map { PeriodScore(department: $0.department, by: data.by, period: period, score: $0.score) }
    }
}

/// One street's period evaluation of one department (CONTRACT §10), kept apart from the days.
public struct PeriodScore: Sendable, Hashable {
    public var department: String
    /// The evaluating street office.
    public var by: String
    public var period: EvaluationPeriod
    /// 0…100.
    public var score: Int

    public init(department: String, by: String, period: EvaluationPeriod, score: Int) {
        self.department = department
        self.by = by
        self.period = period
        self.score = score
    }
}

/// What `ticket.accepted` tells the KPIs: its whistler, when it is a whistle's ticket. Read apart
/// from the full payload, so that a timeline entry holding less than the event (its `source`,
/// and the whistler) still counts.
public struct AcceptedWhistler: Codable, Sendable, Hashable {
    public var whistler: String?
    public init(whistler: String?) { self.whistler = whistler }
}

/// An event that counts in the KPIs, with its data decoded as its type's payload.
public enum KPIEvent: Sendable, Hashable {
    case accepted(AcceptedWhistler)
    case dispatched(TicketDispatched)
    case acknowledged(AssignmentEvent)
    case completed(AssignmentEvent)
    case returned(AssignmentEvent)
    case overdue(AssignmentEvent)
    case escalated(TicketEscalated)
    case closed(TicketClosed)
    case reopened(TicketReopened)
    case evaluated(EvaluationRecorded)
    case contested(AssignmentContested)
    case ruled(WhistleRuled)

    /// The event of `type` with `data`: nil for a type that does not count (`KPIFold.eventTypes`),
    /// `JSONDecodeError` naming the field when the data is not that type's payload.
    public static func decode(type: String, data: JSONValue) throws(JSONDecodeError) -> KPIEvent? {
        let decoder = JSONValueDecoder()
        func payload<T: Decodable>(_ kind: T.Type) throws(JSONDecodeError) -> T {
            try decoder.decode(kind, from: data, path: "data")
        }
        switch EventType(rawValue: type) {
        case .ticketAccepted?: return .accepted(try payload(AcceptedWhistler.self))
        case .ticketDispatched?: return .dispatched(try payload(TicketDispatched.self))
        case .assignmentAcknowledged?: return .acknowledged(try payload(AssignmentEvent.self))
        case .assignmentCompleted?: return .completed(try payload(AssignmentEvent.self))
        case .assignmentReturned?: return .returned(try payload(AssignmentEvent.self))
        case .assignmentOverdue?: return .overdue(try payload(AssignmentEvent.self))
        case .ticketEscalated?: return .escalated(try payload(TicketEscalated.self))
        case .ticketClosed?: return .closed(try payload(TicketClosed.self))
        case .ticketReopened?: return .reopened(try payload(TicketReopened.self))
        case .evaluationRecorded?:
            let evaluation = try payload(EvaluationRecorded.self)
            if let period = evaluation.period, EvaluationPeriod(period) == nil {
                throw JSONDecodeError(path: "data.period", message: "must be YYYY or YYYY-Qn")
            }
            return .evaluated(evaluation)
        case .assignmentContested?: return .contested(try payload(AssignmentContested.self))
        case .whistleRuled?: return .ruled(try payload(WhistleRuled.self))
        default: return nil
        }
    }
}

/// Department × day counts gathered from many events, to be added to (or to replace) `kpi_daily`.
public struct KPILedger: Sendable {
    public struct Key: Sendable, Hashable, Comparable {
        public var department: String
        public var day: LocalDate
        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.department, lhs.day) < (rhs.department, rhs.day)
        }
    }

    public private(set) var counts: [Key: KPICounts] = [:]
    /// The period evaluations folded in, in the order met.
    public private(set) var periodScores: [PeriodScore] = []
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// Folds one event of any type in (other types than `KPIFold.eventTypes` add nothing);
    /// `JSONDecodeError` when the data is not its type's payload, and then nothing is added.
    public mutating func add(type: String, occurredAt: Date, data: JSONValue) throws(JSONDecodeError) {
        guard let event = try KPIEvent.decode(type: type, data: data) else { return }
        add(event, occurredAt: occurredAt)
    }

    /// Folds one event in: each count on the local day of its `at`, else of `KPIFold.countedAt`.
    public mutating func add(_ event: KPIEvent, occurredAt: Date) {
        periodScores += KPIFold.periodScores(event)
        let counted = KPIFold.countedAt(event, occurredAt: occurredAt)
        for (department, change, at) in KPIFold.contributions(event) {
            let key = Key(department: department, day: LocalDate.local(of: at ?? counted, in: timeZone).date)
            counts[key] = counts[key, default: KPICounts()] + change
        }
    }

    public var isEmpty: Bool { counts.isEmpty && periodScores.isEmpty }
}
