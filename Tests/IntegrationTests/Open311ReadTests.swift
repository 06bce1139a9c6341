import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// Open311 GeoReport v2, the read side (CONTRACT §9), end to end: demands of every channel go
/// through the whole flow, then GeoReport serves discovery, the services, their definitions and
/// the tickets as service requests — public, JSON only, every response valid against the
/// GeoReport v2 schemas (docs/schemas/open311), and none carrying a reporter, a phone number or a
/// petition. The second test reads the same through a real Open311 client (`georeport`, PyPI).
@Suite(.serialized) struct Open311ReadTests {
    static let jurisdiction = "xishan.km.example.gov.cn"

    /// Runs the flow with the evaluator serving `jurisdiction`, publishes the demands, then `body`.
    static func run(
        _ label: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (FlowHarness, GeoReportReader, PublishedDemands) async throws -> Void
    ) async throws {
        try await FlowHarness.run(label, start: oldStart, sourceLocation: sourceLocation) { flow in
            try await flow.killAndRestart("evaluator", extra: ["WHISTLE_OPEN311_JURISDICTION": jurisdiction])
            let published = try await publishDemands(flow)
            let reader = GeoReportReader(port: flow.port("evaluator"))
            try await body(flow, reader, published)
            reader.scan(for: published.forbidden)
        }
    }

    @Test func geoReportServesPublicTicketsAsServiceRequestsAndNeverAPersonOrAPetition() async throws {
        try await Self.run("open311-read") { flow, reader, published in
            try await Self.discoveryAndServices(flow, reader)
            try await Self.requests(flow, reader, published)
            try await Self.filters(reader, published)
            try await Self.errors(reader, published)
            try await Self.limit(flow, reader)
            #expect(reader.bodies.count >= 40, "the scan reads every response: \(reader.bodies.count)")
        }
    }

    static func discoveryAndServices(_ flow: FlowHarness, _ reader: GeoReportReader) async throws {
        let (status, discovery) = try await reader.get("/discovery.json", "discovery.schema.json")
        let endpoint = discovery["endpoints"]?[0]
        #expect(status == 200 && endpoint?["url"]?.stringValue == reader.base, "the URL from the Host header: \(discovery)")
        #expect(endpoint?["specification"] == "http://wiki.open311.org/GeoReport_v2" && endpoint?["formats"] == ["application/json"])

        let (listed, services) = try await reader.get("/services.json", "services.schema.json")
        let leaves = try await flow.sandbox.count(
            "SELECT count(*)::int FROM categories c WHERE NOT EXISTS (SELECT 1 FROM categories k WHERE k.parent_code = c.code)")
        let all = services.arrayValue ?? []
        #expect(listed == 200 && all.count == leaves && leaves > 20, "one service per leaf category")
        let manhole = all.first { $0["service_code"] == "SZSS-JGPS" }
        #expect(manhole?["service_name"] == "井盖缺失破损" && manhole?["group"] == "市政设施", "\(String(describing: manhole))")
        #expect(manhole?["metadata"] == false && manhole?["type"] == "realtime")
        #expect(manhole?["keywords"]?.stringValue?.contains("井盖") == true)
        #expect(!all.contains { $0["service_code"] == "SZSS" }, "a parent category is a group, not a service")

        let (defined, definition) = try await reader.get("/services/SZSS-JGPS.json", "service-definition.schema.json")
        #expect(defined == 200 && definition == ["service_code": "SZSS-JGPS", "attributes": []])
        try await reader.failure("/services/SZSS.json", 404)
        try await reader.failure("/services/NO-SUCH.json", 404)
        for path in ["/services.xml", "/discovery.xml", "/services/SZSS-JGPS.xml", "/requests.xml"] {
            let said = try await reader.failure(path, 400)
            #expect(said.first?.contains("json") == true, "\(path): \(said)")
        }
        try await reader.failure("/nothing.json", 404)
    }

    static func requests(_ flow: FlowHarness, _ reader: GeoReportReader, _ published: PublishedDemands) async throws {
        let (status, list) = try await reader.get("/requests.json", "requests.schema.json")
        #expect(status == 200 && list.requestIds == published.recent.map(\.number), "newest first, the last 90 days: \(list.requestIds)")
        for ticket in published.recent {
            let (one, body) = try await reader.get("/requests/\(ticket.number).json", "requests.schema.json")
            let request = try #require(body[0])
            #expect(one == 200 && body.arrayValue?.count == 1 && list.arrayValue?.contains(request) == true, "\(ticket.number)")
            #expect(request["status"]?.stringValue == (ticket.closed ? "closed" : "open"))
            #expect(request["service_code"]?.stringValue == ticket.category && request["service_name"]?.stringValue?.isEmpty == false)
            #expect(request["description"]?.stringValue == PersonalData.maskText(ticket.content))
            let lead = ticket.lead
            let agency = try await flow.sandbox.withDatabase { connection in
                try connection.query("SELECT name FROM departments WHERE code = $1", [lead])[0].decode(0, as: String.self)
            }
            #expect(request["agency_responsible"]?.stringValue == agency)
            #expect(instant(request["expected_datetime"]) == ticket.resolveDue, "the lead's resolve deadline")
            let requested = try #require(instant(request["requested_datetime"]))
            #expect(requested == FlowRoutingTests.instant(Self.now) && instant(request["updated_datetime"]).map { $0 >= requested } == true)
            #expect(request["requested_datetime"]?.stringValue?.hasSuffix("+08:00") == true, "in the deployment's offset")
            #expect(request["media_url"] == nil && request["service_notice"]?.stringValue?.isEmpty == false)
        }
        let call = try #require(try await reader.get("/requests/\(published.call.number).json", "requests.schema.json").body[0])
        #expect(call["address"] == "望江大道88号" && call["lat"]?.doubleValue == 24.991 && call["long"]?.doubleValue == 102.702)
        let hotline = try #require(list.arrayValue?.first { $0["service_request_id"]?.stringValue == published.hotline.number })
        let masked = hotline["description"]?.stringValue ?? ""
        #expect(!masked.contains("13700001111") && masked.contains("137****1111"), "a phone in the content is masked: \(masked)")
        let closed = try #require(list.arrayValue?.first { $0["service_request_id"]?.stringValue == published.closed.number })
        #expect(closed["status_notes"]?.stringValue == PersonalData.maskText(Self.closingResult))
        #expect(closed["status_notes"]?.stringValue?.contains("13811112222") == false)
    }

    static func filters(_ reader: GeoReportReader, _ published: PublishedDemands) async throws {
        func ids(_ query: String) async throws -> [String] {
            let (status, body) = try await reader.get("/requests.json?\(query)", "requests.schema.json")
            #expect(status == 200, "\(query): \(body)")
            return body.requestIds
        }
        let open = published.recent.filter { !$0.closed }.map(\.number)
        #expect(try await ids("status=closed") == [published.closed.number])
        #expect(try await ids("status=open") == open)
        #expect(try await ids("status=open,closed") == published.recent.map(\.number))
        #expect(try await ids("service_code=SZSS-JGPS") == [published.call.number])
        #expect(try await ids("service_code=SZSS-JGPS,SZSS-LDGZ&status=open") == [published.hotline.number, published.call.number])
        #expect(try await ids("service_code=LDSB-SBJN&status=open") == [])
        // The id list overrides every other filter, the 90 days included; petitions and whistles are never there.
        let asked = [published.old.number, published.call.number, published.petition, published.whistle].joined(separator: ",")
        #expect(
            try await ids("service_request_id=\(asked)&status=closed&service_code=LDSB-SBJN") == [
                published.call.number, published.old.number,
            ])
        // Dates (a `+` offset percent-encoded as a client does), inclusive, at most 90 days.
        #expect(try await ids("start_date=2026-07-31T00:00:00Z&end_date=2026-08-02T00:00:00Z") == [published.old.number])
        #expect(try await ids("start_date=2026-07-31T00:00:00%2B08:00") == [published.old.number], "90 days from the start")
        #expect(try await ids("end_date=2026-11-18T10:00:00%2B08:00") == published.recent.map(\.number), "90 days up to the end")
        #expect(try await ids("end_date=2026-11-18T09:59:59%2B08:00") == [])
        // The jurisdiction: the configured one or none is served, another is 404.
        #expect(try await ids("jurisdiction_id=\(jurisdiction)") == published.recent.map(\.number))
        for path in ["/requests.json", "/services.json", "/requests/\(published.call.number).json", "/discovery.json"] {
            let said = try await reader.failure(path + "?jurisdiction_id=other.example.gov", 404)
            #expect(said.first?.contains("jurisdiction_id") == true, "\(path): \(said)")
        }
    }

    static func errors(_ reader: GeoReportReader, _ published: PublishedDemands) async throws {
        let said = try await reader.failure(
            "/requests.json?start_date=2026-08-01&end_date=tomorrow&status=pending,open&service_code=SZSS", 400)
        #expect(said.count == 4, "every problem: \(said)")
        for word in ["start_date", "end_date", "pending", "SZSS"] { #expect(said.contains { $0.contains(word) }, "\(word): \(said)") }
        #expect(
            try await reader.failure("/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-05-01T00:00:00Z", 400) == [
                "start_date to end_date spans more than 90 days"
            ])
        try await reader.failure("/requests.json?service_request_id=W2026,12345", 400)
        // A petition, a whistle, a number that does not exist and no number at all: the same 404.
        var answers: Set<[String]> = []
        for id in [published.petition, published.whistle, "W20991231-000001", "nothing"] {
            answers.insert(try await reader.failure("/requests/\(id).json", 404))
        }
        #expect(answers.count == 1, "\(answers)")
        try await reader.failure("/requests/\(published.call.number).xml", 400)
        // Public: no token needed here, while the rest of the API still wants one.
        #expect(try await HTTP.get("http://127.0.0.1:\(reader.port)/v1/tickets", token: nil).0 == 401)
    }

    /// At most the 1,000 most recent: 1,001 tickets inserted in one day of the range.
    static func limit(_ flow: FlowHarness, _ reader: GeoReportReader) async throws {
        try await flow.sandbox.withDatabase { connection in
            try connection.execute(
                """
                INSERT INTO ticket_facts (ticket_no, channel, category_code, urgency, content, opened_at)
                SELECT 'W20261001-' || lpad(g::text, 6, '0'), '12345', 'STHJ-ZSRM', 'normal', '批量诉求 ' || g,
                       timestamptz '2026-10-01T00:00:00+08:00' + g * interval '1 minute'
                FROM generate_series(1, 1001) g
                """)
        }
        let (status, body) = try await reader.get(
            "/requests.json?start_date=2026-09-30T00:00:00Z&end_date=2026-10-02T00:00:00Z", "requests.schema.json")
        let ids = body.requestIds
        #expect(status == 200 && ids.count == 1000 && ids.first == "W20261001-001001" && ids.last == "W20261001-000002", "\(ids.count)")
    }

    static func instant(_ value: JSONValue?) -> Date? { value?.stringValue.flatMap(FlowRoutingTests.instant) }
}
