import Foundation
import Testing
import WhistleMessages
import WhistleReliability

/// Issue 15 through evaluator: the events of whistles, contests, rulings, a pre-dispatch
/// escalation, a reopening and period evaluations, published to evaluator as the services emit
/// them; `/v1/scores` (its new fields, `area=` and a command center's default area), the CSV and
/// the four-level dashboard against this test's own tally; refused settings at start-up.
@Suite("Evaluator whistle scores", .serialized)
struct EvaluatorWhistleScoresTests {
    /// Evaluator alone on a seeded sandbox, its clock at `clock`; `extra` environment on top.
    static func withEvaluator(
        _ label: String, clock: String, extra: [String: String] = [:], _ body: (TestSandbox, String) async throws -> Void
    ) async throws {
        let sandbox = try await TestSandbox(label)
        let clockFile = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-clock-\(sandbox.vhost)")
        try Data(clock.utf8).write(to: clockFile)
        var evaluator: ServiceProcess?
        do {
            let pool = try sandbox.pool()
            try await WhistleSchema.migrate(pool: pool, logger: .init(label: "test"))
            await pool.close()
            let seeded = try await Ctl(databaseURL: sandbox.databaseURL).run(["seed", FlowHarness.seedFolder, "--no-broker"])
            try #require(seeded.status == 0, "seeding failed: \(seeded.stderr)")
            let process = try ServiceProcess(
                "evaluator", sandbox: sandbox, extra: FlowHarness.clockEnvironment(clockFile).merging(extra) { $1 })
            evaluator = process
            try await process.waitHealthy()
            try await body(sandbox, "http://127.0.0.1:\(process.port)")
        } catch {
            Issue.record("\(error)\n\(evaluator?.logTail(40) ?? "")")
        }
        await evaluator?.stop()
        try? FileManager.default.removeItem(at: clockFile)
        await sandbox.tearDown()
    }

    /// The report's lines by department code.
    static func scores(
        _ url: String, token: String = TestTokens.cityCommandCenter
    ) async throws -> (area: Any?, lines: [String: [String: Any]]) {
        let (status, body) = try await HTTP.json(url, token: token)
        #expect(status == 200, "\(url): \(body)")
        let report = try #require(body as? [String: Any])
        let lines = (report["departments"] as? [[String: Any]]) ?? []
        return (report["area"], Dictionary(lines.compactMap { line in (line["department"] as? String).map { ($0, line) } }) { a, _ in a })
    }

    /// What the test expects of one department in November: (whistles, whistles_empty, contests,
    /// contests_lost, dispatched, overdue, escalations, reworked).
    static let tally: [String: [Int]] = [
        "XS-ZHZX": [1, 1, 0, 0, 1, 0, 1, 0],  // blew W1, ruled empty; its triage of W5 escalated
        "YC-ZHZX": [1, 1, 0, 0, 1, 0, 0, 0],  // blew W2, ruled empty
        "QS-JDB": [1, 0, 0, 0, 1, 0, 0, 0],  // W3's grid whistle, upheld
        "QS-ZHZX": [1, 0, 0, 0, 1, 0, 0, 0],  // W4, not yet ruled
        "XS-CGJ": [0, 0, 1, 1, 3, 0, 0, 1],  // co on W1 and W3, lead of W6; its contest of W3 upheld; W6 reopened
        "XS-GA": [0, 0, 1, 0, 0, 0, 0, 0],  // W1's assignment and its overdue taken back by the empty ruling
        "XS-ZJJ": [0, 0, 1, 0, 0, 0, 0, 0],  // W2's assignment and its acknowledgement taken back
        "XS-SWJ": [0, 0, 1, 0, 3, 0, 0, 1],  // co on W3, W4, W6; contested W4; W6 reopened
    ]

    /// The lines against the tally, for every department of it (or of `only`).
    static func check(_ lines: [String: [String: Any]], only: Set<String>? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let keys = ["whistles", "whistles_empty", "contests", "contests_lost", "dispatched", "overdue", "escalations"]
        for (code, want) in tally where only?.contains(code) ?? true {
            let line = lines[code] ?? [:]
            let counts = (line["counts"] as? [String: Any]) ?? [:]
            let got = keys.map { (line[$0] as? Int) ?? -1 } + [(counts["reworked"] as? Int) ?? -1]
            #expect(got == want, "\(code): \(got) ≠ \(want)", sourceLocation: sourceLocation)
        }
    }

    @Test(
        "whistles, contests and rulings at every level, the take-back of an empty whistle, held_by and rework as tallied here; replays change nothing"
    )
    func scores() async throws {
        try await Self.withEvaluator("whistle-scores", clock: "2026-11-20T10:00:00+08:00") { sandbox, base in
            try await Self.publish(sandbox, times: 1)
            let november = base + "/v1/scores?from=2026-11-01&to=2026-11-30"
            let all = try await Self.scores(november + "&area=all")
            #expect(all.area is NSNull)
            Self.check(all.lines)
            // XS-CGJ: response 2/3 (W1, W3 of 3), on time 1/1, resolution 0/1, satisfaction 0/1; the street's say
            // = (per-whistle 90 + period (80 + 60) / 2 = 70) / 2 = 80 → 100 × (.2·2/3 + .2 + 0 + 0 + .3·.8) / 1 = 57.33.
            let cgj = all.lines["XS-CGJ"] ?? [:]
            #expect(cgj["whistle_score"] as? Double == 90 && cgj["period_score"] as? Double == 70 && cgj["street_score"] as? Double == 80)
            #expect(abs(((cgj["composite"] as? Double) ?? 0) - 57.33) < 0.006, "\(cgj)")
            #expect(all.lines["XS-ZJJ"]?["period_score"] as? Double == 90 && all.lines["XS-ZJJ"]?["whistle_score"] is NSNull)
            #expect(all.lines["XS-GA"]?["period_score"] is NSNull, "2026-Q3 does not overlap November")
            let (_, q3) = try await Self.scores(base + "/v1/scores?from=2026-09-01&to=2026-09-30&area=all")
            #expect(
                q3["XS-GA"]?["period_score"] as? Double == 50 && q3["XS-CGJ"]?["period_score"] as? Double == 60, "2026 overlaps September")

            // Another mix of the street's say (per-whistle 1 : period 3): 100 × (.2·2/3 + .2 + .3·(.25·90 + .75·70) / 100) = 55.83.
            let mixed = try ServiceProcess("evaluator", sandbox: sandbox, extra: ["WHISTLE_SCORE_STREET_MIX": "whistle=0.25,period=0.75"])
            try await mixed.waitHealthy()
            let remixed = try await Self.scores("http://127.0.0.1:\(mixed.port)/v1/scores?from=2026-11-01&to=2026-11-30&area=all")
            await mixed.stop()
            #expect(remixed.lines["XS-CGJ"]?["street_score"] as? Double == 75)
            #expect(abs(((remixed.lines["XS-CGJ"]?["composite"] as? Double) ?? 0) - 55.83) < 0.006, "\(remixed.lines["XS-CGJ"] ?? [:])")

            // Every event again, twice: nothing changes.
            try await Self.publish(sandbox, times: 2)
            let again = try await Self.scores(november + "&area=all")
            Self.check(again.lines)
            #expect(again.lines["XS-CGJ"]?["composite"] as? Double == cgj["composite"] as? Double)
            #expect(try await sandbox.count("SELECT count(*) FROM period_scores") == 4)

            // The CSV carries the new columns.
            let (status, file) = try await HTTP.get(base + "/v1/scores.csv?from=2026-11-01&to=2026-11-30&area=all")
            #expect(status == 200)
            let rows = String(decoding: file, as: UTF8.self).components(separatedBy: "\r\n")
            #expect(rows.first?.hasSuffix("whistles,whistles_empty,contests,contests_lost,period_score") == true, "\(rows.first ?? "")")
            #expect(rows.contains { $0.hasPrefix("XS-ZHZX,") && $0.hasSuffix(",1,1,0,0,") }, "\(rows)")
            #expect(rows.contains { $0.hasPrefix("XS-CGJ,") && $0.hasSuffix(",0,0,1,1,70.00") }, "\(rows)")
        }
    }

    @Test("/v1/scores: a command center's own area by default, anyone else every department; area= any area, or all")
    func areas() async throws {
        try await Self.withEvaluator("whistle-areas", clock: "2026-11-20T10:00:00+08:00") { sandbox, base in
            try await Self.publish(sandbox, times: 1)
            let november = base + "/v1/scores?from=2026-11-01&to=2026-11-30"
            let district = try await Self.scores(november, token: TestTokens.issue("XS-ZHZX"))
            #expect(district.area as? String == "D-XS")
            #expect(district.lines["XS-CGJ"] != nil && district.lines["QS-JDB"] != nil && district.lines["QS-SQ-JWH"] != nil)
            #expect(district.lines.keys.allSatisfy { !$0.hasPrefix("YC-") }, "no city department below the district")
            Self.check(district.lines, only: Set(Self.tally.keys).subtracting(["YC-ZHZX"]))
            let street = try await Self.scores(november, token: TestTokens.issue("QS-ZHZX"))
            #expect(street.area as? String == "S-QS" && Set(street.lines.keys).isSuperset(of: ["QS-JDB", "QS-ZHZX"]))
            #expect(street.lines.keys.allSatisfy { $0.hasPrefix("QS-") }, "\(street.lines.keys.sorted())")
            let city = try await Self.scores(november, token: TestTokens.cityCommandCenter)
            #expect(city.area as? String == "C-YC" && city.lines["YC-ZHZX"] != nil && city.lines["XS-CGJ"] != nil)
            let bureau = try await Self.scores(november, token: TestTokens.issue("XS-CGJ"))
            #expect(bureau.area is NSNull && bureau.lines["YC-ZHZX"] != nil && bureau.lines["QS-JDB"] != nil)
            let chosen = try await Self.scores(november + "&area=S-FL", token: TestTokens.issue("XS-CGJ"))
            #expect(chosen.area as? String == "S-FL" && !chosen.lines.isEmpty && chosen.lines.keys.allSatisfy { $0.hasPrefix("FL-") })
            let wider = try await Self.scores(november + "&area=all", token: TestTokens.issue("QS-ZHZX"))
            #expect(wider.lines["XS-CGJ"] != nil, "a command center may look beyond its area")
            let (status, body) = try await HTTP.json(november + "&area=X-NOWHERE")
            #expect(status == 400 && ((body as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "invalid_area")
            let (_, csv) = try await HTTP.get(base + "/v1/scores.csv?from=2026-11-01&to=2026-11-30", token: TestTokens.issue("QS-ZHZX"))
            let codes = String(decoding: csv, as: UTF8.self).components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
            #expect(!codes.isEmpty && codes.allSatisfy { $0.hasPrefix("QS-") }, "the CSV of a street command center: its street")

            // whistlectl shows the same area's lines, with the whistle and contest columns.
            let ctl = Ctl(databaseURL: sandbox.databaseURL)
            let shown = try await ctl.run([
                "scores", "show", "--from", "2026-11-01", "--to", "2026-11-30", "--area", "S-QS", "--format", "json",
            ])
            #expect(shown.status == 0, "\(shown.stderr)")
            let shownReport = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
            let shownLines = shownReport["departments"] as? [[String: Any]] ?? []
            #expect(shownReport["area"] as? String == "S-QS" && !shownLines.isEmpty)
            #expect(shownLines.allSatisfy { ($0["department"] as? String)?.hasPrefix("QS-") == true }, "\(shownLines)")
            let table = try await ctl.run(["scores", "show", "--from", "2026-11-01", "--to", "2026-11-30", "--area", "D-XS"])
            #expect(table.stdout.contains("EMPTY") && table.stdout.contains("serving D-XS and below"), "\(table.stdout)")
            #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("XS-ZHZX") }, "\(table.stdout)")
            let unknown = try await ctl.run(["scores", "show", "--area", "X-NOWHERE"])
            #expect(unknown.status != 0 && unknown.stderr.contains("X-NOWHERE"), "\(unknown.stderr)")
        }
    }

    /// The HTML of the dashboard section `id`, up to its end.
    static func section(_ id: String, in page: String) -> String {
        guard let start = page.range(of: "id=\"\(id)\""), let end = page[start.upperBound...].range(of: "</section>") else { return "" }
        return String(page[start.upperBound..<end.lowerBound])
    }

    static func dashboard(_ base: String, _ department: String) async throws -> String {
        let (status, _, body) = try await HTTP.response(base + "/?from=2026-11-01&to=2026-11-30", token: TestTokens.issue(department))
        #expect(status == 200, "\(department)")
        return String(decoding: body, as: UTF8.self)
    }

    @Test(
        "the dashboard of each level: its area's scores, the tickets escalated to it, its whistles, the overdue work below it — nothing outside its scope"
    )
    func dashboards() async throws {
        try await Self.withEvaluator("whistle-dashboard", clock: "2026-11-20T10:00:00+08:00") { sandbox, base in
            try await Self.publish(sandbox, times: 1)
            try await Self.storeTickets(sandbox)
            let district = try await Self.dashboard(base, "XS-ZHZX")
            #expect(district.contains("id=\"score-area\">西山区<"))
            let escalated = Self.section("escalated-to-me", in: district)
            #expect(escalated.contains(Self.w5) && !escalated.contains(Self.w8), "W5 was escalated to it, W8 to the street")
            #expect(!district.contains(Self.w7), "a complaint against it is never on its page")
            let whistles = Self.section("my-whistles", in: district)
            #expect(whistles.contains(Self.w1) && [Self.w2, Self.w3, Self.w4].allSatisfy { !whistles.contains($0) })
            let w1 = EvaluatorDashboardCheck.cells(row: "data-whistle=\"\(Self.w1)\"", in: district)
            #expect(w1.count == 7 && w1[1] == "石桥社区第1网格" && w1[3] == "2" && w1[4] == "1" && w1[5] == "1", "\(w1)")
            #expect(Self.section("overdue", in: district).contains(Self.w3), "XS-SWJ's work on W3 is overdue below it")
            let board = EvaluatorDashboardCheck.cells(row: "data-whistles=\"XS-ZHZX\"", in: district)
            #expect(board.count == 8 && board[1...4] == ["1", "1", "0", "0"], "\(board)")
            let cgj = EvaluatorDashboardCheck.cells(row: "data-whistles=\"XS-CGJ\"", in: district)
            #expect(cgj.count == 8 && cgj[3...7] == ["1", "1", "90.0", "70.0", "80.0"], "\(cgj)")
            #expect(!district.contains("data-whistles=\"YC-ZHZX\""), "the city's own figures are above the district")

            let street = try await Self.dashboard(base, "QS-ZHZX")
            #expect(street.contains("id=\"score-area\">青石街道<"))
            #expect(district.components(separatedBy: "<g class=\"grid\"").count - 1 == 60, "the district's map: all its grids")
            #expect(street.contains("data-grid=\"G-QS-SQ-01\"") && !street.contains("data-grid=\"G-FL-"), "the street's map: its own grids")
            let streetEscalated = Self.section("escalated-to-me", in: street)
            #expect(streetEscalated.contains(Self.w8) && !streetEscalated.contains(Self.w5))
            let streetWhistles = Self.section("my-whistles", in: street)
            #expect(streetWhistles.contains(Self.w4) && !streetWhistles.contains(Self.w1) && !streetWhistles.contains(Self.w3))
            #expect(Self.section("overdue", in: street).contains(Self.w3))
            let office = try await Self.dashboard(base, "QS-JDB")
            #expect(Self.section("my-whistles", in: office).contains(Self.w3), "a street office's grid whistles are its own")
            #expect(!office.contains("id=\"score-area\""), "a street office keeps every department's scores")

            let other = try await Self.dashboard(base, "FL-ZHZX")
            for ticket in [Self.w1, Self.w3, Self.w4, Self.w5, Self.w7, Self.w8] {
                #expect(!other.contains(ticket), "\(ticket) is outside 枫林's area")
            }
            #expect(Self.section("my-whistles", in: other).contains("考核期内没有吹哨"))
        }
    }

    @Test("a refused score setting ends evaluator with exit status 78 and a line naming the variable")
    func refusedSettings() async throws {
        let sandbox = try await TestSandbox("whistle-settings")
        for (variable, value) in [
            ("WHISTLE_SCORE_STREET_MIX", "whistle=0.5,street=0.5"), ("WHISTLE_SCORE_STREET_MIX", "period=-1"),
            ("WHISTLE_SCORE_STREET_MIX", "whistle=0,period=0"), ("WHISTLE_SCORE_WEIGHTS", "whistle=0.2,response=0.8"),
        ] {
            let evaluator = try ServiceProcess("evaluator", sandbox: sandbox, extra: [variable: value])
            let (status, _) = try await evaluator.waitForExit(timeout: .seconds(30))
            let log = evaluator.log()
            #expect(status == 78, "\(variable)=\(value): exit status \(status):\n\(log)")
            #expect(log.contains(variable) && !log.contains("Fatal error"), "\(log)")
            await evaluator.stop()
        }
        await sandbox.tearDown()
    }
}
