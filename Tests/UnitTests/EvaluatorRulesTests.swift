import EvaluatorService
import Foundation
import Testing
import WhistleDomain
import WhistleMessages
import WhistleRuntime

/// 一哨一考核's rule, and the read API's parameters.
@Suite("Evaluator rules")
struct EvaluatorRulesTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)
    let ticket = WhistleEvaluationRule.Ticket(
        whistled: true, whistler: "QS-JDB", departments: ["QS-JDB", "XS-CGJ", "XS-SWJ"],
        assignments: ["QS-JDB", "XS-CGJ", "XS-SWJ"].map {
            WhistleEvaluationRule.Assignment(
                department: $0, state: .completed, ackDue: EvaluatorRulesTests.now + 3600,
                resolveDue: EvaluatorRulesTests.now + 86_400, acknowledgedAt: EvaluatorRulesTests.now - 60,
                completedAt: EvaluatorRulesTests.now - 30)
        },
        alreadyScored: ["XS-SWJ"])

    func evaluation(by: String, _ departments: [String]) -> Evaluation {
        Evaluation(ticketNo: "W20261121-000123", by: by, scores: departments.map { Evaluation.Score(department: $0, score: 80) })
    }

    func pairs(_ errors: [FieldError]) -> [String] { errors.map { "\($0.field ?? "null"):\($0.code.rawValue)" } }

    @Test("the whistler scores a department of the ticket")
    func allowed() {
        #expect(WhistleEvaluationRule.check(evaluation(by: "QS-JDB", ["XS-CGJ"]), against: ticket, at: Self.now).isEmpty)
    }

    @Test("only a whistle ticket, and only by its own whistler, may be evaluated")
    func wrongTicketOrStreet() {
        var plain = ticket
        plain.whistled = false
        func check(_ by: String, _ ticket: WhistleEvaluationRule.Ticket) -> [String] {
            pairs(WhistleEvaluationRule.check(evaluation(by: by, ["XS-CGJ"]), against: ticket, at: Self.now))
        }
        #expect(check("QS-JDB", plain) == ["ticket_no:not_allowed"])
        #expect(check("FL-JDB", ticket) == ["by:not_allowed"])
        var nowhere = ticket
        nowhere.whistler = nil
        #expect(check("QS-JDB", nowhere) == ["ticket_no:not_allowed"])
    }

    @Test("each score must be of another department of the ticket, not yet scored; every problem is listed")
    func departments() {
        let errors = WhistleEvaluationRule.check(
            evaluation(by: "QS-JDB", ["XS-CGJ", "XS-GA", "XS-SWJ", "QS-JDB"]), against: ticket, at: Self.now)
        #expect(
            pairs(errors) == ["scores[1].department:not_allowed", "scores[2].department:not_allowed", "scores[3].department:not_allowed"])
        #expect(errors[0].message.contains("XS-GA") && errors[1].message.contains("already") && errors[2].message.contains("itself"))
    }

    @Test("dates: the current month by default, one end given, and clear errors")
    func dateRange() throws {
        let today = try #require(LocalDate(iso: "2026-11-22"))
        let month = try QueryParameters.dateRange(from: nil, to: nil, today: today)
        #expect("\(month.from)…\(month.to)" == "2026-11-01…2026-11-30")
        let february = try QueryParameters.dateRange(from: nil, to: nil, today: try #require(LocalDate(iso: "2028-02-10")))
        #expect("\(february.from)…\(february.to)" == "2028-02-01…2028-02-29")
        let december = try QueryParameters.dateRange(from: nil, to: nil, today: try #require(LocalDate(iso: "2026-12-31")))
        #expect("\(december.from)…\(december.to)" == "2026-12-01…2026-12-31")
        let since = try QueryParameters.dateRange(from: "2026-11-10", to: nil, today: today)
        #expect("\(since.from)…\(since.to)" == "2026-11-10…2026-11-22")
        let until = try QueryParameters.dateRange(from: nil, to: "2026-10-15", today: today)
        #expect("\(until.from)…\(until.to)" == "2026-10-01…2026-10-15")
        for (from, to, code) in [
            ("2026-13-01", nil, "invalid_date"), ("yesterday", nil, "invalid_date"), ("2026-11-2", nil, "invalid_date"),
            ("2026-11-20", "2026-11-10", "invalid_range"), ("2000-01-01", "2026-01-01", "invalid_range"),
        ] as [(String, String?, String)] {
            #expect(throws: EvaluatorError.self) { try QueryParameters.dateRange(from: from, to: to, today: today) }
            do {
                _ = try QueryParameters.dateRange(from: from, to: to, today: today)
            } catch {
                #expect(error.code == code, "\(from) \(to ?? "-")")
            }
        }
    }

    @Test("windows in hours or days up to a week; paging within bounds")
    func windowAndPage() throws {
        #expect(try QueryParameters.windowHours(nil, fallback: 24) == 24)
        #expect(try QueryParameters.windowHours("6h", fallback: 24) == 6)
        #expect(try QueryParameters.windowHours("7d", fallback: 24) == 168)
        for bad in ["0h", "169h", "8d", "24", "h", "-1h", "1.5h", "24H"] {
            #expect(throws: EvaluatorError.self, "\(bad)") { try QueryParameters.windowHours(bad, fallback: 24) }
        }
        #expect(try QueryParameters.page(limit: "10", offset: "20", fallback: 50, maximum: 200) == (10, 20))
        #expect(try QueryParameters.page(limit: nil, offset: nil, fallback: 50, maximum: 200) == (50, 0))
        for (limit, offset) in [("0", "0"), ("201", "0"), ("x", "0"), ("10", "-1")] {
            #expect(throws: EvaluatorError.self) { try QueryParameters.page(limit: limit, offset: offset, fallback: 50, maximum: 200) }
        }
    }

    @Test("CSV: quoted where needed, formulas defused, a byte-order mark for spreadsheets")
    func csv() throws {
        #expect(ScoreReport.csvField("西山区城管局") == "西山区城管局")
        #expect(ScoreReport.csvField("a,b") == "\"a,b\"")
        #expect(ScoreReport.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ScoreReport.csvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(ScoreReport.csvField("-0.5") == "-0.5", "a negative number stays a number")
        var counts = KPICounts()
        counts.dispatched = 4
        counts.acknowledgedOnTime = 3
        let day = try #require(LocalDate(iso: "2026-11-01"))
        let report = ScoreReport(
            from: day, to: day.adding(days: 29), weights: .default,
            totals: [DepartmentCounts(code: "XS-CGJ", name: "西山区城管局", kind: "bureau", counts: counts)])
        let lines = report.csv.components(separatedBy: "\r\n")
        #expect(lines[0].hasPrefix("\u{FEFF}department,name,from,to,dispatched,response_rate"))
        #expect(lines[0].hasSuffix(",whistle_score,composite,whistles,whistles_empty,contests,contests_lost,period_score"))
        #expect(lines[1] == "XS-CGJ,西山区城管局,2026-11-01,2026-11-30,4,0.7500,,,,0.0000,,0,0,,75.00,0,0,0,0,")
        counts.whistles = 3
        counts.whistlesEmpty = 1
        counts.contests = 2
        counts.contestsLost = 1
        counts.periodSum = 85
        counts.periodCount = 1
        let whistling = ScoreReport(
            from: day, to: day.adding(days: 29), weights: .default,
            totals: [DepartmentCounts(code: "QS-JDB", name: "青石街道办事处", kind: "street_office", counts: counts)])
        // composite: (.2·.75 + .3·.85) / .5 = 81
        #expect(
            whistling.csv.components(separatedBy: "\r\n")[1]
                == "QS-JDB,青石街道办事处,2026-11-01,2026-11-30,4,0.7500,,,,0.0000,,0,0,,81.00,3,1,2,1,85.00")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(whistling.json.utf8)) as? [String: Any])
        let line = try #require((json["departments"] as? [[String: Any]])?.first)
        #expect(line["whistles"] as? Int == 3 && line["whistles_empty"] as? Int == 1 && line["contests"] as? Int == 2)
        #expect(line["contests_lost"] as? Int == 1 && line["period_score"] as? Double == 85 && line["street_score"] as? Double == 85)
        #expect(line["whistle_score"] is NSNull && json["area"] is NSNull)
        #expect((json["street_mix"] as? [String: Double]) == ["whistle": 0.5, "period": 0.5])
    }

    @Test("the street mix is read from WHISTLE_SCORE_STREET_MIX; a refused setting is an error naming its variable")
    func streetMixSetting() throws {
        let secret = ["WHISTLE_API_JWT_SECRET": String(repeating: "s", count: 32)]
        #expect(try EvaluatorConfiguration(environment: secret).weights.streetMix == .default)
        let mixed = try EvaluatorConfiguration(environment: secret.merging(["WHISTLE_SCORE_STREET_MIX": "whistle=1,period=3"]) { $1 })
        #expect(mixed.weights.streetMix == StreetMix(whistle: 1, period: 3) && mixed.weights.whistle == 0.3)
        for (variable, value) in [
            ("WHISTLE_SCORE_STREET_MIX", "street=1"), ("WHISTLE_SCORE_STREET_MIX", "whistle=-1"),
            ("WHISTLE_SCORE_STREET_MIX", "whistle=0,period=0"), ("WHISTLE_SCORE_WEIGHTS", "whistle=0.1"),
        ] {
            let error = #expect(throws: ConfigurationError.self, "\(variable)=\(value)") {
                try EvaluatorConfiguration(environment: secret.merging([variable: value]) { $1 })
            }
            #expect(error?.variable == variable)
        }
    }
}
