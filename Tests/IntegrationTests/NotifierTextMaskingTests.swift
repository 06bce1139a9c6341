import Foundation
import Testing
import WhistleMessages

/// Phone and ID numbers that a citizen or a department wrote into free text reach, in a
/// notification, only the lead department in clear (CONTRACT §8); co-departments, citizens and
/// supervisors get them masked, in what is delivered and in what is stored.
@Suite(.serialized) struct NotifierTextMaskingTests {
    static let numbers = ["13912345678", "0871-65123456", "530102199001011234"]
    static let masked = ["139****5678", "0871****3456", "530***********1234"]
    static let title = "井盖松动，目击者13912345678，物业0871-65123456，身份证530102199001011234"

    static func clear(_ text: String) -> Bool { numbers.allSatisfy(text.contains) }
    static func hidden(_ text: String) -> Bool { masked.allSatisfy(text.contains) && !numbers.contains { text.contains($0) } }

    static func first(_ bodies: [[String: Any]], _ ticketNo: String, _ template: String) -> [String: Any]? {
        bodies.first { $0["ticket_no"] as? String == ticketNo && $0["template"] as? String == template }
    }

    @Test func theLeadReadsTheNumbersAndCoDepartmentsCitizensAndSupervisorsReadThemMasked() async throws {
        let sink = try WebhookSinkProcess(secret: NotifierFlowTests.secret)
        defer { sink.stop() }
        try await sink.waitListening()
        try await FlowHarness.run("textmask", start: FlowRoutingTests.start, notifier: NotifierFlowTests.environment(sink)) { flow in
            // 12345 on 望江大道: lead 城管, co 水务 and the community committee.
            let demand = FlowRoutingTests.demand(
                "12345-M-1", "望江大道井盖松动，车辆经过哐哐响", ["category": "SZSS-JGPS", "location": ["grid": "G-GL-WJ-02"], "title": Self.title])
            let ticketNo = try #require(try await flow.publish(.twelve345, demand)["ticket_no"] as? String)
            let notices = try await sink.waitFor("three assignment notices") { bodies in
                bodies.filter { $0["ticket_no"] as? String == ticketNo && $0["template"] as? String == "department_assignment" }.count == 3
            }.filter { $0["ticket_no"] as? String == ticketNo && $0["template"] as? String == "department_assignment" }
            #expect(Set(notices.compactMap { $0["recipient"] as? String }) == ["XS-CGJ", "XS-SWJ", "GL-WJ-JWH"])
            for body in notices {
                let text = body["text"] as? String ?? ""
                if body["recipient"] as? String == "XS-CGJ" {
                    #expect(Self.clear(text), "the lead: \(text)")
                } else {
                    #expect(Self.hidden(text), "a co-department: \(text)")
                }
            }

            // Every department completes; the lead's result carries the numbers to the citizen.
            let round = try await flow.event(.ticketDispatched, ticket: ticketNo)
            for department in ["XS-SWJ", "GL-WJ-JWH", "XS-CGJ"] {
                let id = try FlowRepliesTests.id(round, department)
                try await flow.desk.reply(department, id, "acknowledge")
                let result = department == "XS-CGJ" ? "已更换井盖，回访请拨13912345678或0871-65123456，经办人身份证530102199001011234" : "已配合处置"
                try await flow.desk.reply(department, id, "complete", ["result": result])
            }
            let results = try await sink.waitFor("the citizen's result") { bodies in
                NotifierFlowTests.texts(bodies, ticket: ticketNo).contains { $0.contains("citizen_result") }
            }
            let result = try #require(Self.first(results, ticketNo, "citizen_result"))
            #expect(Self.hidden(result["text"] as? String ?? ""), "the citizen: \(result["text"] ?? "")")

            // A demand that no rule routes goes to triage: the command center reads the title masked.
            var unrouted = FlowRoutingTests.demand("12345-M-2", "咨询一件事情，不知道该找谁", ["location": ["grid": "G-GL-WJ-02"], "title": Self.title])
            unrouted["category"] = nil
            let triaged = try #require(try await flow.publish(.twelve345, unrouted)["ticket_no"] as? String)
            let alerts = try await sink.waitFor("the supervisor's triage notice") { bodies in
                NotifierFlowTests.texts(bodies, ticket: triaged).contains { $0.contains("supervisor_triage") }
            }
            let alert = try #require(Self.first(alerts, triaged, "supervisor_triage"))
            #expect(Self.hidden(alert["text"] as? String ?? ""), "the supervisor: \(alert["text"] ?? "")")

            // What is stored is what was delivered: only the lead's rows hold a number in clear.
            let stored: [(String, String, String)] = try await flow.sandbox.withDatabase { connection in
                try connection.query(
                    "SELECT audience, recipient, text FROM notifications WHERE ticket_no = ANY($1::text[])", [[ticketNo, triaged]]
                ).map { (try $0.decode(0), try $0.decode(1), try $0.decode(2)) }
            }
            #expect(stored.contains { $0.1 == "XS-CGJ" && Self.clear($0.2) })
            for (audience, recipient, text) in stored where !(audience == "department" && recipient == "XS-CGJ") {
                #expect(!Self.numbers.contains { text.contains($0) }, "\(audience) \(recipient): \(text)")
            }
            #expect(stored.contains { $0.0 == "citizen" } && stored.contains { $0.0 == "supervisor" })
        }
    }
}
