import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// The real Open311 client: `georeport` 0.3.1 from PyPI lists the services, reads a definition
/// and reads back the published tickets with the standard's filters; what it got validates
/// against the same schemas and carries no personal data.
extension Open311ReadTests {
    @Test func aRealOpen311ClientListsTheServicesAndReadsBackTheRequests() async throws {
        try await Self.run("open311-client") { flow, reader, published in
            let recent = published.recent.map(\.number)
            func call(_ name: String, _ method: String, _ args: [String: Any] = [:]) -> [String: Any] {
                ["name": name, "method": method, "args": args]
            }
            var calls = [
                call("services", "get_service_list"), call("definition", "get_service_definition", ["service_code": "SZSS-JGPS"]),
                call("all", "get_service_requests"), call("closed", "get_service_requests", ["status": "closed"]),
                call("open", "get_service_requests", ["status": "open"]),
                call("by_code", "get_service_requests", ["service_code": "SZSS-JGPS,SZSS-LDGZ"]),
                call("by_id", "get_service_requests", ["service_request_id": "\(published.old.number),\(published.petition)"]),
                call(
                    "range", "get_service_requests",
                    ["start_date": "2026-07-31T00:00:00+08:00", "end_date": "2026-08-02T00:00:00+08:00"]),
                call("bad_dates", "get_service_requests", ["start_date": "2026-08-01", "end_date": "later"]),
                call("petition", "get_service_request", ["service_request_id": published.petition]),
                call("unknown_service", "get_service_definition", ["service_code": "NO-SUCH"]),
            ]
            calls += recent.map { call("one \($0)", "get_service_request", ["service_request_id": $0]) }
            let answers = try await GeoReportClient.call(root: reader.base, jurisdiction: Self.jurisdiction, calls)
            reader.record("open311_client.py", String(decoding: try JSONSerialization.data(withJSONObject: answers), as: UTF8.self))
            func result(_ name: String, _ schema: String) throws -> JSONValue {
                let found = try #require(answers[name]?["result"], "\(name): \(answers[name] ?? [:])")
                let value = try JSONParser().parse(try JSONSerialization.data(withJSONObject: found, options: .fragmentsAllowed))
                try reader.validate(value, schema, "the client's \(name)")
                return value
            }
            func failed(_ name: String) -> Int? { (answers[name]?["error"] as? [String: Any])?["status"] as? Int }

            let services = try result("services", "services.schema.json").arrayValue ?? []
            let leaves = try await flow.sandbox.count(
                "SELECT count(*)::int FROM categories c WHERE NOT EXISTS (SELECT 1 FROM categories k WHERE k.parent_code = c.code)")
            #expect(services.count == leaves && services.contains { $0["service_code"] == "SZSS-JGPS" })
            #expect(try result("definition", "service-definition.schema.json") == ["service_code": "SZSS-JGPS", "attributes": []])
            #expect(try result("all", "requests.schema.json").requestIds == recent)
            #expect(try result("closed", "requests.schema.json").requestIds == [published.closed.number])
            #expect(try result("open", "requests.schema.json").requestIds == recent.filter { $0 != published.closed.number })
            #expect(try result("by_code", "requests.schema.json").requestIds == [published.hotline.number, published.call.number])
            #expect(try result("by_id", "requests.schema.json").requestIds == [published.old.number], "no petition")
            #expect(try result("range", "requests.schema.json").requestIds == [published.old.number])
            for ticket in published.recent {
                let one = try result("one \(ticket.number)", "requests.schema.json#/$defs/request")
                #expect(one["service_request_id"]?.stringValue == ticket.number)
                #expect(one["status"]?.stringValue == (ticket.closed ? "closed" : "open"))
                #expect(one["description"]?.stringValue == PersonalData.maskText(ticket.content))
            }
            #expect(failed("bad_dates") == 400 && failed("petition") == 404 && failed("unknown_service") == 404, "\(answers)")
            for name in ["bad_dates", "petition", "unknown_service"] {
                let body = (answers[name]?["error"] as? [String: Any])?["body"] as? String ?? ""
                try reader.validate(try JSONParser().parse(body), "errors.schema.json", "the client's \(name) error")
            }

            // A client of another jurisdiction is refused.
            let elsewhere = try await GeoReportClient.call(
                root: reader.base, jurisdiction: "other.example.gov", [call("services", "get_service_list")])
            #expect((elsewhere["services"]?["error"] as? [String: Any])?["status"] as? Int == 404, "\(elsewhere)")
        }
    }
}
