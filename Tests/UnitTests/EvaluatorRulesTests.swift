import EvaluatorService
import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// 一哨一考核's rule, and the read API's parameters.
@Suite("Evaluator rules")
struct EvaluatorRulesTests {
    let ticket = WhistleEvaluationRule.Ticket(
        whistled: true, whistlingStreet: "QS-JDB", departments: ["QS-JDB", "XS-CGJ", "XS-SWJ"], alreadyScored: ["XS-SWJ"])

    func evaluation(by: String, _ departments: [String]) -> Evaluation {
        Evaluation(ticketNo: "W20261121-000123", by: by, scores: departments.map { Evaluation.Score(department: $0, score: 80) })
    }

    func pairs(_ errors: [FieldError]) -> [String] { errors.map { "\($0.field ?? "null"):\($0.code.rawValue)" } }

    @Test("the whistling street scores a department of the ticket")
    func allowed() {
        #expect(WhistleEvaluationRule.check(evaluation(by: "QS-JDB", ["XS-CGJ"]), against: ticket).isEmpty)
    }

    @Test("only a whistle ticket, and only its own street, may be evaluated")
    func wrongTicketOrStreet() {
        var plain = ticket
        plain.whistled = false
        #expect(pairs(WhistleEvaluationRule.check(evaluation(by: "QS-JDB", ["XS-CGJ"]), against: plain)) == ["ticket_no:not_allowed"])
        #expect(pairs(WhistleEvaluationRule.check(evaluation(by: "FL-JDB", ["XS-CGJ"]), against: ticket)) == ["by:not_allowed"])
        var nowhere = ticket
        nowhere.whistlingStreet = nil
        #expect(pairs(WhistleEvaluationRule.check(evaluation(by: "QS-JDB", ["XS-CGJ"]), against: nowhere)) == ["ticket_no:not_allowed"])
    }

    @Test("each score must be of another department of the ticket, not yet scored; every problem is listed")
    func departments() {
        let errors = WhistleEvaluationRule.check(evaluation(by: "QS-JDB", ["XS-CGJ", "XS-GA", "XS-SWJ", "QS-JDB"]), against: ticket)
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
        #expect(lines[1] == "XS-CGJ,西山区城管局,2026-11-01,2026-11-30,4,0.7500,,,,0.0000,,0,0,,75.00")
    }
}
