import Foundation
import Testing

extension EvaluatorHotspotTests {
    /// The read API's errors, paging and export, on whatever the flow holds.
    static func readAPI(_ flow: FlowHarness, _ base: String) async throws {
        // Errors: a status, and {error: {code, message}}.
        for (path, status, code) in [
            ("/v1/scores?from=2026-13-01", 400, "invalid_date"), ("/v1/scores?from=2026-11-20&to=2026-11-01", 400, "invalid_range"),
            ("/v1/scores?sort=best", 400, "invalid_sort"), ("/v1/scores?limit=0", 400, "invalid_limit"),
            ("/v1/hotspots?window=2w", 400, "invalid_window"), ("/v1/tickets?status=lost", 400, "invalid_status"),
            ("/v1/tickets?before=yesterday", 400, "invalid_cursor"), ("/v1/tickets?overdue=maybe", 400, "invalid_value"),
            ("/v1/tickets/W20991231-000001", 404, "not_found"), ("/v1/nothing-here", 404, "not_found"),
        ] {
            let (got, body) = try await HTTP.json(base + path)
            let error = (body as? [String: Any])?["error"] as? [String: Any]
            #expect(got == status && error?["code"] as? String == code, "\(path): \(got) \(String(describing: body))")
            #expect(((error?["message"] as? String) ?? "").count > 10, "\(path) explains itself")
        }

        // Tickets, newest first, page by page with the cursor, each exactly once.
        let total = try await flow.sandbox.count("SELECT count(*) FROM tickets")
        var seen: [String] = []
        var cursor: String?
        for _ in 0..<20 {
            let (status, body) = try await HTTP.json(base + "/v1/tickets?limit=25" + (cursor.map { "&before=\($0)" } ?? ""))
            #expect(status == 200)
            let page = try #require(body as? [String: Any])
            seen += ((page["tickets"] as? [[String: Any]]) ?? []).compactMap { $0["ticket_no"] as? String }
            cursor = page["next_before"] as? String
            if cursor == nil { break }
        }
        #expect(seen.count == total && Set(seen).count == total && seen == seen.sorted(by: >), "\(seen.count) of \(total)")
        let (_, escalated) = try await HTTP.json(base + "/v1/tickets?escalated=true&limit=200")
        let repeated = ((escalated as? [String: Any])?["tickets"] as? [[String: Any]]) ?? []
        let open = try await flow.sandbox.count(
            "SELECT count(*) FROM tickets WHERE escalation_level IS NOT NULL AND status NOT IN ('closed', 'rejected')")
        #expect(open >= 1 && repeated.count == open, "every open escalated ticket: the burst gathered 3 demands, the rest ran out of time")
        #expect(repeated.allSatisfy { $0["escalation_level"] as? String != nil })

        // Scores with paging, and the same report as CSV.
        let (_, all) = try await HTTP.json(base + "/v1/scores?from=2026-11-01&to=2026-11-30")
        let lines = ((all as? [String: Any])?["departments"] as? [[String: Any]]) ?? []
        #expect(lines.count >= 30)
        let (_, first) = try await HTTP.json(base + "/v1/scores?from=2026-11-01&to=2026-11-30&limit=10")
        #expect(
            ((first as? [String: Any])?["departments"] as? [Any])?.count == 10 && (first as? [String: Any])?["next_offset"] as? Int == 10)
        // One department day by day: the days add up to the month.
        let (dailyStatus, dailyBody) = try await HTTP.json(base + "/v1/scores/XS-CGJ/daily?from=2026-11-01&to=2026-11-30")
        let days = ((dailyBody as? [String: Any])?["days"] as? [[String: Any]]) ?? []
        let monthly = lines.first { $0["department"] as? String == "XS-CGJ" }?["dispatched"] as? Int
        #expect(dailyStatus == 200 && !days.isEmpty && days.allSatisfy { ($0["day"] as? String)?.hasPrefix("2026-11-") == true })
        #expect(days.reduce(0) { $0 + (($1["dispatched"] as? Int) ?? 0) } == monthly && (monthly ?? 0) > 0)
        #expect(try await HTTP.get(base + "/v1/scores/XS-NONE/daily").0 == 404)
        let (status, csv) = try await HTTP.get(base + "/v1/scores.csv?from=2026-11-01&to=2026-11-30")
        let text = String(decoding: csv, as: UTF8.self)
        let rows = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(status == 200 && rows.count == lines.count + 1)
        #expect(rows.first?.hasPrefix("\u{FEFF}department,name,from,to,dispatched,response_rate") == true)
        let cgj = try #require(lines.first { $0["department"] as? String == "XS-CGJ" })
        #expect(rows.contains { $0.hasPrefix("XS-CGJ,西山区城市管理局,2026-11-01,2026-11-30,\(cgj["dispatched"] as? Int ?? -1),") })
    }
}
