import Foundation
import Testing
import WhistleMessages
import WhistlePostgres

/// Evaluations over the wire, every service as its own broker user and strict: 一哨一考核 only
/// from the whistler and only once the scored department's work is done or late; period
/// evaluations of district departments once per street, department and period.
@Suite("Evaluation rules", .serialized)
struct EvaluationRulesTests {
    static let start = "2026-11-18T10:00:00+08:00"

    /// Publishes `body` as `user` with routing key `key` on `whistle.intake`; requires it confirmed.
    static func send(_ flow: FlowHarness, as user: String, _ key: String, _ body: [String: Any], id: String) async throws {
        #expect(try await SenderRuleTests.publish(flow.sandbox, as: user, Exchange.intake, key, body, id: id), "\(user) \(key) \(id)")
    }

    /// The answer to the inbound message `id`.
    static func answer(_ flow: FlowHarness, _ id: String) async throws -> [String: Any] {
        let all = try await flow.events.waitFor("the answer to \(id)") { $0.contains { $0.sourceMessageId == id } }
        return try #require(all.first { $0.sourceMessageId == id })
    }

    static func errors(_ event: [String: Any]) -> [String] {
        (event.data["errors"] as? [[String: Any]] ?? []).map { "\($0["field"] as? String ?? "null"):\($0["code"] ?? "")" }
    }

    /// A grid report from 青石街道 whose whistle summons `departments` (QS-JDB blew it); returns
    /// the ticket and its first `ticket.dispatched`.
    static func gridWhistle(_ flow: FlowHarness, _ externalId: String, _ departments: [String]) async throws -> (String, [String: Any]) {
        let body: [String: Any] = [
            "external_id": externalId, "submitted_at": start, "content": "石桥社区菜市场门口占道经营，多次劝导无效，请联合执法",
            "location": ["grid": "G-QS-SQ-01"], "reporter": ["id": "GW-QS-SQ-01"],
            "whistle": ["departments": departments, "reason": "需多部门联合执法"],
        ]
        try await send(flow, as: "adapter-grid", "demand.grid", body, id: "er-\(externalId)")
        let accepted = try await answer(flow, "er-\(externalId)")
        let ticketNo = try #require(accepted["ticket_no"] as? String, "\(accepted)")
        return (ticketNo, try await flow.event(.ticketDispatched, ticket: ticketNo))
    }

    static func assignmentId(_ dispatched: [String: Any], _ department: String) throws -> String {
        let assignments = dispatched.data["assignments"] as? [[String: Any]] ?? []
        return try #require(assignments.first { $0["department"] as? String == department }?["assignment_id"] as? String)
    }

    static func evaluation(_ ticketNo: String, by: String, _ department: String, _ score: Int) -> [String: Any] {
        ["ticket_no": ticketNo, "by": by, "scores": [["department": department, "score": score]]]
    }

    @Test("a whistle ticket is scored by its whistler only, and only once the work is completed or overdue")
    func ticketEvaluations() async throws {
        try await FlowHarness.run("evaluation-timing", start: Self.start, ownUsers: true) { flow in
            let (ticketNo, dispatched) = try await Self.gridWhistle(flow, "ER-1", ["XS-CGJ", "XS-SWJ"])
            let bureau = try Self.assignmentId(dispatched, "XS-CGJ")

            // Too early: XS-CGJ has only been dispatched.
            try await Self.send(
                flow, as: "dept-QS-JDB", "evaluation", Self.evaluation(ticketNo, by: "QS-JDB", "XS-CGJ", 90), id: "er-early")
            let early = try await Self.answer(flow, "er-early")
            #expect(early["type"] as? String == "evaluation.rejected", "\(early)")
            #expect(Self.errors(early) == ["scores[0].department:not_allowed"])

            // XS-CGJ acknowledges and completes.
            try await flow.desk.reply("XS-CGJ", bureau, "acknowledge")
            try await flow.event(.assignmentAcknowledged, ticket: ticketNo)
            try await flow.desk.reply("XS-CGJ", bureau, "complete", ["result": "已联合清理占道摊点"])
            try await flow.event(.assignmentCompleted, ticket: ticketNo)

            // Not the whistler: another street, in its own name or in the whistler's.
            try await Self.send(
                flow, as: "dept-FL-JDB", "evaluation", Self.evaluation(ticketNo, by: "FL-JDB", "XS-CGJ", 40), id: "er-other")
            try await Self.send(
                flow, as: "dept-FL-JDB", "evaluation", Self.evaluation(ticketNo, by: "QS-JDB", "XS-CGJ", 40), id: "er-forged")
            let other = try await Self.answer(flow, "er-other")
            #expect(other["type"] as? String == "evaluation.rejected")
            #expect(Self.errors(other) == ["by:not_allowed", "null:not_allowed"], "\(other)")
            let forged = try await Self.answer(flow, "er-forged")
            #expect(forged["type"] as? String == "evaluation.rejected")
            #expect(Self.errors(forged) == ["null:not_allowed"], "\(forged)")

            // Done: the whistler's evaluation is recorded; XS-SWJ, still within its deadline, is not.
            try await Self.send(flow, as: "dept-QS-JDB", "evaluation", Self.evaluation(ticketNo, by: "QS-JDB", "XS-CGJ", 92), id: "er-done")
            let done = try await Self.answer(flow, "er-done")
            #expect(done["type"] as? String == "evaluation.recorded", "\(done)")
            #expect(done["ticket_no"] as? String == ticketNo)
            try await Self.send(
                flow, as: "dept-QS-JDB", "evaluation", Self.evaluation(ticketNo, by: "QS-JDB", "XS-SWJ", 30), id: "er-swj-early")
            #expect(try await Self.answer(flow, "er-swj-early")["type"] as? String == "evaluation.rejected")

            // Late: XS-SWJ lets its acknowledgement deadline (1 h) pass; now it may be scored.
            try flow.setClock("2026-11-18T11:30:00+08:00")
            try await flow.event(.assignmentOverdue, ticket: ticketNo) { $0.data["department"] as? String == "XS-SWJ" }
            try await Self.send(flow, as: "dept-QS-JDB", "evaluation", Self.evaluation(ticketNo, by: "QS-JDB", "XS-SWJ", 30), id: "er-late")
            let late = try await Self.answer(flow, "er-late")
            #expect(late["type"] as? String == "evaluation.recorded", "\(late)")
            #expect(
                try await flow.sandbox.count(
                    "SELECT count(*)::int FROM evaluations WHERE ticket_no = $1 AND by_department = 'QS-JDB'", [ticketNo])
                    == 2)
        }
    }

    @Test("a district command center's whistle is scored by that command center, after the work, and by no street")
    func commandCenterWhistle() async throws {
        try await FlowHarness.run("evaluation-whistle", start: Self.start, ownUsers: true) { flow in
            let whistle = WhistleFlowTests.whistle("ER-W-1", by: "XS-ZHZX", area: "S-QS", departments: ["XS-CGJ"])
            #expect(try await WhistleFlowTests.publish(flow, as: "dept-XS-ZHZX", whistle, id: "er-whistle"))
            let accepted = try await Self.answer(flow, "er-whistle")
            let ticketNo = try #require(accepted["ticket_no"] as? String, "\(accepted)")
            let bureau = try Self.assignmentId(try await flow.event(.ticketDispatched, ticket: ticketNo), "XS-CGJ")

            try await Self.send(
                flow, as: "dept-XS-ZHZX", "evaluation", Self.evaluation(ticketNo, by: "XS-ZHZX", "XS-CGJ", 80), id: "ew-early")
            let early = try await Self.answer(flow, "ew-early")
            #expect(early["type"] as? String == "evaluation.rejected" && Self.errors(early) == ["scores[0].department:not_allowed"])

            try await flow.desk.reply("XS-CGJ", bureau, "acknowledge")
            try await flow.event(.assignmentAcknowledged, ticket: ticketNo)
            try await flow.desk.reply("XS-CGJ", bureau, "complete", ["result": "已清理"])
            try await flow.event(.assignmentCompleted, ticket: ticketNo)

            // The street of the whistle's area did not blow it.
            try await Self.send(
                flow, as: "dept-QS-JDB", "evaluation", Self.evaluation(ticketNo, by: "QS-JDB", "XS-CGJ", 80), id: "ew-street")
            let street = try await Self.answer(flow, "ew-street")
            #expect(street["type"] as? String == "evaluation.rejected" && Self.errors(street) == ["by:not_allowed", "null:not_allowed"])
            try await Self.send(
                flow, as: "dept-XS-ZHZX", "evaluation", Self.evaluation(ticketNo, by: "XS-ZHZX", "XS-CGJ", 80), id: "ew-done")
            let done = try await Self.answer(flow, "ew-done")
            #expect(done["type"] as? String == "evaluation.recorded", "\(done)")
            #expect(done.data["by"] as? String == "XS-ZHZX" && done["ticket_no"] as? String == ticketNo)
        }
    }

    @Test("a street evaluates its district's departments once per period, for a period that has begun")
    func periodEvaluations() async throws {
        try await FlowHarness.run("evaluation-period", start: Self.start, ownUsers: true) { flow in
            let scores: [[String: Any]] = [
                ["department": "XS-CGJ", "score": 88, "comment": "配合较好"], ["department": "XS-SWJ", "score": 70],
            ]
            try await Self.send(flow, as: "dept-QS-JDB", "evaluation", ["period": "2026-Q4", "by": "QS-JDB", "scores": scores], id: "ep-1")
            let recorded = try await Self.answer(flow, "ep-1")
            #expect(recorded["type"] as? String == "evaluation.recorded", "\(recorded)")
            #expect(recorded["ticket_no"] is NSNull, "a period evaluation is about no ticket: \(recorded)")
            #expect(recorded.data["period"] as? String == "2026-Q4" && recorded.data["by"] as? String == "QS-JDB")
            #expect((recorded.data["scores"] as? [[String: Any]])?.compactMap { $0["department"] as? String } == ["XS-CGJ", "XS-SWJ"])

            // The same street, department and period again; another street may.
            let again: [String: Any] = ["period": "2026-Q4", "by": "QS-JDB", "scores": [["department": "XS-CGJ", "score": 10]]]
            try await Self.send(flow, as: "dept-QS-JDB", "evaluation", again, id: "ep-again")
            let refused = try await Self.answer(flow, "ep-again")
            #expect(refused["type"] as? String == "evaluation.rejected")
            #expect(Self.errors(refused) == ["scores[0].department:not_allowed"], "\(refused)")
            let other: [String: Any] = ["period": "2026-Q4", "by": "FL-JDB", "scores": [["department": "XS-CGJ", "score": 60]]]
            try await Self.send(flow, as: "dept-FL-JDB", "evaluation", other, id: "ep-other-street")
            #expect(try await Self.answer(flow, "ep-other-street")["type"] as? String == "evaluation.recorded")

            // Not a district department, a period not begun, and in another street's name: every error.
            let wrong: [String: Any] = [
                "period": "2027", "by": "QS-JDB",
                "scores": [
                    ["department": "YC-CGJ", "score": 50], ["department": "QS-SQ-JWH", "score": 50], ["department": "XS-ZJJ", "score": 50],
                ],
            ]
            try await Self.send(flow, as: "dept-QS-JDB", "evaluation", wrong, id: "ep-wrong")
            let wrongAnswer = try await Self.answer(flow, "ep-wrong")
            #expect(wrongAnswer["type"] as? String == "evaluation.rejected")
            #expect(
                Self.errors(wrongAnswer) == ["period:not_allowed", "scores[0].department:not_allowed", "scores[1].department:not_allowed"],
                "\(wrongAnswer)")
            try await Self.send(
                flow, as: "dept-FL-JDB", "evaluation", ["period": "2026", "by": "QS-JDB", "scores": scores], id: "ep-forged")
            let forged = try await Self.answer(flow, "ep-forged")
            #expect(forged["type"] as? String == "evaluation.rejected" && Self.errors(forged) == ["null:not_allowed"], "\(forged)")

            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM period_evaluations") == 3)
            #expect(
                try await flow.sandbox.count(
                    "SELECT count(*)::int FROM period_evaluations WHERE by_department = 'QS-JDB' AND period = '2026-Q4'") == 2)
        }
    }
}

extension TestSandbox {
    /// Gives each of `departments` a completed co assignment on `ticketNo`, as the dispatcher
    /// would have written it: for tests of intake alone that evaluate a ticket's work.
    func completedAssignments(_ ticketNo: String, _ departments: [String]) async throws {
        try await withDatabase { connection in
            _ = try connection.query(
                """
                INSERT INTO assignments (assignment_id, ticket_no, department, role, status, round, ack_due, resolve_due,
                                         acknowledged_at, completed_at, result)
                SELECT gen_random_uuid(), $1, d, 'co', 'completed', 1, now() + interval '1 hour', now() + interval '1 day',
                       now(), now(), '已办结'
                FROM unnest($2::text[]) AS d
                """, [ticketNo, departments])
        }
    }
}
