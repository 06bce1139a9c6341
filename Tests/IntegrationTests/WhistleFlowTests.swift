import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// Whistles at every level (吹哨, CONTRACT §10) end to end over the wire, every service its own
/// broker user and strict: a street office, the district command center and the city command
/// center each blow a whistle as their own broker user; each opens its own ticket (channel
/// `whistle`, `whistler` set) that makes the whistler the lead and the named departments co, whose
/// assignments arrive on their `dept.<code>` queues. Wrong whistles are refused.
@Suite("Whistle flow", .serialized)
struct WhistleFlowTests {
    static let start = "2026-11-18T10:00:00+08:00"

    static func whistle(
        _ externalId: String, by: String, area: String, departments: [String], content: String = "农贸市场周边占道经营反复出现，多次劝导无效"
    ) -> [String: Any] {
        [
            "external_id": externalId, "submitted_at": start, "by": by, "area": area, "content": content,
            "departments": departments, "reason": "需多部门联合执法",
        ]
    }

    /// Publishes `body` as broker user `user` with routing key `key`; whether the broker confirmed it.
    static func publish(
        _ flow: FlowHarness, as user: String, _ body: [String: Any], id: String, key: String = "whistle"
    ) async throws
        -> Bool
    {
        let message = OutboundMessage(exchange: Exchange.intake, routingKey: key, body: Fixtures.json(body), messageId: id)
        return try await LeastPrivilegeTests.canPublish(flow.sandbox, user: user, message)
    }

    /// The outcome event of each message id, once all have one.
    static func outcomes(_ flow: FlowHarness, _ ids: [String]) async throws -> [String: [String: Any]] {
        let all = try await flow.events.waitFor("the outcomes of \(ids)") { events in
            ids.allSatisfy { id in events.contains { $0.sourceMessageId == id } }
        }
        var found: [String: [String: Any]] = [:]
        for id in ids { found[id] = all.first { $0.sourceMessageId == id } }
        return found
    }

    static func codes(_ event: [String: Any]?) -> [String] {
        ((event?.data["errors"] as? [[String: Any]]) ?? []).map { "\($0["field"] as? String ?? "nil") \($0["code"] as? String ?? "")" }
    }

    @Test func whistlesAtEveryLevelOpenTheirOwnTicketsLedByTheWhistler() async throws {
        try await FlowHarness.run("whistle-flow", start: Self.start, ownUsers: true) { flow in
            let levels: [(user: String, id: String, body: [String: Any], lead: String, co: [String])] = [
                (
                    "dept-QS-JDB", "wf-street",
                    Self.whistle("QS-W-1", by: "QS-JDB", area: "G-QS-SQ-01", departments: ["XS-CGJ", "XS-SCJG"]),
                    "QS-JDB", ["XS-CGJ", "XS-SCJG"]
                ),
                (
                    "dept-XS-ZHZX", "wf-district",
                    Self.whistle("XS-W-1", by: "XS-ZHZX", area: "S-FL", departments: ["XS-SWJ", "FL-JDB"], content: "枫林街道内涝点排水不畅"),
                    "XS-ZHZX", ["XS-SWJ", "FL-JDB"]
                ),
                (
                    "dept-YC-ZHZX", "wf-city",
                    Self.whistle("YC-W-1", by: "YC-ZHZX", area: "D-XS", departments: ["YC-ZJJ", "XS-ZJJ"], content: "西山区老旧小区外墙脱落隐患"),
                    "YC-ZHZX", ["YC-ZJJ", "XS-ZJJ"]
                ),
            ]
            for level in levels {
                #expect(try await Self.publish(flow, as: level.user, level.body, id: level.id), "\(level.user) may publish a whistle")
            }
            let accepted = try await Self.outcomes(flow, levels.map(\.id))
            for level in levels {
                let event = try #require(accepted[level.id])
                #expect(event["type"] as? String == "ticket.accepted", "\(level.id): \(Self.codes(event))")
                let source = event.data["source"] as? [String: Any]
                #expect(source?["channel"] as? String == "whistle")
                #expect(source?["external_id"] as? String == level.body["external_id"] as? String)
                #expect(event.data["whistler"] as? String == level.lead)
                #expect(event.data["area"] as? String == level.body["area"] as? String)
                let ticketNo = try #require(event["ticket_no"] as? String)
                let round = FlowRoutingTests.dispatched(try await flow.event(.ticketDispatched, ticket: ticketNo))
                #expect(round.map(\.department) == [level.lead] + level.co)
                #expect(round.map(\.role) == ["lead"] + level.co.map { _ in "co" })
                #expect(round.allSatisfy { $0.ack == FlowRoutingTests.instant("2026-11-18T11:00:00+08:00") }, "the grid's 1 h")
                #expect(round.allSatisfy { $0.resolve == FlowRoutingTests.instant("2026-11-23T10:00:00+08:00") }, "3 working days")
                let lead = try await flow.desk.assignment(level.lead, ticket: ticketNo)
                #expect(lead["role"] as? String == "lead" && lead["co_departments"] as? [String] == level.co)
                #expect((lead["whistle"] as? [String: Any])?["by"] as? String == level.lead)
                for department in level.co {
                    let co = try await flow.desk.assignment(department, ticket: ticketNo)
                    #expect(co["role"] as? String == "co" && co["lead_department"] as? String == level.lead)
                }
                let facts = try await flow.sandbox.withDatabase { connection in
                    try connection.query(
                        "SELECT channel || ' ' || area_code || ' ' || (whistle ->> 'by') FROM ticket_facts WHERE ticket_no = $1", [ticketNo]
                    ).map { try $0.decode(0, as: String.self) }
                }
                #expect(facts == ["whistle \(level.body["area"] as? String ?? "") \(level.lead)"])
            }
            let street = try #require(accepted["wf-street"]?["ticket_no"] as? String)

            // A grid report's whistle: its whistler is the street office of the grid's street.
            let grid: [String: Any] = [
                "external_id": "WF-GRID-1", "submitted_at": Self.start, "content": "红枫路菜市场门口占道经营，多次劝导无效",
                "location": ["grid": "G-FL-HF-01"], "reporter": ["id": "GW-FL-HF-01"],
                "whistle": ["departments": ["XS-CGJ"], "reason": "需城管执法"],
            ]
            #expect(try await Self.publish(flow, as: "adapter-grid", grid, id: "wf-grid", key: "demand.grid"))

            // Refusals: a bureau may not whistle, nor whistle outside its area, nor as another.
            #expect(
                try await !Self.publish(
                    flow, as: "dept-XS-CGJ", Self.whistle("CG-W-1", by: "XS-CGJ", area: "D-XS", departments: ["XS-GA"]), id: "wf-bureau"),
                "the broker refuses a bureau's whistle")
            let refusals: [(user: String, id: String, body: [String: Any], errors: [String])] = [
                (
                    "whistle-admin", "wf-not-whistler", Self.whistle("CG-W-2", by: "XS-CGJ", area: "D-XS", departments: ["XS-GA"]),
                    ["by not_allowed"]
                ),
                (
                    "dept-QS-JDB", "wf-outside", Self.whistle("QS-W-2", by: "QS-JDB", area: "G-FL-HF-01", departments: ["XS-CGJ"]),
                    ["area not_allowed"]
                ),
                (
                    "dept-QS-JDB", "wf-as-other", Self.whistle("XS-W-2", by: "XS-ZHZX", area: "S-QS", departments: ["XS-CGJ"]),
                    ["nil not_allowed"]
                ),
                (
                    "dept-QS-JDB", "wf-self", Self.whistle("QS-W-3", by: "QS-JDB", area: "S-QS", departments: ["QS-JDB", "NOPE"]),
                    ["departments[0] not_allowed", "departments[1] unknown_code"]
                ),
            ]
            for refusal in refusals {
                #expect(try await Self.publish(flow, as: refusal.user, refusal.body, id: refusal.id))
            }
            // The same external_id again: a duplicate of the first ticket.
            #expect(
                try await Self.publish(
                    flow, as: "dept-QS-JDB", Self.whistle("QS-W-1", by: "QS-JDB", area: "S-QS", departments: ["XS-GA"]), id: "wf-again"))
            let answered = try await Self.outcomes(flow, refusals.map(\.id) + ["wf-grid", "wf-again"])
            for refusal in refusals {
                let event = answered[refusal.id]
                #expect(event?["type"] as? String == "demand.rejected", "\(refusal.id)")
                #expect((event?.data["source"] as? [String: Any])?["channel"] as? String == "whistle")
                #expect(Self.codes(event) == refusal.errors, "\(refusal.id)")
            }
            #expect(answered["wf-again"]?["type"] as? String == "demand.duplicate")
            #expect(answered["wf-again"]?["ticket_no"] as? String == street)
            let gridEvent = answered["wf-grid"]
            #expect(gridEvent?["type"] as? String == "ticket.accepted")
            #expect(gridEvent?.data["whistler"] as? String == "FL-JDB")

            // Every whistle is stored, raw body included, under channel whistle.
            let stored = try await flow.sandbox.withDatabase { connection in
                try connection.query(
                    """
                    SELECT outcome, count(*)::int FROM demands
                    WHERE channel = 'whistle' AND routing_key = 'whistle' AND raw_body IS NOT NULL GROUP BY outcome ORDER BY outcome
                    """
                ).map { "\(try $0.decode(0, as: String.self)) \(try $0.decode(1, as: Int.self))" }
            }
            #expect(stored == ["accepted 3", "duplicate 1", "rejected 4"])
            #expect(flow.events.of(.ticketMerged).isEmpty, "a whistle never merges")
        }
    }
}
