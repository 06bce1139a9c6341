import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// 吹哨报到 at every level, end to end over the wire with every party its own broker user and every
/// sender checked: a street office, the district command center and the city command center each
/// blow a whistle; of the two departments each names, one contests and is ruled empty (its
/// assignment cancelled, never scored against it), the other contests, is ruled upheld and does the
/// work; the whistler verifies the work (closing the ticket satisfied) and scores the department that
/// reported. `/v1/scores` must then show, for the whistlers and the summoned alike, the figures this
/// test tallies from what it did.
@Suite("Whistles at every level", .serialized)
struct WhistleLevelsTests {
    static let start = "2026-11-18T10:00:00+08:00"

    struct Level {
        var whistler: String
        var area: String
        /// Contests and is ruled empty.
        var emptied: String
        /// Contests, is ruled upheld, acknowledges and completes.
        var upheld: String
        var ruler: String
        var score: Int
    }

    static let levels = [
        Level(whistler: "QS-JDB", area: "S-QS", emptied: "XS-CGJ", upheld: "XS-SCJG", ruler: "XS-ZHZX", score: 90),
        Level(whistler: "XS-ZHZX", area: "D-XS", emptied: "XS-ZJJ", upheld: "XS-SWJ", ruler: "YC-ZHZX", score: 75),
        Level(whistler: "YC-ZHZX", area: "C-YC", emptied: "YC-ZJJ", upheld: "YC-GAJ", ruler: "YC-ZHZX", score: 60),
    ]

    /// What the test expects in one department's row of `/v1/scores`.
    struct Tally: Equatable, CustomStringConvertible {
        var dispatched = 0, whistles = 0, whistlesEmpty = 0, contests = 0, contestsLost = 0, overdue = 0, escalations = 0
        var scoreSum = 0, scoreCount = 0

        var description: String {
            "dispatched \(dispatched) whistles \(whistles)/\(whistlesEmpty) contests \(contests)/\(contestsLost) "
                + "overdue \(overdue) escalations \(escalations) score \(scoreCount > 0 ? Double(scoreSum) / Double(scoreCount) : -1)"
        }

        init() {}

        init(row: [String: Any]) {
            func int(_ key: String) -> Int { (row[key] as? NSNumber)?.intValue ?? -1 }
            dispatched = int("dispatched")
            whistles = int("whistles")
            whistlesEmpty = int("whistles_empty")
            contests = int("contests")
            contestsLost = int("contests_lost")
            overdue = int("overdue")
            escalations = int("escalations")
            if let score = (row["whistle_score"] as? NSNumber)?.doubleValue {
                scoreSum = Int(score.rounded())
                scoreCount = 1
            }
        }

        /// The same figures with the evaluations reduced to their average, as the API shows them.
        var shown: Tally {
            var shown = self
            if scoreCount > 0 {
                shown.scoreSum = Int((Double(scoreSum) / Double(scoreCount)).rounded())
                shown.scoreCount = 1
            }
            return shown
        }
    }

    /// Publishes `body` on `exchange` as `user` with `key`; returns the message id.
    static func send(_ flow: FlowHarness, as user: String, _ exchange: String, _ key: String, _ body: [String: Any]) async throws -> String
    {
        let id = UUID().uuidString
        let message = OutboundMessage(exchange: exchange, routingKey: key, body: Fixtures.json(body), messageId: id)
        #expect(try await LeastPrivilegeTests.canPublish(flow.sandbox, user: user, message), "\(user) publishes on \(exchange)/\(key)")
        return id
    }

    /// One level's whistle from blowing to scoring; adds what it did to `tally`.
    static func play(_ level: Level, index: Int, _ flow: FlowHarness, tally: inout [String: Tally]) async throws {
        let whistle = WhistleFlowTests.whistle(
            "LV-\(index)", by: level.whistler, area: level.area, departments: [level.emptied, level.upheld],
            content: "第\(index)级吹哨：跨部门事项需联合处置，编号\(UUID().uuidString.prefix(6))")
        let id = "lv-\(index)"
        #expect(try await WhistleFlowTests.publish(flow, as: "dept-\(level.whistler)", whistle, id: id))
        let accepted = try #require(try await WhistleFlowTests.outcomes(flow, [id])[id])
        #expect(accepted["type"] as? String == "ticket.accepted", "\(accepted)")
        #expect(accepted.data["whistler"] as? String == level.whistler)
        let ticketNo = try #require(accepted["ticket_no"] as? String)
        tally[level.whistler, default: Tally()].whistles += 1

        let round = try await flow.event(.ticketDispatched, ticket: ticketNo)
        let dispatched = FlowRoutingTests.dispatched(round)
        #expect(dispatched.first { $0.role == "lead" }?.department == level.whistler)
        #expect(Set(dispatched.filter { $0.role == "co" }.map(\.department)) == [level.emptied, level.upheld])
        for assignment in dispatched { tally[assignment.department, default: Tally()].dispatched += 1 }
        let lead = try FlowRepliesTests.id(round, level.whistler)
        let emptied = try FlowRepliesTests.id(round, level.emptied)
        let upheld = try FlowRepliesTests.id(round, level.upheld)
        for (department, assignment) in [(level.emptied, emptied), (level.upheld, upheld)] {
            let queued = try await flow.desk.assignment(department, ticket: ticketNo)
            #expect(queued["assignment_id"] as? String == assignment && queued["role"] as? String == "co")
        }

        // Both summoned departments contest; the ruler finds one not needed, the other needed.
        func reply(_ department: String, _ body: [String: Any]) async throws -> String {
            try await send(flow, as: "dept-\(department)", Exchange.replies, department, body)
        }
        _ = try await reply(
            level.emptied, ["assignment_id": emptied, "action": "contest", "reason_code": "not_needed", "note": "本部门无需到场"])
        _ = try await reply(level.upheld, ["assignment_id": upheld, "action": "acknowledge"])
        _ = try await reply(
            level.upheld, ["assignment_id": upheld, "action": "contest", "reason_code": "not_our_duty", "note": "认为不属本部门职责"])
        for department in [level.emptied, level.upheld] {
            try await flow.event(.assignmentContested, ticket: ticketNo) { $0.data["department"] as? String == department }
            tally[department, default: Tally()].contests += 1
        }
        _ = try await reply(level.ruler, ["assignment_id": emptied, "action": "rule", "ruling": "empty", "note": "经核实无需该部门"])
        let empty = try await flow.event(.whistleRuled, ticket: ticketNo) { $0.data["assignment_id"] as? String == emptied }
        #expect(empty.data["ruling"] as? String == "empty" && empty.data["whistler"] as? String == level.whistler)
        try await flow.event(.assignmentCancelled, ticket: ticketNo) { $0.data["assignment_id"] as? String == emptied }
        tally[level.whistler, default: Tally()].whistlesEmpty += 1
        tally[level.emptied, default: Tally()].dispatched -= 1
        _ = try await reply(level.ruler, ["assignment_id": upheld, "action": "rule", "ruling": "upheld", "note": "属该部门职责"])
        try await flow.event(.whistleRuled, ticket: ticketNo) { $0.data["assignment_id"] as? String == upheld }
        tally[level.upheld, default: Tally()].contestsLost += 1

        // The work: the summoned department and the whistler do it; the whistler verifies it.
        _ = try await reply(level.upheld, ["assignment_id": upheld, "action": "complete", "result": "已联合处置完毕"])
        _ = try await reply(level.whistler, ["assignment_id": lead, "action": "acknowledge"])
        _ = try await reply(level.whistler, ["assignment_id": lead, "action": "complete", "result": "牵头处置完毕"])
        try await flow.event(.ticketResolved, ticket: ticketNo)
        let verified: [String: Any] = ["ticket_no": ticketNo, "satisfaction": "satisfied", "resolved": true]
        _ = try await send(flow, as: "dept-\(level.whistler)", Exchange.intake, "feedback", verified)
        let closed = try await flow.event(.ticketClosed, ticket: ticketNo)
        #expect(closed.data["outcome"] as? String == "satisfied")

        // 一哨一考核: the whistler scores the department that reported; the emptied one is never scored.
        let never = try await send(
            flow, as: "dept-\(level.whistler)", Exchange.intake, "evaluation",
            ["ticket_no": ticketNo, "by": level.whistler, "scores": [["department": level.emptied, "score": 10]]])
        let refused = try #require(try await WhistleFlowTests.outcomes(flow, [never])[never])
        #expect(refused["type"] as? String == "evaluation.rejected", "\(refused)")
        let scored = try await send(
            flow, as: "dept-\(level.whistler)", Exchange.intake, "evaluation",
            ["ticket_no": ticketNo, "by": level.whistler, "scores": [["department": level.upheld, "score": level.score]]])
        let recorded = try #require(try await WhistleFlowTests.outcomes(flow, [scored])[scored])
        #expect(recorded["type"] as? String == "evaluation.recorded", "\(recorded)")
        tally[level.upheld, default: Tally()].scoreSum += level.score
        tally[level.upheld, default: Tally()].scoreCount += 1
    }

    @Test func aWhistleAtEachLevelAContestRuledEmptyAndOneUpheldAndTheScoresOfBothSides() async throws {
        try await FlowHarness.run("whistle-levels", start: Self.start, ownUsers: true) { flow in
            var tally: [String: Tally] = [:]
            for (index, level) in Self.levels.enumerated() { try await Self.play(level, index: index + 1, flow, tally: &tally) }

            let url = "http://127.0.0.1:\(flow.port("evaluator"))/v1/scores?from=2026-11-01&to=2026-11-30&area=all"
            let wanted = tally.mapValues(\.shown)
            var shown: [String: Tally] = [:]
            for _ in 0..<60 {
                let (status, body) = try await HTTP.json(url)
                #expect(status == 200)
                let rows = (body as? [String: Any])?["departments"] as? [[String: Any]] ?? []
                shown = Dictionary(
                    rows.compactMap { row in (row["department"] as? String).map { ($0, Tally(row: row)) } }, uniquingKeysWith: { $1 })
                if wanted.allSatisfy({ shown[$0.key] == $0.value }) { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            for (department, expected) in wanted.sorted(by: { $0.key < $1.key }) {
                #expect(
                    shown[department] == expected,
                    "\(department): evaluator shows \(shown[department].map { "\($0)" } ?? "nothing"), the test tallied \(expected)")
            }
        }
    }
}
