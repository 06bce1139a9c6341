import Foundation
import Testing
import WhistleMessages

/// Issue 16, end to end with the real Open311 client: a request POSTed over GeoReport v2 and a
/// call published over AMQP on the same matter become one ticket; the `georeport` client sees it
/// `open`, then `closed` once the departments have finished and the citizen has answered. Every
/// GeoReport answer of the test is scanned for the callers' names and phone numbers.
@Suite(.serialized) struct Open311LifecycleTests {
    static let start = "2026-11-18T10:00:00+08:00"
    static let phones = ["13912345678", "13800001234"]
    static let names = ["赵建国", "钱小红"]

    @Test("an Open311 request and an AMQP call on the same matter merge; the Open311 client sees the ticket open, then closed")
    func mergeOpenThenClosed() async throws {
        try await FlowHarness.run("open311-lifecycle", start: Self.start) { flow in
            let gateway = GatewayClient(flow: flow)
            let key = try await gateway.register(["open311", "clients", "add", "city-portal", "--name", "市民网站"])

            // The call comes first, over AMQP, with coordinates only.
            let call = try await flow.publish(
                .twelve345,
                [
                    "external_id": "12345-O311-1", "submitted_at": Self.start, "category": "SZSS-JGPS",
                    "content": "望江大道井盖松动，车辆经过哐哐响，我的电话\(Self.phones[0])",
                    "location": ["lat": 24.9915, "lon": 102.7030], "reporter": ["name": Self.names[0], "phone": Self.phones[0]],
                ])
            let ticketNo = try #require(call["ticket_no"] as? String)

            // The same matter from the city's web portal, a few metres away.
            let posted = try await gateway.postRequest([
                ("api_key", key), ("service_code", "SZSS-JGPS"), ("lat", "24.99152"), ("long", "102.70302"),
                ("description", "望江大道井盖松动，车辆经过哐哐响得厉害"), ("first_name", "小红"), ("last_name", "钱"),
                ("phone", Self.phones[1]), ("email", "qian@example.com"), ("external_id", "portal-0001"),
            ])
            #expect(posted.status == 201, "\(posted.text)")
            let answer = try #require(posted.array.first)
            var requestId = answer["service_request_id"] as? String
            if requestId == nil, let token = answer["token"] as? String {
                // Still queued: the token tells the ticket once intake has stored the demand.
                for _ in 0..<100 where requestId == nil {
                    try await Task.sleep(for: .milliseconds(100))
                    requestId =
                        (try await gateway.send("GET", "/open311/v2/tokens/\(token).json")).array.first?["service_request_id"] as? String
                }
            }
            #expect(requestId == ticketNo, "the Open311 request joined the call's ticket (并单)")
            let merged = try await flow.events.waitFor("ticket.merged from open311") { all in
                all.contains { $0["type"] as? String == "ticket.merged" && $0["ticket_no"] as? String == ticketNo }
            }
            let source = (merged.first { $0["type"] as? String == "ticket.merged" })?.data["source"] as? [String: Any]
            #expect(source?["via"] as? String == "open311")
            #expect(source?["adapter"] as? String == "city-portal")
            #expect(source?["channel"] as? String == "12345")

            let root = "\(gateway.base)/open311/v2"
            let open = try await GeoReportClient.call(
                root: root, jurisdiction: nil, [["name": "one", "method": "get_service_request", "args": ["service_request_id": ticketNo]]])
            let seenOpen = try #require(open["one"]?["result"] as? [String: Any], "\(open)")
            #expect(seenOpen["status"] as? String == "open")
            #expect(seenOpen["service_code"] as? String == "SZSS-JGPS")
            #expect(seenOpen["agency_responsible"] as? String != nil)

            // The departments do the work; the citizen answers the survey.
            let round = try await flow.event(.ticketDispatched, ticket: ticketNo)
            let assignments = (round.data["assignments"] as? [[String: Any]]) ?? []
            #expect(assignments.count == 3)
            for assignment in assignments {
                let department = try #require(assignment["department"] as? String)
                let id = try #require(assignment["assignment_id"] as? String)
                try await flow.desk.reply(department, id, "acknowledge")
                try await flow.desk.reply(department, id, "complete", ["result": "已更换井盖并加固"])
            }
            try await flow.event(.ticketResolved, ticket: ticketNo)
            let feedback: [String: Any] = ["ticket_no": ticketNo, "satisfaction": "satisfied", "resolved": true]
            try await flow.adapter.publish([(IntakeRoutingKey.feedback, Fixtures.json(feedback), UUID().uuidString)])
            try await flow.event(.ticketClosed, ticket: ticketNo)

            let closed = try await GeoReportClient.call(
                root: root, jurisdiction: nil,
                [
                    ["name": "one", "method": "get_service_request", "args": ["service_request_id": ticketNo]],
                    ["name": "closed", "method": "get_service_requests", "args": ["status": "closed"]],
                    ["name": "services", "method": "get_service_list", "args": [String: Any]()],
                ])
            let seenClosed = try #require(closed["one"]?["result"] as? [String: Any], "\(closed)")
            #expect(seenClosed["status"] as? String == "closed")
            let closedList = (closed["closed"]?["result"] as? [[String: Any]]) ?? []
            #expect(closedList.contains { $0["service_request_id"] as? String == ticketNo })
            #expect(((closed["services"]?["result"] as? [[String: Any]]) ?? []).contains { $0["service_code"] as? String == "SZSS-JGPS" })

            // Nothing personal in anything the Open311 side answered.
            let everything = "\(posted.text)\(open)\(closed)"
            for secret in Self.phones + Self.names + ["qian@example.com", "小红"] {
                #expect(!everything.contains(secret), "an Open311 answer carried \(secret)")
            }
        }
    }
}
