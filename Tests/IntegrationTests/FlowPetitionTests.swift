import Foundation
import Testing
import WhistleMessages

/// End to end: a group petition escalates and takes its one 30-day extension; a resolved ticket
/// without feedback closes `no_feedback` when its 7 days are over.
@Suite(.serialized) struct FlowPetitionTests {
    static let start = "2026-11-18T10:00:00+08:00"

    @Test func aGroupPetitionEscalatesAndIsExtendedOnceByThirtyDays() async throws {
        try await FlowHarness.run("petition", start: Self.start) { flow in
            let petition = FlowRoutingTests.demand(
                "XF-G-1", "六户村民反映低保资格被无故取消，要求重新审核", ["form": "visit", "kind": "request", "petitioners": 6, "category": "XFZX-SHJZ"])
            let ticketNo = try #require(try await flow.publish(.petition, petition)["ticket_no"] as? String)
            let round = try await flow.event(.ticketDispatched, ticket: ticketNo)
            #expect(FlowRepliesTests.assignments(round).map { $0["department"] as? String } == ["XS-MZJ", "XS-XFJ"])
            let escalated = try await flow.event(.ticketEscalated, ticket: ticketNo)
            #expect(escalated.data["reason"] as? String == "group_petition")
            let lead = try FlowRepliesTests.id(round, "XS-MZJ")
            let before = try #require(FlowRoutingTests.instant(FlowRepliesTests.assignments(round).first?["resolve_due"] as? String ?? ""))
            try await flow.desk.reply("XS-MZJ", lead, "acknowledge")
            try await flow.event(.assignmentAcknowledged, ticket: ticketNo)
            let asked = try await flow.desk.reply("XS-MZJ", lead, "extend", ["note": "涉及多户家庭经济状况核查，需延期办理"])
            let extended = try await flow.event(.assignmentExtended, ticket: ticketNo)
            #expect(extended.data["message_id"] as? String == asked)
            let after = try #require(FlowRoutingTests.instant(extended.data["resolve_due"] as? String ?? ""))
            #expect(after.timeIntervalSince(before) == 30 * 86_400, "one 30-day extension")
            let again = try await flow.desk.reply("XS-MZJ", lead, "extend", ["note": "再次延期"])
            let refused = try await flow.events.waitFor("the second extension refused") { $0.contains { $0.sourceMessageId == again } }
            #expect(refused.first { $0.sourceMessageId == again }?["type"] as? String == "reply.rejected")
            let stored = try await flow.sandbox.count(
                "SELECT count(*)::int FROM assignments WHERE extended_at IS NOT NULL AND resolve_due = $1::timestamptz",
                [RFC3339.format(after)])
            #expect(stored == 1)
        }
    }

    @Test func aResolvedTicketWithoutFeedbackClosesAfterSevenDays() async throws {
        try await FlowHarness.run("nofeedback", start: Self.start) { flow in
            let demand = FlowRoutingTests.demand("12345-NF-1", "社保缴费记录有一个月缺失，请核实", ["category": "LDSB-SBJN"])
            let ticketNo = try #require(try await flow.publish(.twelve345, demand)["ticket_no"] as? String)
            let lead = try FlowRepliesTests.id(try await flow.event(.ticketDispatched, ticket: ticketNo), "XS-RSJ")
            try await flow.desk.reply("XS-RSJ", lead, "acknowledge")
            try flow.setClock("2026-11-19T09:00:00+08:00")
            try await Task.sleep(for: .milliseconds(300))
            try await flow.desk.reply("XS-RSJ", lead, "complete", ["result": "已补录缴费记录"])
            let resolved = try await flow.event(.ticketResolved, ticket: ticketNo)
            #expect(
                FlowRoutingTests.instant(resolved.data["feedback_due"] as? String ?? "")
                    == FlowRoutingTests.instant("2026-11-26T09:00:00+08:00"))
            let closed = try await FlowClockTests.fires(flow, .ticketClosed, ticket: ticketNo, at: "2026-11-26T09:00:00+08:00", count: 1)
            #expect(closed.data["outcome"] as? String == "no_feedback")
        }
    }
}
