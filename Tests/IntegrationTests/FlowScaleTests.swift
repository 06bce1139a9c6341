import Foundation
import Testing
import WhistleMessages

/// Two dispatcher instances on one queue, one database and one clock: over 2,000 tickets no
/// assignment and no timer is lost or doubled.
@Suite(.serialized) struct FlowScaleTests {
    static let tickets = 2000
    /// Categories whose rules give a demand placed in the district (no place: the district
    /// fallback) 1, 2, 3 and 2 assignments (food safety has a rule of its own for 西山区).
    static let categories: [(code: String, departments: [String])] = [
        ("LDSB-SBJN", ["XS-RSJ"]), ("SZSS-DLPS", ["XS-ZJJ", "XS-CGJ"]), ("ZAXF-QZFAQ", ["XS-GA", "XS-XFDD", "XS-ZJJ"]),
        ("SCJG-SPAQ", ["XS-SCJG", "XS-WJJ"]),
    ]

    @Test func twoDispatchersNeitherLoseNorDoubleAssignmentsOrTimers() async throws {
        try await FlowHarness.run("scale", dispatchers: 2, start: "2026-11-18T10:00:00+08:00") { flow in
            var expected: [String: Int] = [:]
            var messages: [(routingKey: String, body: [UInt8], messageId: String)] = []
            for index in 0..<Self.tickets {
                let category = Self.categories[index % Self.categories.count]
                for department in category.departments { expected[department, default: 0] += 1 }
                // No place: nothing merges, every demand opens its own ticket.
                let body = FlowRoutingTests.demand(
                    "SCALE-\(index)", "第\(index)号诉求：具体情况详见编号\(index * 7919)的来电记录", ["category": category.code])
                messages.append((Channel.twelve345.routingKey, Fixtures.json(body), "scale-\(index)"))
            }
            for chunk in stride(from: 0, to: messages.count, by: 500) {
                try await flow.adapter.publish(Array(messages[chunk..<min(chunk + 500, messages.count)]))
            }
            let total = expected.values.reduce(0, +)
            try await flow.events.waitFor("2,000 dispatch rounds", timeout: .seconds(120)) { _ in
                flow.events.of(.ticketDispatched).count >= Self.tickets
            }
            let rounds = flow.events.of(.ticketDispatched)
            #expect(rounds.count == Self.tickets)
            #expect(Set(rounds.compactMap { $0["ticket_no"] as? String }).count == Self.tickets, "one round per ticket")
            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM assignments") == total)

            // Every department queue holds exactly its assignments, each once.
            for (department, count) in expected {
                let deadline = ContinuousClock.now + .seconds(60)
                var received: [[String: Any]] = []
                while ContinuousClock.now < deadline {
                    received = try await flow.desk.drain(department, milliseconds: 300)
                    if received.count >= count { break }
                }
                try await flow.desk.drain(department, milliseconds: 500)
                received = try await flow.desk.drain(department, milliseconds: 100)
                #expect(received.count == count, "dept.\(department): \(received.count) messages for \(count) assignments")
                #expect(Set(received.compactMap { $0["assignment_id"] as? String }).count == count, "dept.\(department): no duplicates")
            }

            // 80 % of the 2 h acknowledgement window: one due_soon per assignment, fired by either instance.
            try flow.setClock("2026-11-18T11:36:00+08:00")
            try await flow.events.waitFor("\(total) due_soon", timeout: .seconds(120)) { _ in
                flow.events.of(.assignmentDueSoon).count >= total
            }
            // The window's end: one overdue per assignment, one street escalation per ticket.
            try flow.setClock("2026-11-18T12:00:00+08:00")
            try await flow.events.waitFor("\(Self.tickets) escalations", timeout: .seconds(120)) { _ in
                flow.events.of(.assignmentOverdue).count >= total && flow.events.of(.ticketEscalated).count >= Self.tickets
            }
            try await Task.sleep(for: .seconds(2))
            try await flow.events.drain(milliseconds: 500)
            let soon = flow.events.of(.assignmentDueSoon).compactMap { $0.data["assignment_id"] as? String }
            #expect(soon.count == total && Set(soon).count == total, "each due_soon timer fired once")
            let late = flow.events.of(.assignmentOverdue).compactMap { $0.data["assignment_id"] as? String }
            #expect(late.count == total && Set(late).count == total, "each overdue timer fired once")
            let escalated = flow.events.of(.ticketEscalated).compactMap { $0["ticket_no"] as? String }
            #expect(escalated.count == Self.tickets && Set(escalated).count == Self.tickets)
            // Both acknowledge clocks ran to their end on every assignment's own row; none wrote a timer row.
            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM assignments WHERE ack_stage = 2") == total)
            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM timers") == 0)
            print("\(total) assignments over \(Self.tickets) tickets, their clocks fired by two dispatcher instances")
        }
    }
}
