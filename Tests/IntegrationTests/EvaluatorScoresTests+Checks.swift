import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

extension EvaluatorScoresTests {
    /// `kpi_daily` and `demand_stats`, every row, as text.
    static func snapshot(_ flow: FlowHarness) async throws -> [String] {
        try await flow.sandbox.withDatabase { connection in
            let kpi = try connection.query("SELECT k::text FROM kpi_daily k ORDER BY department, day").map {
                try $0.decode(0, as: String.self)
            }
            let stats = try connection.query("SELECT s::text FROM demand_stats s ORDER BY area_code, category_code, hour, channel")
                .map { try $0.decode(0, as: String.self) }
            return kpi + ["--"] + stats
        }
    }

    /// Publishes every event `times` times straight to evaluator's queue, then a marker, and waits
    /// until evaluator has taken the marker.
    static func replay(_ flow: FlowHarness, _ events: [[String: Any]], times: Int) async throws {
        let encoded = try events.compactMap { event -> EvaluatorFeed.Event? in
            guard let id = event["event_id"] as? String, let type = event["type"] as? String else { return nil }
            return EvaluatorFeed.Event(id: id, type: type, body: Array(try JSONSerialization.data(withJSONObject: event)))
        }
        try await EvaluatorFeed.publish(flow.sandbox, encoded, times: times, name: "replay")
    }

    /// `GET /v1/scores` against the tally: every count, rate and composite of every department.
    static func check(_ url: String, against expected: ExpectedScores, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let (status, body) = try await HTTP.json(url)
        #expect(status == 200, sourceLocation: sourceLocation)
        let report = try #require(body as? [String: Any])
        #expect(report["from"] as? String == "2026-11-01" && report["to"] as? String == "2026-11-30", sourceLocation: sourceLocation)
        let lines = (report["departments"] as? [[String: Any]]) ?? []
        let byCode = Dictionary(lines.compactMap { line in (line["department"] as? String).map { ($0, line) } }) { first, _ in first }
        #expect(Set(expected.departments.keys).isSubset(of: Set(byCode.keys)), sourceLocation: sourceLocation)
        for (code, line) in byCode {
            let want = expected.departments[code] ?? ExpectedScores.Counts()
            let counts = (line["counts"] as? [String: Any]) ?? [:]
            func int(_ key: String, _ from: [String: Any]) -> Int { (from[key] as? Int) ?? -1 }
            let got = ExpectedScores.Counts(
                dispatched: int("dispatched", line), acknowledged: int("acknowledged", counts),
                acknowledgedOnTime: int("acknowledged_on_time", counts),
                completed: int("completed", counts), completedOnTime: int("completed_on_time", counts), answered: int("answered", counts),
                satisfied: int("satisfied", counts), basicallySatisfied: int("basically_satisfied", counts),
                resolved: int("resolved", counts),
                returned: int("returned", counts), reworked: int("reworked", counts), overdue: int("overdue", line),
                escalations: int("escalations", line), evaluationSum: int("evaluation_sum", counts),
                evaluationCount: int("evaluations", counts))
            #expect(got == want, "\(code)", sourceLocation: sourceLocation)
            for (key, value) in ExpectedScores.figures(want) {
                let actual = line[key].flatMap { $0 is NSNull ? nil : ($0 as? NSNumber)?.doubleValue }
                switch (value, actual) {
                case (nil, nil): break
                case (let value?, let actual?):
                    let tolerance = key == "composite" || key == "whistle_score" ? 0.006 : 0.00006
                    #expect(abs(value - actual) <= tolerance, "\(code) \(key): \(actual) ≠ \(value)", sourceLocation: sourceLocation)
                default:
                    Issue.record(
                        "\(code) \(key): \(String(describing: actual)) ≠ \(String(describing: value))", sourceLocation: sourceLocation)
                }
            }
        }
    }
}
