import Foundation
import WhistleMessages

/// How the flow's events count in the departments' KPIs (DESIGN "KPIs"). The same fold is applied
/// to events as they arrive and to the timeline when the figures are rebuilt, so both give the
/// same numbers. Each count falls on the local day of the event that caused it, except that an
/// acknowledgement and a return fall on the day their assignment was dispatched (`dispatched_at`),
/// so that a day's response and return rates compare that day's dispatches with what became of
/// them (never above 100 %):
///
/// - `ticket.dispatched`: each assignment → `dispatched` for its department;
/// - `assignment.acknowledged` → `acknowledged`, and `acknowledged_on_time` when `on_time`;
/// - `assignment.completed` → `completed`, and `completed_on_time` when `on_time`;
/// - `assignment.returned` → `returned`; `assignment.overdue` (either clock) → `overdue`;
/// - `ticket.escalated` → `escalations` for the ticket's lead department at that moment;
/// - `ticket.closed` / `ticket.reopened` answering feedback → for every department whose completed
///   work it judged: `answered`, `satisfied` or `basically_satisfied`, and `resolved` when the
///   answer said so; `ticket.reopened` also → `reworked` for the lead, who must do it again;
/// - `evaluation.recorded` → each scored department's `evaluation_sum` and `evaluation_count`.
public enum KPIFold {
    /// The event types that count.
    public static let eventTypes: Set<String> = Set(
        [
            EventType.ticketDispatched, .assignmentAcknowledged, .assignmentCompleted, .assignmentReturned, .assignmentOverdue,
            .ticketEscalated, .ticketClosed, .ticketReopened, .evaluationRecorded,
        ].map(\.rawValue))

    /// The instant whose local day an event's counts fall on: the assignment's dispatch for an
    /// acknowledgement or a return that names it, else the event's own time.
    public static func countedAt(_ event: KPIEvent, occurredAt: Date) -> Date {
        switch event {
        case .acknowledged(let data), .returned(let data): data.dispatchedAt ?? occurredAt
        default: occurredAt
        }
    }

    /// What one event adds to which departments' counts.
    public static func contributions(_ event: KPIEvent) -> [(department: String, counts: KPICounts)] {
        var out: [(String, KPICounts)] = []
        func add(_ department: String?, _ change: (inout KPICounts) -> Void) {
            guard let department, !department.isEmpty else { return }
            var counts = KPICounts()
            change(&counts)
            out.append((department, counts))
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
            add(data.leadDepartment) { $0.escalations = 1 }
        case .closed(let data):
            answered(data.feedback)
        case .reopened(let data):
            answered(data.feedback)
            add(data.leadDepartment) { $0.reworked = 1 }
        case .evaluated(let data):
            for score in data.scores {
                add(score.department) {
                    $0.evaluationSum = score.score
                    $0.evaluationCount = 1
                }
            }
        }
        return out
    }
}

/// An event that counts in the KPIs, with its data decoded as its type's payload.
public enum KPIEvent: Sendable, Hashable {
    case dispatched(TicketDispatched)
    case acknowledged(AssignmentEvent)
    case completed(AssignmentEvent)
    case returned(AssignmentEvent)
    case overdue(AssignmentEvent)
    case escalated(TicketEscalated)
    case closed(TicketClosed)
    case reopened(TicketReopened)
    case evaluated(EvaluationRecorded)

    /// The event of `type` with `data`: nil for a type that does not count (`KPIFold.eventTypes`),
    /// `JSONDecodeError` naming the field when the data is not that type's payload.
    public static func decode(type: String, data: JSONValue) throws(JSONDecodeError) -> KPIEvent? {
        let decoder = JSONValueDecoder()
        func payload<T: Decodable>(_ kind: T.Type) throws(JSONDecodeError) -> T {
            try decoder.decode(kind, from: data, path: "data")
        }
        switch EventType(rawValue: type) {
        case .ticketDispatched?: return .dispatched(try payload(TicketDispatched.self))
        case .assignmentAcknowledged?: return .acknowledged(try payload(AssignmentEvent.self))
        case .assignmentCompleted?: return .completed(try payload(AssignmentEvent.self))
        case .assignmentReturned?: return .returned(try payload(AssignmentEvent.self))
        case .assignmentOverdue?: return .overdue(try payload(AssignmentEvent.self))
        case .ticketEscalated?: return .escalated(try payload(TicketEscalated.self))
        case .ticketClosed?: return .closed(try payload(TicketClosed.self))
        case .ticketReopened?: return .reopened(try payload(TicketReopened.self))
        case .evaluationRecorded?: return .evaluated(try payload(EvaluationRecorded.self))
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
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// Folds one event of any type in (other types than `KPIFold.eventTypes` add nothing);
    /// `JSONDecodeError` when the data is not its type's payload, and then nothing is added.
    public mutating func add(type: String, occurredAt: Date, data: JSONValue) throws(JSONDecodeError) {
        guard let event = try KPIEvent.decode(type: type, data: data) else { return }
        add(event, occurredAt: occurredAt)
    }

    /// Folds one event in, on the local day `KPIFold.countedAt` gives.
    public mutating func add(_ event: KPIEvent, occurredAt: Date) {
        let contributions = KPIFold.contributions(event)
        guard !contributions.isEmpty else { return }
        let day = LocalDate.local(of: KPIFold.countedAt(event, occurredAt: occurredAt), in: timeZone).date
        for (department, change) in contributions {
            counts[Key(department: department, day: day), default: KPICounts()] =
                counts[Key(department: department, day: day), default: KPICounts()] + change
        }
    }

    public var isEmpty: Bool { counts.isEmpty }
}
