import Foundation
import Testing
import WhistleMessages

/// End to end: the clocks fire at the right instants across 国庆 2026 (a weekend, the public
/// holidays and the 调休 Saturday 10-10), with the services' time moved by the test; and three
/// similar demands from three channels become one ticket that escalates as repeated.
@Suite(.serialized) struct FlowClockTests {
    /// Moves the clock to one second before `instant` and checks that nothing of `type` fired,
    /// then to `instant` and waits for it; returns the event.
    static func fires(
        _ flow: FlowHarness, _ type: EventType, ticket: String, at instant: String, count: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        let due = try #require(FlowRoutingTests.instant(instant))
        try flow.setClock(RFC3339.format(due.addingTimeInterval(-1)))
        try await Task.sleep(for: .milliseconds(1200))
        try await flow.events.drain(milliseconds: 300)
        #expect(
            flow.received(type, ticket: ticket).count == count - 1, "\(type.rawValue) not before \(instant)", sourceLocation: sourceLocation
        )
        try flow.setClock(instant)
        try await flow.event(type, ticket: ticket, sourceLocation: sourceLocation) { _ in flow.received(type, ticket: ticket).count >= count
        }
        let event = try #require(flow.received(type, ticket: ticket).last)
        #expect(
            FlowRoutingTests.instant(event["occurred_at"] as? String ?? "") == due, "\(type.rawValue) at \(instant)",
            sourceLocation: sourceLocation)
        return event
    }

    @Test func anUnansweredAssignmentWarnsGoesOverdueAndEscalatesAcrossTheNationalDayHolidays() async throws {
        // Wednesday 2026-09-30 16:00: 2 h to acknowledge, 5 working days to resolve — 10-08, 10-09,
        // 10-10 (调休 Saturday), 10-12, 10-13 — so due Tuesday 2026-10-13 16:00.
        try await FlowHarness.run("clocks", start: "2026-09-30T16:00:00+08:00") { flow in
            let demand = FlowRoutingTests.demand(
                "12345-CLK-1", "石桥社区3栋停水两天了，没有任何通知", ["category": "GSGD-TS", "location": ["grid": "G-QS-SQ-01"]],
                submittedAt: "2026-09-30T15:58:00+08:00")
            let ticketNo = try #require(try await flow.publish(.twelve345, demand)["ticket_no"] as? String)
            let round = try await flow.event(.ticketDispatched, ticket: ticketNo)
            let assignment = try #require(FlowRepliesTests.assignments(round).first)
            #expect(assignment["department"] as? String == "XS-SWJ")
            #expect(
                FlowRoutingTests.instant(assignment["ack_due"] as? String ?? "") == FlowRoutingTests.instant("2026-09-30T18:00:00+08:00"))
            #expect(
                FlowRoutingTests.instant(assignment["resolve_due"] as? String ?? "")
                    == FlowRoutingTests.instant("2026-10-13T16:00:00+08:00"))

            let ackSoon = try await Self.fires(flow, .assignmentDueSoon, ticket: ticketNo, at: "2026-09-30T17:36:00+08:00", count: 1)
            #expect(ackSoon.data["clock"] as? String == "acknowledge")
            let ackLate = try await Self.fires(flow, .assignmentOverdue, ticket: ticketNo, at: "2026-09-30T18:00:00+08:00", count: 1)
            #expect(ackLate.data["clock"] as? String == "acknowledge")
            let street = try await flow.event(.ticketEscalated, ticket: ticketNo)
            #expect(street.data["level"] as? String == "street" && street.data["department"] as? String == "QS-ZHZX")
            // The clocks are kept in the database: a dispatcher killed now loses none of them.
            try await flow.killAndRestart("dispatcher")
            // 80 % of the 13 calendar days the window spans: 10 d 9 h 36 min after the start.
            let resolveSoon = try await Self.fires(flow, .assignmentDueSoon, ticket: ticketNo, at: "2026-10-11T01:36:00+08:00", count: 2)
            #expect(resolveSoon.data["clock"] as? String == "resolve")
            let resolveLate = try await Self.fires(flow, .assignmentOverdue, ticket: ticketNo, at: "2026-10-13T16:00:00+08:00", count: 2)
            #expect(resolveLate.data["clock"] as? String == "resolve")
            let district = try await flow.event(.ticketEscalated, ticket: ticketNo) { $0.data["level"] as? String == "district" }
            #expect(district.data["department"] as? String == "XS-ZHZX" && district.data["reason"] as? String == "overdue")
            // Another full window (13 days) overdue: the city.
            let city = try await Self.fires(flow, .ticketEscalated, ticket: ticketNo, at: "2026-10-26T16:00:00+08:00", count: 3)
            #expect(city.data["level"] as? String == "city" && city.data["department"] as? String == "YC-ZHZX")
            try await Task.sleep(for: .milliseconds(800))
            try await flow.events.drain()
            #expect(flow.received(.assignmentDueSoon, ticket: ticketNo).count == 2, "each timer fired once")
            #expect(flow.received(.ticketEscalated, ticket: ticketNo).count == 3)
        }
    }

    @Test func threeSimilarDemandsFromThreeChannelsBecomeOneTicketAndEscalateAsRepeated() async throws {
        try await FlowHarness.run("merge", start: "2026-11-18T10:00:00+08:00") { flow in
            let place: [String: Any] = ["grid": "G-QS-SQ-02", "address": "青石路与书院街交叉口"]
            let first = try await flow.publish(
                .twelve345,
                FlowRoutingTests.demand("12345-M-1", "青石路与书院街交叉口路面塌陷出现大坑，车辆经过很危险", ["category": "SZSS-DLPS", "location": place]))
            let ticketNo = try #require(first["ticket_no"] as? String)
            #expect(first["type"] as? String == "ticket.accepted")
            let second = try await flow.publish(
                .hotline,
                [
                    "external_id": "12319-M-1", "submitted_at": "2026-11-18T10:20:00+08:00", "line": "12319", "category": "SZSS-DLPS",
                    "content": "青石路书院街交叉口路面塌陷有个大坑，车辆经过很危险", "location": place,
                    "reporter": ["name": "李四", "phone": "13900001111"],
                ])
            let third = try await flow.publish(
                .grid,
                [
                    "external_id": "GRID-M-1", "submitted_at": "2026-11-18T10:40:00+08:00", "category": "SZSS-DLPS",
                    "content": "青石路与书院街交叉口路面塌陷出现大坑，车辆经过危险", "location": place, "reporter": ["id": "GW-QS-SQ-02"],
                ])
            for (event, count) in [(second, 2), (third, 3)] {
                #expect(event["type"] as? String == "ticket.merged")
                #expect(event["ticket_no"] as? String == ticketNo)
                #expect(event.data["report_count"] as? Int == count)
            }
            let escalated = try await flow.event(.ticketEscalated, ticket: ticketNo)
            #expect(escalated.data["reason"] as? String == "repeated" && escalated.data["level"] as? String == "street")
            let reporters = try await flow.sandbox.count(
                "SELECT count(*)::int FROM demands d JOIN demand_reporters r ON r.demand_id = d.id WHERE d.ticket_no = $1", [ticketNo])
            #expect(reporters == 3, "every reporter is recorded for the result notice")
            #expect(try await flow.sandbox.count("SELECT count(*)::int FROM tickets") == 1)
            try await Task.sleep(for: .milliseconds(500))
            try await flow.events.drain()
            #expect(flow.received(.ticketDispatched, ticket: ticketNo).count == 1, "a merge dispatches nothing new")
        }
    }
}
