import EvaluatorService
import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// End to end: a scripted scenario of 200 tickets with known outcomes through the four services;
/// evaluator's figures against the test's own tally; replays and a rebuild change nothing.
@Suite("Evaluator scores", .serialized)
struct EvaluatorScoresTests {
    typealias Plan = ScoreScenario.Plan
    static let t0 = "2026-11-16T09:00:00+08:00"

    /// The replies of a phase: publishes each, then waits for the event each one causes.
    static func replies(
        _ flow: FlowHarness, _ items: [(ScoreScenario.Assignment, String, [String: Any])], expecting type: EventType
    ) async throws {
        for (assignment, action, extra) in items { try await flow.desk.reply(assignment.department, assignment.id, action, extra) }
        let ids = Set(items.map(\.0.id))
        try await flow.events.waitFor("\(items.count) \(type.rawValue)") { all in
            Set(all.filter { $0["type"] as? String == type.rawValue }.compactMap { $0.data["assignment_id"] as? String }).isSuperset(
                of: ids)
        }
    }

    /// Waits until every ticket of `numbers` has an event of `type` matching `predicate`; returns them by ticket.
    @discardableResult
    static func each(
        _ flow: FlowHarness, _ type: EventType, _ numbers: [String], where predicate: @escaping ([String: Any]) -> Bool = { _ in true }
    ) async throws -> [String: [String: Any]] {
        let wanted = Set(numbers)
        let all = try await flow.events.waitFor("\(type.rawValue) of \(numbers.count) tickets") { all in
            Set(all.filter { $0["type"] as? String == type.rawValue && predicate($0) }.compactMap { $0["ticket_no"] as? String })
                .isSuperset(of: wanted)
        }
        var out: [String: [String: Any]] = [:]
        for event in all where event["type"] as? String == type.rawValue && predicate(event) {
            if let number = event["ticket_no"] as? String, wanted.contains(number) { out[number] = event }
        }
        return out
    }

    static func feedback(_ flow: FlowHarness, _ tickets: [ScoreScenario.Ticket], _ satisfaction: String, resolved: Bool) async throws {
        try await flow.adapter.publish(
            tickets.map { ticket in
                (
                    "feedback", Fixtures.json(["ticket_no": ticket.number, "satisfaction": satisfaction, "resolved": resolved]),
                    "fb-\(ticket.number)-\(UUID().uuidString.prefix(6))"
                )
            })
    }

    @Test("200 scripted tickets: every KPI as computed here; replaying every event twice and rebuilding from the timeline change nothing")
    func scriptedScenario() async throws {
        try await FlowHarness.run("evaluator-scores", start: Self.t0) { flow in
            var expected = ExpectedScores()
            var tickets: [String: ScoreScenario.Ticket] = [:]
            func plan(_ plan: Plan) -> [ScoreScenario.Ticket] { tickets.values.filter { $0.plan == plan }.sorted { $0.number < $1.number } }
            func update(_ number: String, _ change: (inout ScoreScenario.Ticket) -> Void) { change(&tickets[number]!) }

            // ── Monday 09:00: 200 demands, all dispatched.
            let demands = ScoreScenario.demands(submittedAt: Self.t0)
            try await flow.adapter.publish(demands.map { ($0.routingKey, $0.body, $0.messageId) })
            let outcomes = try await flow.events.waitFor("200 tickets") { all in
                Set(all.filter { $0["type"] as? String == "ticket.accepted" }.compactMap(\.sourceMessageId)).count >= 200
            }
            for demand in demands {
                let event = try #require(
                    outcomes.first { $0.sourceMessageId == demand.messageId && $0["type"] as? String == "ticket.accepted" })
                let number = try #require(event["ticket_no"] as? String)
                tickets[number] = ScoreScenario.Ticket(number: number, plan: demand.plan, index: demand.index)
            }
            for (number, event) in try await Self.each(flow, .ticketDispatched, Array(tickets.keys)) {
                update(number) { $0.assignments = ScoreScenario.assignments(event) }
                for assignment in tickets[number]!.assignments { expected.dispatched(assignment.department) }
            }
            #expect(
                plan(.whistle).allSatisfy { $0.assignments.first?.department == ScoreScenario.street(of: ScoreScenario.grids[$0.index]) })

            // ── 09:30: everybody acknowledges but the late and the silent leads; the returned leads return.
            try flow.setClock("2026-11-16T09:30:00+08:00")
            let phase1 = try #require(FlowRoutingTests.instant("2026-11-16T09:30:00+08:00"))
            var acks: [(ScoreScenario.Assignment, String, [String: Any])] = []
            for ticket in tickets.values where ticket.plan != .silent {
                for (index, assignment) in ticket.assignments.enumerated() where !(ticket.plan == .lateAck && assignment.role == "lead") {
                    acks.append((assignment, "acknowledge", [:]))
                    update(ticket.number) { $0.assignments[index].acknowledged = true }
                    expected.acknowledged(assignment.department, onTime: phase1 <= assignment.ackDue)
                }
            }
            try await Self.replies(flow, acks, expecting: .assignmentAcknowledged)
            let returning = plan(.returned)
            try await Self.replies(
                flow, returning.map { ($0.assignments[0], "return", ["reason_code": "not_our_duty", "note": "不属于本部门职责"]) },
                expecting: .assignmentReturned)
            for ticket in returning {
                expected.change(ticket.assignments[0].department) { $0.returned += 1 }
                update(ticket.number) { $0.assignments[0].returned = true }
            }
            let triaged = try await Self.each(flow, .ticketTriage, returning.map(\.number))
            for ticket in returning {
                let center = try #require(triaged[ticket.number]?.data["command_center"] as? String)
                let lead = ticket.assignments[0].department == "XS-ZJJ" ? "XS-CGJ" : "XS-ZJJ"
                try await flow.desk.send(
                    routingKey: TriageRoute.routingKey(commandCenter: center), ["ticket_no": ticket.number, "lead": lead])
            }
            let rerouted = try await Self.each(flow, .ticketDispatched, returning.map(\.number)) { ($0.data["round"] as? Int) == 2 }
            var newAcks: [(ScoreScenario.Assignment, String, [String: Any])] = []
            for ticket in returning {
                let fresh = ScoreScenario.assignments(try #require(rerouted[ticket.number]))
                #expect(fresh.count == 1 && fresh[0].role == "lead")
                for var assignment in fresh {
                    expected.dispatched(assignment.department)
                    expected.acknowledged(assignment.department, onTime: phase1 <= assignment.ackDue)
                    newAcks.append((assignment, "acknowledge", [:]))
                    assignment.acknowledged = true
                    update(ticket.number) { $0.assignments.append(assignment) }
                }
            }
            try await Self.replies(flow, newAcks, expecting: .assignmentAcknowledged)

            // ── 12:00: the acknowledge clocks of the late and the silent run out (overdue, escalated
            // to the street); the late leads acknowledge now.
            try flow.setClock("2026-11-16T12:00:00+08:00")
            let unacknowledged = tickets.values.flatMap { ticket in ticket.assignments.filter { !$0.acknowledged && !$0.returned } }
            #expect(unacknowledged.count == plan(.lateAck).count + plan(.silent).reduce(0) { $0 + $1.assignments.count })
            let overdueIds = Set(unacknowledged.map(\.id))
            _ = try await flow.events.waitFor("acknowledge overdue") { all in
                Set(all.filter { $0["type"] as? String == "assignment.overdue" }.compactMap { $0.data["assignment_id"] as? String })
                    .isSuperset(of: overdueIds)
            }
            for assignment in unacknowledged { expected.change(assignment.department) { $0.overdue += 1 } }
            let streetLevel = plan(.lateAck) + plan(.silent)
            try await Self.each(flow, .ticketEscalated, streetLevel.map(\.number)) { $0.data["level"] as? String == "street" }
            for ticket in streetLevel { expected.change(ticket.lead) { $0.escalations += 1 } }
            var late: [(ScoreScenario.Assignment, String, [String: Any])] = []
            for ticket in plan(.lateAck) {
                late.append((ticket.assignments[0], "acknowledge", [:]))
                update(ticket.number) { $0.assignments[0].acknowledged = true }
                expected.acknowledged(ticket.assignments[0].department, onTime: false)
            }
            try await Self.replies(flow, late, expecting: .assignmentAcknowledged)

            // ── Tuesday 09:00: completions in time (not the late-completion leads); feedback.
            try flow.setClock("2026-11-17T09:00:00+08:00")
            let phase3 = try #require(FlowRoutingTests.instant("2026-11-17T09:00:00+08:00"))
            var completions: [(ScoreScenario.Assignment, String, [String: Any])] = []
            for ticket in tickets.values where ticket.plan != .silent {
                for (index, assignment) in ticket.assignments.enumerated() where assignment.acknowledged && !assignment.returned {
                    if ticket.plan == .lateCompletion && assignment.role == "lead" { continue }
                    completions.append((assignment, "complete", ["result": "已现场处置完毕"]))
                    update(ticket.number) { $0.assignments[index].completed = true }
                    expected.completed(assignment.department, onTime: phase3 <= assignment.resolveDue)
                }
            }
            try await Self.replies(flow, completions, expecting: .assignmentCompleted)
            let resolvedNow = [Plan.prompt, .lateAck, .returned, .reopened, .whistle].flatMap(plan)
            try await Self.each(flow, .ticketResolved, resolvedNow.map(\.number))
            for (plans, satisfaction, resolved) in [
                ([Plan.prompt, .returned, .whistle], "satisfied", true), ([.lateAck], "basically_satisfied", true),
                ([.reopened], "unsatisfied", false),
            ] {
                let group = plans.flatMap(plan)
                try await Self.feedback(flow, group, satisfaction, resolved: resolved)
                for ticket in group { expected.answered(ticket.judged, satisfaction: satisfaction, resolved: resolved) }
            }
            try await Self.each(flow, .ticketClosed, [Plan.prompt, .returned, .whistle, .lateAck].flatMap(plan).map(\.number))
            let reopened = try await Self.each(flow, .ticketDispatched, plan(.reopened).map(\.number)) { ($0.data["round"] as? Int) == 2 }
            for ticket in plan(.reopened) {
                for department in ticket.judged { expected.change(department) { $0.reworked += 1 } }
                for assignment in ScoreScenario.assignments(try #require(reopened[ticket.number])) {
                    expected.dispatched(assignment.department)
                    update(ticket.number) { $0.assignments.append(assignment) }
                }
            }

            // ── 09:30: the reopened tickets are done again; the streets evaluate their whistles.
            try flow.setClock("2026-11-17T09:30:00+08:00")
            let phase4 = try #require(FlowRoutingTests.instant("2026-11-17T09:30:00+08:00"))
            var again: [(ScoreScenario.Assignment, String, [String: Any])] = []
            // The reopening went back to every department whose work was judged: each redoes it.
            for ticket in plan(.reopened) {
                for index in ticket.assignments.indices where !ticket.assignments[index].acknowledged {
                    again.append((ticket.assignments[index], "acknowledge", [:]))
                    expected.acknowledged(ticket.assignments[index].department, onTime: phase4 <= ticket.assignments[index].ackDue)
                    update(ticket.number) { $0.assignments[index].acknowledged = true }
                }
            }
            try await Self.replies(flow, again, expecting: .assignmentAcknowledged)
            try await Self.replies(flow, again.map { ($0.0, "complete", ["result": "返工后已处理"]) }, expecting: .assignmentCompleted)
            for (assignment, _, _) in again {
                expected.completed(assignment.department, onTime: phase4 <= assignment.resolveDue)
            }
            for ticket in plan(.reopened) {
                for index in ticket.assignments.indices where !ticket.assignments[index].completed {
                    update(ticket.number) { $0.assignments[index].completed = true }
                }
            }
            let reopenedNumbers = Set(plan(.reopened).map(\.number))
            _ = try await flow.events.waitFor("the reopened tickets resolved again") { all in
                let resolved = all.filter { $0["type"] as? String == "ticket.resolved" }.compactMap { $0["ticket_no"] as? String }
                return reopenedNumbers.allSatisfy { number in resolved.filter { $0 == number }.count >= 2 }
            }
            try await Self.feedback(flow, plan(.reopened), "satisfied", resolved: true)
            for ticket in plan(.reopened) { expected.answered(ticket.judged, satisfaction: "satisfied", resolved: true) }
            try await Self.each(flow, .ticketClosed, plan(.reopened).map(\.number))

            var evaluations: [(routingKey: String, body: [UInt8], messageId: String)] = []
            for ticket in plan(.whistle) {
                let street = ScoreScenario.street(of: ScoreScenario.grids[ticket.index])
                let scores = ticket.assignments.filter { $0.role == "co" }.enumerated().map { offset, assignment in
                    (assignment.department, 55 + (ticket.index * 7 + offset * 13) % 46)
                }
                for (department, score) in scores { expected.evaluated(department, score: score) }
                let body: [String: Any] = [
                    "ticket_no": ticket.number, "by": street, "scores": scores.map { ["department": $0.0, "score": $0.1] },
                ]
                evaluations.append(("evaluation", Fixtures.json(body), "eval-\(ticket.number)"))
                if ticket.index < 2 {
                    // Another street, and the same street again: both refused, nothing counted.
                    let other = street == "QS-JDB" ? "FL-JDB" : "QS-JDB"
                    evaluations.append(("evaluation", Fixtures.json(body.merging(["by": other]) { $1 }), "eval-other-\(ticket.number)"))
                }
            }
            try await flow.adapter.publish(evaluations)
            let answered = try await flow.events.waitFor("the evaluations' answers") { all in
                evaluations.allSatisfy { item in all.contains { $0.sourceMessageId == item.messageId } }
            }
            let refused = answered.filter { ($0.sourceMessageId ?? "").hasPrefix("eval-other-") }
            #expect(refused.count == 2 && refused.allSatisfy { $0["type"] as? String == "evaluation.rejected" })
            #expect(refused.allSatisfy { (($0.data["errors"] as? [[String: Any]])?.first?["field"] as? String) == "by" })
            let twice = evaluations.filter { $0.messageId.hasPrefix("eval-W") }.prefix(1).map { ($0.routingKey, $0.body, "eval-again") }
            try await flow.adapter.publish(twice)
            let repeated = try await flow.events.waitFor("a second evaluation refused") { all in
                all.contains { $0.sourceMessageId == "eval-again" }
            }
            #expect(repeated.first { $0.sourceMessageId == "eval-again" }?["type"] as? String == "evaluation.rejected")

            // ── A week later: the resolve clocks of the late and the silent run out (overdue,
            // escalated to the district); the late leads complete now.
            try flow.setClock("2026-11-24T10:00:00+08:00")
            let openWork = (plan(.lateCompletion) + plan(.silent)).flatMap { ticket in
                ticket.assignments.filter { !$0.completed && !$0.returned }
            }
            #expect(openWork.count == plan(.lateCompletion).count + plan(.silent).reduce(0) { $0 + $1.assignments.count })
            let resolveOverdue = Set(openWork.map(\.id))
            _ = try await flow.events.waitFor("resolve overdue") { all in
                Set(
                    all.filter { $0["type"] as? String == "assignment.overdue" && $0.data["clock"] as? String == "resolve" }
                        .compactMap { $0.data["assignment_id"] as? String }
                ).isSuperset(of: resolveOverdue)
            }
            for assignment in openWork { expected.change(assignment.department) { $0.overdue += 1 } }
            let districtLevel = plan(.lateCompletion) + plan(.silent)
            try await Self.each(flow, .ticketEscalated, districtLevel.map(\.number)) { $0.data["level"] as? String == "district" }
            for ticket in districtLevel { expected.change(ticket.lead) { $0.escalations += 1 } }
            try await Self.replies(
                flow, plan(.lateCompletion).map { ($0.assignments[0], "complete", ["result": "逾期后办结"]) }, expecting: .assignmentCompleted)
            for ticket in plan(.lateCompletion) {
                expected.completed(ticket.assignments[0].department, onTime: false)
                update(ticket.number) { $0.assignments[0].completed = true }
            }
            try await Self.each(flow, .ticketResolved, plan(.lateCompletion).map(\.number))
            try await Self.feedback(flow, plan(.lateCompletion), "satisfied", resolved: true)
            for ticket in plan(.lateCompletion) { expected.answered(ticket.judged, satisfaction: "satisfied", resolved: true) }
            try await Self.each(flow, .ticketClosed, plan(.lateCompletion).map(\.number))

            // ── The figures.
            let scoresURL = "http://127.0.0.1:\(flow.port("evaluator"))/v1/scores?from=2026-11-01&to=2026-11-30"
            // The last event evaluator consumes (points events, say, are not its).
            let counted = Set(EvaluatorApp.eventKeys)
            let lastEvent = try #require(flow.events.all.last { counted.contains(($0["type"] as? String) ?? "") }?["event_id"] as? String)
            try await EvaluatorFeed.waitApplied(flow.sandbox, lastEvent)
            try await Self.check(scoresURL, against: expected)
            #expect(flow.events.of(.hotspotDetected).isEmpty, "ordinary traffic raises no hotspot")

            // ── Every event again, twice, straight into evaluator's queue: nothing changes.
            let before = try await Self.snapshot(flow)
            try await Self.replay(flow, flow.events.all, times: 2)
            #expect(try await Self.snapshot(flow) == before, "replayed events changed the figures")
            try await Self.check(scoresURL, against: expected)

            // ── Rebuilt from the timeline: the same figures.
            let rebuilt = try await Ctl(databaseURL: flow.sandbox.databaseURL).run(["scores", "rebuild"])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            #expect(rebuilt.stdout.contains("rebuilt kpi_daily"))
            #expect(try await Self.snapshot(flow) == before, "the rebuild gave other figures")
            try await Self.check(scoresURL, against: expected)
            try await EvaluatorDashboardCheck.verify(flow, expected: expected, open: plan(.silent))
        }
    }
}
