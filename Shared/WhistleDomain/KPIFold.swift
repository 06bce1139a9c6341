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
    public static func countedAt(type: String, data: JSONValue, occurredAt: Date) -> Date {
        guard type == EventType.assignmentAcknowledged.rawValue || type == EventType.assignmentReturned.rawValue,
            let text = data["dispatched_at"]?.stringValue, let dispatched = RFC3339.parse(text)
        else { return occurredAt }
        return dispatched
    }

    /// What one event adds to which departments' counts (nothing for other types or unreadable data).
    public static func contributions(type: String, data: JSONValue) -> [(department: String, counts: KPICounts)] {
        var out: [(String, KPICounts)] = []
        func add(_ department: String?, _ change: (inout KPICounts) -> Void) {
            guard let department, !department.isEmpty else { return }
            var counts = KPICounts()
            change(&counts)
            out.append((department, counts))
        }
        let onTime = data["on_time"]?.boolValue == true
        switch EventType(rawValue: type) {
        case .ticketDispatched?:
            for assignment in data["assignments"]?.arrayValue ?? [] {
                add(assignment["department"]?.stringValue) { $0.dispatched = 1 }
            }
        case .assignmentAcknowledged?:
            add(data["department"]?.stringValue) {
                $0.acknowledged = 1
                $0.acknowledgedOnTime = onTime ? 1 : 0
            }
        case .assignmentCompleted?:
            add(data["department"]?.stringValue) {
                $0.completed = 1
                $0.completedOnTime = onTime ? 1 : 0
            }
        case .assignmentReturned?:
            add(data["department"]?.stringValue) { $0.returned = 1 }
        case .assignmentOverdue?:
            add(data["department"]?.stringValue) { $0.overdue = 1 }
        case .ticketEscalated?:
            add(data["lead_department"]?.stringValue) { $0.escalations = 1 }
        case .ticketClosed?, .ticketReopened?:
            if let feedback = data["feedback"], let satisfaction = feedback["satisfaction"]?.stringValue {
                let resolved = feedback["resolved"]?.boolValue == true
                for department in feedback["departments"]?.arrayValue ?? [] {
                    add(department.stringValue) {
                        $0.answered = 1
                        $0.satisfied = satisfaction == "satisfied" ? 1 : 0
                        $0.basicallySatisfied = satisfaction == "basically_satisfied" ? 1 : 0
                        $0.resolved = resolved ? 1 : 0
                    }
                }
            }
            if type == EventType.ticketReopened.rawValue {
                add(data["lead_department"]?.stringValue) { $0.reworked = 1 }
            }
        case .evaluationRecorded?:
            for score in data["scores"]?.arrayValue ?? [] {
                guard let value = score["score"]?.intValue else { continue }
                add(score["department"]?.stringValue) {
                    $0.evaluationSum = value
                    $0.evaluationCount = 1
                }
            }
        default:
            break
        }
        return out
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

    /// Folds one event in, on the local day of `occurredAt`.
    public mutating func add(type: String, occurredAt: Date, data: JSONValue) {
        let contributions = KPIFold.contributions(type: type, data: data)
        guard !contributions.isEmpty else { return }
        let day = LocalDate.local(of: KPIFold.countedAt(type: type, data: data, occurredAt: occurredAt), in: timeZone).date
        for (department, change) in contributions {
            counts[Key(department: department, day: day), default: KPICounts()] = counts[Key(department: department, day: day), default: KPICounts()] + change
        }
    }

    public var isEmpty: Bool { counts.isEmpty }
}
