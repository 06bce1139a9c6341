import Foundation
import Testing
import WhistleMessages
import WhistleRuntime

@testable import EvaluatorService

/// The filters of GeoReport v2 `GET requests.json` (Open311RequestFilter): defaults, the 90-day
/// span, lists, and every problem reported at once.
@Suite("Open311 request filters")
struct Open311FilterTests {
    static let now = RFC3339.parse("2026-11-21T12:00:00+08:00")!
    static let codes: Set = ["SZSS-JGPS", "SRHJ-ZDJY"]

    func parse(_ query: [String: String]) throws -> Open311RequestFilter {
        try Open311RequestFilter.parse(query, now: Self.now, serviceCodes: Self.codes)
    }

    func problems(_ query: [String: String]) -> [String] {
        do {
            _ = try parse(query)
            return []
        } catch let error as Open311Error {
            #expect(error.status == .badRequest)
            return error.descriptions
        } catch {
            Issue.record(error)
            return []
        }
    }

    @Test("no filter: the last 90 days, every service and status; empty parameters count as absent")
    func defaults() throws {
        for query in [[:], ["service_code": "", "status": "", "start_date": "", "end_date": "", "service_request_id": ""]] {
            let filter = try parse(query)
            #expect(filter.ids == nil && filter.serviceCodes.isEmpty && filter.statuses.isEmpty)
            #expect(filter.end == Self.now && filter.start == Self.now.addingTimeInterval(-90 * 86_400))
        }
    }

    @Test("one date alone reaches 90 days from or up to it; both may span exactly 90 days")
    func dates() throws {
        let start = RFC3339.parse("2026-08-01T00:00:00Z")!
        let fromStart = try parse(["start_date": "2026-08-01T00:00:00Z"])
        #expect(fromStart.start == start && fromStart.end == start.addingTimeInterval(90 * 86_400))
        let upToEnd = try parse(["end_date": "2026-08-01T08:00:00+08:00"])
        #expect(upToEnd.end == start && upToEnd.start == start.addingTimeInterval(-90 * 86_400))
        let both = try parse(["start_date": "2026-08-01T00:00:00Z", "end_date": "2026-10-30T00:00:00Z"])
        #expect(both.start == start && both.end.timeIntervalSince(both.start) == 90 * 86_400)
        // A `+` the client did not percent-encode arrives as a space.
        #expect(try parse(["start_date": "2026-08-01T08:00:00 08:00"]).start == start)
    }

    @Test("lists are comma separated; service_request_id keeps its order")
    func lists() throws {
        let filter = try parse([
            "service_request_id": "W20261121-000002,W20261121-000001", "service_code": "SZSS-JGPS, SRHJ-ZDJY", "status": "open,closed",
        ])
        #expect(filter.ids == ["W20261121-000002", "W20261121-000001"])
        #expect(filter.serviceCodes == ["SZSS-JGPS", "SRHJ-ZDJY"] && filter.statuses == [.open, .closed])
        #expect(try parse(["status": "closed"]).statuses == [.closed])
    }

    @Test("every bad value is one problem of the same 400")
    func everyProblem() {
        let found = problems([
            "start_date": "2026-08-01", "end_date": "yesterday", "status": "pending,open", "service_code": "SZSS",
            "service_request_id": "W20261121-000001,12345",
        ])
        #expect(found.count == 5, "\(found)")
        for word in ["start_date", "end_date", "\"pending\"", "\"SZSS\"", "\"12345\""] {
            #expect(found.contains { $0.contains(word) }, "\(word) in \(found)")
        }
    }

    @Test("a span over 90 days, or an end before the start, is refused")
    func spans() {
        #expect(
            problems(["start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"]) == [
                "start_date to end_date spans more than 90 days"
            ])
        #expect(problems(["start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"]) == ["start_date is after end_date"])
        #expect(problems(["start_date": "2026-02-30T00:00:00Z"]).count == 1, "an impossible date")
        #expect(problems(["start_date": "2026-02-01T00:00:00"]).count == 1, "no offset")
    }

    @Test("the jurisdiction, base URL and contact come from WHISTLE_OPEN311_*; none is required")
    func configuration() throws {
        let secret = ["WHISTLE_API_JWT_SECRET": String(repeating: "s", count: 32)]
        #expect(try EvaluatorConfiguration(environment: secret).open311 == Open311Configuration())
        let set = try EvaluatorConfiguration(
            environment: secret.merging([
                "WHISTLE_OPEN311_JURISDICTION": "xishan.km.gov.cn", "WHISTLE_OPEN311_BASE_URL": "https://api.city.gov/open311/v2/",
                "WHISTLE_OPEN311_CONTACT": "西山区12345",
            ]) { $1 }
        ).open311
        #expect(
            set == Open311Configuration(jurisdiction: "xishan.km.gov.cn", baseURL: "https://api.city.gov/open311/v2", contact: "西山区12345"))
        #expect {
            try EvaluatorConfiguration(environment: secret.merging(["WHISTLE_OPEN311_BASE_URL": "ftp://x"]) { $1 })
        } throws: { ($0 as? ConfigurationError)?.variable == "WHISTLE_OPEN311_BASE_URL" }
    }
}
