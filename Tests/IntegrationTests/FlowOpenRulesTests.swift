import Foundation
import Testing
import WhistleMessages

/// End to end, the rules issue 15 settles (item 6): a reopening goes back to every department
/// whose completed work the feedback judged; a group petition without a place goes to the
/// district's petition bureau; an escalation before any dispatch is held by the command center
/// holding the triage.
@Suite(.serialized) struct FlowOpenRulesTests {
    static let start = "2026-11-18T10:00:00+08:00"

    @Test func aReopeningGoesBackToTheLeadAndEveryCoWhoseWorkWasJudged() async throws {
        try await FlowHarness.run("reopenall", start: Self.start) { flow in
            // The grid rule of G-GL-WJ-02: lead 城管, co 水务 and the community committee.
            let demand = FlowRoutingTests.demand(
                "12345-RA-1", "望江大道井盖松动，车辆经过哐哐响", ["category": "SZSS-JGPS", "location": ["grid": "G-GL-WJ-02"]])
            let ticketNo = try #require(try await flow.publish(.twelve345, demand)["ticket_no"] as? String)
            let first = try await flow.event(.ticketDispatched, ticket: ticketNo)
            let departments = ["XS-CGJ", "XS-SWJ", "GL-WJ-JWH"]
            #expect(FlowRoutingTests.dispatched(first).map(\.department) == departments)
            for department in departments {
                let id = try FlowRepliesTests.id(first, department)
                try await flow.desk.reply(department, id, "acknowledge")
                try await flow.desk.reply(department, id, "complete", ["result": "已处理"])
            }
            try await flow.event(.ticketResolved, ticket: ticketNo)
            let feedback: [String: Any] = ["ticket_no": ticketNo, "satisfaction": "unsatisfied", "resolved": false]
            try await flow.adapter.publish([(IntakeRoutingKey.feedback, Fixtures.json(feedback), UUID().uuidString)])

            let reopened = try await flow.event(.ticketReopened, ticket: ticketNo)
            #expect(reopened.data["reopen_count"] as? Int == 1)
            let judged = (reopened.data["feedback"] as? [String: Any])?["departments"] as? [String]
            #expect(judged == departments.sorted(), "the judgment names exactly the departments the reopening goes back to")
            let second = try await flow.event(.ticketDispatched, ticket: ticketNo) { ($0.data["round"] as? Int) == 2 }
            let again = FlowRoutingTests.dispatched(second)
            #expect(again.first?.department == "XS-CGJ" && again.first?.role == "lead")
            #expect(Set(again.map(\.department)) == Set(departments) && again.count == 3)
            #expect(again.dropFirst().allSatisfy { $0.role == "co" })
            for department in departments {
                let id = try FlowRepliesTests.id(second, department)
                #expect(id != (try FlowRepliesTests.id(first, department)), "a new assignment for \(department)")
                let message = try await flow.desk.assignment(department, ticket: ticketNo) { $0["assignment_id"] as? String == id }
                #expect(message["reopen_count"] as? Int == 1)
            }
            // Each must be acknowledged again: the co's old completion does not resolve the new cycle.
            let lead = try FlowRepliesTests.id(second, "XS-CGJ")
            try await flow.desk.reply("XS-CGJ", lead, "acknowledge")
            try await flow.desk.reply("XS-CGJ", lead, "complete", ["result": "已更换井盖"])
            try await flow.event(.assignmentCompleted, ticket: ticketNo) { $0.data["assignment_id"] as? String == lead }
            #expect(flow.received(.ticketResolved, ticket: ticketNo).count == 1, "the co-departments still owe their work")
            for department in departments.dropFirst() {
                let id = try FlowRepliesTests.id(second, department)
                try await flow.desk.reply(department, id, "acknowledge")
                try await flow.desk.reply(department, id, "complete", ["result": "已配合处理"])
            }
            try await flow.event(.ticketResolved, ticket: ticketNo) { _ in flow.received(.ticketResolved, ticket: ticketNo).count == 2 }
        }
    }

    @Test func aGroupPetitionWithoutAPlaceGoesToTheDistrictsPetitionBureau() async throws {
        try await FlowHarness.run("placeless", start: Self.start) { flow in
            let petition = FlowRoutingTests.demand(
                "XF-PL-1", "六户村民反映低保资格被无故取消，要求重新审核", ["form": "visit", "kind": "request", "petitioners": 6, "category": "XFZX-SHJZ"])
            let ticketNo = try #require(try await flow.publish(.petition, petition)["ticket_no"] as? String)
            let escalated = try await flow.event(.ticketEscalated, ticket: ticketNo)
            #expect(escalated.data["reason"] as? String == "group_petition")
            #expect(escalated.data["department"] as? String == "XS-XFJ", "the district's petition bureau, not nobody")
            #expect(escalated.data["held_by"] == nil, "dispatched: its lead answers for it")
        }
    }

    @Test func anEscalationBeforeAnyDispatchIsHeldByTheCommandCenterHoldingTheTriage() async throws {
        try await FlowHarness.run("heldby", start: Self.start) { flow in
            // Nothing classifies it: triage at the street's command center, then the group escalates.
            let petition = FlowRoutingTests.demand(
                "XF-HB-1", "五户村民联名来访，要求见领导当面说明情况",
                ["form": "visit", "kind": "request", "petitioners": 5, "location": ["grid": "G-QS-SQ-01"]])
            let ticketNo = try #require(try await flow.publish(.petition, petition)["ticket_no"] as? String)
            let triage = try await flow.event(.ticketTriage, ticket: ticketNo)
            #expect(triage.data["command_center"] as? String == "QS-ZHZX")
            let escalated = try await flow.event(.ticketEscalated, ticket: ticketNo)
            #expect(escalated.data["lead_department"] == nil)
            #expect(escalated.data["held_by"] as? String == "QS-ZHZX", "the escalation counts against the triage's holder")
            #expect(flow.received(.ticketDispatched, ticket: ticketNo).isEmpty)
        }
    }
}
