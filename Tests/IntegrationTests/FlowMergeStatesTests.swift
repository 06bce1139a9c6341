import Foundation
import Testing
import WhistleMessages

/// End to end: which tickets may absorb a new demand (并单) now that a ticket's state is
/// dispatcher's (`ticket_states`) and intake merges through the read model: a resolved ticket
/// absorbs nothing, and intake's own memory (`ticket_facts.absorbing`) learns it.
@Suite(.serialized) struct FlowMergeStatesTests {
    static func demand(_ id: String) -> [String: Any] {
        FlowRoutingTests.demand(id, "石桥社区垃圾桶满溢没人清运，气味很大", ["category": "SRHJ-LJQY", "location": ["grid": "G-QS-SQ-01"]])
    }

    @Test func aSimilarDemandJoinsAnOpenTicketButNotAResolvedOne() async throws {
        try await FlowHarness.run("merge-states", start: "2026-11-18T10:00:00+08:00") { flow in
            let accepted = try await flow.publish(.twelve345, Self.demand("12345-MS-1"))
            let ticketNo = try #require(accepted["ticket_no"] as? String)
            let dispatched = try await flow.event(.ticketDispatched, ticket: ticketNo)
            let lead = try FlowRepliesTests.id(dispatched, "QS-JDB")
            let co = try FlowRepliesTests.id(dispatched, "XS-CGJ")

            // While the street office works on it, the same matter joins it.
            let joined = try await flow.publish(.twelve345, Self.demand("12345-MS-2"))
            #expect(joined["type"] as? String == "ticket.merged" && joined["ticket_no"] as? String == ticketNo)

            for (department, id) in [("XS-CGJ", co), ("QS-JDB", lead)] {
                try await flow.desk.reply(department, id, "acknowledge")
                try await flow.desk.reply(department, id, "complete", ["result": "已清运"])
            }
            _ = try await flow.event(.ticketResolved, ticket: ticketNo)

            // Resolved: the same matter again is a new ticket, and intake remembers the first absorbs no more.
            let again = try await flow.publish(.twelve345, Self.demand("12345-MS-3"))
            #expect(again["type"] as? String == "ticket.accepted")
            let second = try #require(again["ticket_no"] as? String)
            #expect(second != ticketNo)
            let absorbing = try await flow.sandbox.count(
                "SELECT count(*)::int FROM ticket_facts WHERE ticket_no = $1 AND absorbing", [ticketNo])
            #expect(absorbing == 0, "intake's memory followed dispatcher's state")
            let state = try await flow.sandbox.count(
                "SELECT count(*)::int FROM tickets WHERE ticket_no = $1 AND status = 'resolved' AND report_count = 2", [ticketNo])
            #expect(state == 1, "the read model: dispatcher's state, intake's count")

            // The new ticket absorbs the next one.
            let third = try await flow.publish(.twelve345, Self.demand("12345-MS-4"))
            #expect(third["type"] as? String == "ticket.merged" && third["ticket_no"] as? String == second)
        }
    }
}
