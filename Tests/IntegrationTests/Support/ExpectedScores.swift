import Foundation

/// The KPIs a scripted scenario must produce, tallied by the test from what it did and saw,
/// with the rates and the composite computed here from DESIGN "KPIs" — not by evaluator's code.
struct ExpectedScores {
    struct Counts: Equatable {
        var dispatched = 0, acknowledged = 0, acknowledgedOnTime = 0, completed = 0, completedOnTime = 0
        var answered = 0, satisfied = 0, basicallySatisfied = 0, resolved = 0
        var returned = 0, reworked = 0, overdue = 0, escalations = 0, evaluationSum = 0, evaluationCount = 0
    }

    private(set) var departments: [String: Counts] = [:]

    mutating func change(_ department: String, _ body: (inout Counts) -> Void) {
        body(&departments[department, default: Counts()])
    }

    mutating func dispatched(_ department: String) { change(department) { $0.dispatched += 1 } }
    mutating func acknowledged(_ department: String, onTime: Bool) {
        change(department) {
            $0.acknowledged += 1
            if onTime { $0.acknowledgedOnTime += 1 }
        }
    }
    mutating func completed(_ department: String, onTime: Bool) {
        change(department) {
            $0.completed += 1
            if onTime { $0.completedOnTime += 1 }
        }
    }
    mutating func answered(_ judged: Set<String>, satisfaction: String, resolved: Bool) {
        for department in judged {
            change(department) {
                $0.answered += 1
                if satisfaction == "satisfied" { $0.satisfied += 1 }
                if satisfaction == "basically_satisfied" { $0.basicallySatisfied += 1 }
                if resolved { $0.resolved += 1 }
            }
        }
    }
    mutating func evaluated(_ department: String, score: Int) {
        change(department) {
            $0.evaluationSum += score
            $0.evaluationCount += 1
        }
    }

    /// The figures of `GET /v1/scores` for one department, by the definitions of DESIGN "KPIs"
    /// (rates nil where the whole is zero; the composite over the measured figures only).
    static func figures(_ c: Counts) -> [String: Double?] {
        func rate(_ part: Int, _ whole: Int) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) }
        let response = rate(c.acknowledgedOnTime, c.dispatched)
        let onTime = rate(c.completedOnTime, c.completed)
        let resolution = rate(c.resolved, c.answered)
        let satisfaction = rate(c.satisfied + c.basicallySatisfied, c.answered)
        let whistle = c.evaluationCount == 0 ? nil : Double(c.evaluationSum) / Double(c.evaluationCount)
        let weighted: [(Double?, Double)] = [
            (response, 0.2), (onTime, 0.2), (resolution, 0.15), (satisfaction, 0.15), (whistle.map { $0 / 100 }, 0.3),
        ]
        var sum = 0.0, weights = 0.0
        for case (let value?, let weight) in weighted {
            sum += value * weight
            weights += weight
        }
        return [
            "response_rate": response, "on_time_rate": onTime, "resolution_rate": resolution, "satisfaction_rate": satisfaction,
            "return_rate": rate(c.returned, c.dispatched), "rework_rate": rate(c.reworked, c.completed), "whistle_score": whistle,
            "composite": weights > 0 ? 100 * sum / weights : nil,
        ]
    }
}
