import Foundation
import Testing
import WhistleMessages

/// End to end: replies and their state rules, returns and re-routing, triage and the command
/// center's routing, feedback closing or reopening a ticket.
@Suite(.serialized) struct FlowRepliesTests {
    static let start = "2026-11-18T10:00:00+08:00"

    static func assignments(_ event: [String: Any]) -> [[String: Any]] { (event.data["assignments"] as? [[String: Any]]) ?? [] }

    static func id(_ event: [String: Any], _ department: String) throws -> String {
        try #require(assignments(event).first { $0["department"] as? String == department }?["assignment_id"] as? String)
    }

    @Test func aReturnReroutesASecondGoesToTriageAndAnotherDepartmentIsRefused() async throws {
        try await FlowHarness.run("returns", start: Self.start) { flow in
            // Rubbish in 青石街道: the street rule (lead 街道办, co 城管), else the default (城管).
            let demand = FlowRoutingTests.demand(
                "12345-RET-1", "石桥社区垃圾桶满溢没人清运，气味很大", ["category": "SRHJ-LJQY", "location": ["grid": "G-QS-SQ-01"]])
            let accepted = try await flow.publish(.twelve345, demand)
            let ticketNo = try #require(accepted["ticket_no"] as? String)
            let first = try await flow.event(.ticketDispatched, ticket: ticketNo)
            #expect(Self.assignments(first).map { $0["department"] as? String } == ["QS-JDB", "XS-CGJ"])
            let street = try Self.id(first, "QS-JDB")

            // 城管 acknowledging the street's assignment is refused and changes nothing.
            let foreign = try await flow.desk.reply("XS-CGJ", street, "acknowledge")
            let refused = try await flow.events.waitFor("reply.rejected") { $0.contains { $0.sourceMessageId == foreign } }
            let rejection = try #require(refused.first { $0.sourceMessageId == foreign })
            #expect(rejection["type"] as? String == "reply.rejected")
            #expect(rejection.data["department"] as? String == "XS-CGJ")
            let errors = rejection.data["errors"] as? [[String: Any]] ?? []
            let codes = errors.compactMap { $0["code"] as? String }
            #expect(codes == ["not_allowed"])
            // Completing before acknowledging is refused too.
            let early = try await flow.desk.reply("QS-JDB", street, "complete", ["result": "已清运"])
            _ = try await flow.events.waitFor("reply.rejected of an early complete") { $0.contains { $0.sourceMessageId == early } }

            // The street returns it: re-routed to 城管 (the default rule), whose co assignment gives way.
            try await flow.desk.reply("QS-JDB", street, "return", ["reason_code": "not_our_duty", "note": "属城管环卫职责"])
            try await flow.event(.assignmentReturned, ticket: ticketNo)
            let second = try await flow.event(.ticketDispatched, ticket: ticketNo) { ($0.data["round"] as? Int) == 2 }
            #expect(Self.assignments(second).map { $0["department"] as? String } == ["XS-CGJ"])
            #expect(Self.assignments(second).first?["role"] as? String == "lead")
            let bureau = try Self.id(second, "XS-CGJ")
            let reassigned = try await flow.desk.assignment("XS-CGJ", ticket: ticketNo) { $0["role"] as? String == "lead" }
            #expect(reassigned["assignment_id"] as? String == bureau)

            // 城管 returns it too: the second return goes to triage and escalates.
            try await flow.desk.reply("XS-CGJ", bureau, "acknowledge")
            try await flow.event(.assignmentAcknowledged, ticket: ticketNo)
            try await flow.desk.reply("XS-CGJ", bureau, "return", ["reason_code": "wrong_area"])
            let triage = try await flow.event(.ticketTriage, ticket: ticketNo)
            #expect(triage.data["reason"] as? String == "returned")
            let escalated = try await flow.event(.ticketEscalated, ticket: ticketNo)
            #expect(escalated.data["reason"] as? String == "returned")
            #expect(escalated.data["level"] as? String == "street")
            #expect(escalated.data["department"] as? String == "QS-ZHZX", "the street's command center")
            #expect(flow.received(.ticketDispatched, ticket: ticketNo).count == 2, "nothing dispatched after triage")

            // The district command center routes it by hand; a street office cannot.
            let notCenter = try await flow.desk.send(routingKey: "triage.QS-JDB", ["ticket_no": ticketNo, "lead": "XS-ZJJ"])
            _ = try await flow.events.waitFor("triage refused") { $0.contains { $0.sourceMessageId == notCenter } }
            try await flow.desk.send(
                routingKey: TriageRoute.routingKey(commandCenter: "XS-ZHZX"), ["ticket_no": ticketNo, "lead": "XS-ZJJ", "co": ["QS-JDB"]])
            let third = try await flow.event(.ticketDispatched, ticket: ticketNo) { ($0.data["round"] as? Int) == 3 }
            #expect(Self.assignments(third).map { $0["department"] as? String } == ["XS-ZJJ", "QS-JDB"])
            _ = try await flow.desk.assignment("XS-ZJJ", ticket: ticketNo)
            let show = try await HTTP.json("http://127.0.0.1:\(flow.port("evaluator"))/v1/tickets/\(ticketNo)")
            let ticket = try #require(show.1 as? [String: Any])
            #expect(ticket["status"] as? String == "dispatched")
            #expect(ticket["lead_department"] as? String == "XS-ZJJ")
            let coId = try Self.id(first, "XS-CGJ")
            let shown = (ticket["assignments"] as? [[String: Any]] ?? []).first { $0["assignment_id"] as? String == coId }
            #expect(shown?["status"] as? String == "cancelled", "the co that became the lead gave up its co assignment")
        }
    }

    @Test func unsatisfiedFeedbackReopensToTheSameLeadAndTheThirdFailureCloses() async throws {
        try await FlowHarness.run("reopen", start: Self.start) { flow in
            let demand = FlowRoutingTests.demand("12345-FB-1", "社保卡补办半个月还没拿到，多次询问无果", ["category": "LDSB-SBJN"])
            let ticketNo = try #require(try await flow.publish(.twelve345, demand)["ticket_no"] as? String)
            for cycle in 0...2 {
                let round = try await flow.event(.ticketDispatched, ticket: ticketNo) { ($0.data["round"] as? Int) == cycle + 1 }
                let lead = try Self.id(round, "XS-RSJ")
                #expect(Self.assignments(round).count == 1)
                let message = try await flow.desk.assignment("XS-RSJ", ticket: ticketNo) { $0["assignment_id"] as? String == lead }
                #expect(message["reopen_count"] as? Int == cycle)
                try await flow.desk.reply("XS-RSJ", lead, "acknowledge")
                try await flow.desk.reply("XS-RSJ", lead, "complete", ["result": "已联系市民，第\(cycle + 1)次办理"])
                try await flow.event(.ticketResolved, ticket: ticketNo) { _ in
                    flow.received(.ticketResolved, ticket: ticketNo).count == cycle + 1
                }
                let feedback: [String: Any] = ["ticket_no": ticketNo, "satisfaction": "unsatisfied", "resolved": false]
                try await flow.adapter.publish([(IntakeRoutingKey.feedback, Fixtures.json(feedback), UUID().uuidString)])
                if cycle < 2 {
                    let reopened = try await flow.event(.ticketReopened, ticket: ticketNo) {
                        ($0.data["reopen_count"] as? Int) == cycle + 1
                    }
                    #expect(reopened.data["lead_department"] as? String == "XS-RSJ")
                }
            }
            let closed = try await flow.event(.ticketClosed, ticket: ticketNo)
            #expect(closed.data["outcome"] as? String == "unsatisfied_final")
            let escalated = try await flow.event(.ticketEscalated, ticket: ticketNo)
            #expect(escalated.data["reason"] as? String == "repeated")
            #expect(flow.received(.ticketReopened, ticket: ticketNo).count == 2)
        }
    }
}
