import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// Period evaluation (年终考核评议, CONTRACT §10): its periods, its validation and its rule.
@Suite("Period evaluation")
struct PeriodEvaluationTests {
    /// RoutingTown plus a second district (东城区) with a street office and a bureau of its own.
    static let reference = ReferenceData(
        areas: RoutingTown.areas + [
            Area(code: "D-DC", name: "东城区", level: .district, parent: "C-YC"),
            Area(code: "S-DC", name: "东城街道", level: .street, parent: "D-DC"),
        ],
        departments: RoutingTown.departments + [
            Department(code: "DC-CGJ", name: "东城区城管局", level: .district, kind: .bureau, area: "D-DC"),
            Department(code: "DC-JDB", name: "东城街道办事处", level: .street, kind: .streetOffice, area: "S-DC"),
        ],
        categories: [], rules: [])
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    static func day(_ text: String) -> LocalDate { LocalDate(iso: text)! }

    static func evaluation(_ period: String, by: String = "QS-JDB", _ departments: [String]) -> Evaluation {
        Evaluation(period: EvaluationPeriod(period)!, by: by, scores: departments.map { .init(department: $0, score: 80) })
    }

    static func pairs(_ errors: [FieldError]) -> [String] { errors.map { "\($0.field ?? "null"):\($0.code.rawValue)" } }

    @Test("periods: exactly YYYY or YYYY-Qn, with their first and last days")
    func periods() {
        #expect(EvaluationPeriod("2026")?.description == "2026")
        #expect(EvaluationPeriod("2026-Q4")?.description == "2026-Q4")
        for bad in ["", "26", "2026-Q0", "2026-Q5", "2026-q1", "2026Q1", "2026-Q12", " 2026", "２０２６", "2026-01"] {
            #expect(EvaluationPeriod(bad) == nil, "\(bad)")
        }
        let year = EvaluationPeriod("2026")!
        #expect("\(year.firstDay)…\(year.lastDay)" == "2026-01-01…2026-12-31")
        #expect("\(EvaluationPeriod("2028-Q1")!.firstDay)…\(EvaluationPeriod("2028-Q1")!.lastDay)" == "2028-01-01…2028-03-31")
        #expect("\(EvaluationPeriod("2026-Q4")!.firstDay)…\(EvaluationPeriod("2026-Q4")!.lastDay)" == "2026-10-01…2026-12-31")
        #expect(year.contains(Self.day("2026-07-01")) && !year.contains(Self.day("2027-01-01")))
        #expect(EvaluationPeriod("2026-Q3")!.overlaps(from: Self.day("2026-09-30"), to: Self.day("2026-10-05")))
        #expect(!EvaluationPeriod("2026-Q3")!.overlaps(from: Self.day("2026-10-01"), to: Self.day("2026-10-05")))
    }

    @Test("a period begins at local midnight of its first day")
    func begins() throws {
        let before = try #require(RFC3339.parse("2026-12-31T15:59:59Z"))
        let midnight = try #require(RFC3339.parse("2026-12-31T16:00:00Z"))
        #expect(!EvaluationPeriod("2027")!.hasBegun(at: before, in: Self.shanghai))
        #expect(EvaluationPeriod("2027")!.hasBegun(at: midnight, in: Self.shanghai))
        #expect(EvaluationPeriod("2026-Q4")!.hasBegun(at: before, in: Self.shanghai))
        #expect(!EvaluationPeriod("2027-Q1")!.hasBegun(at: before, in: Self.shanghai))
    }

    @Test("validation: period instead of ticket_no, not both; by a street office or a command center")
    func validation() {
        let codes = Self.reference.codes
        func validate(_ body: JSONValue) -> EvaluationValidation { EvaluationValidator(reference: codes).validate(body: body.jsonBytes) }
        let scores: JSONValue = [["department": "XS-CGJ", "score": 75]]
        #expect(
            validate(["period": "2026-Q4", "by": "QS-JDB", "scores": scores])
                == .valid(Evaluation(period: EvaluationPeriod("2026-Q4")!, by: "QS-JDB", scores: [.init(department: "XS-CGJ", score: 75)])))
        #expect(
            validate(["ticket_no": "W20261121-000123", "by": "XS-ZHZX", "scores": scores])
                == .valid(Evaluation(ticketNo: "W20261121-000123", by: "XS-ZHZX", scores: [.init(department: "XS-CGJ", score: 75)])),
            "a command center's whistle is evaluated by it")
        func errors(_ body: JSONValue) -> [String] {
            guard case .invalid(let found) = validate(body) else { return ["valid"] }
            return Self.pairs(found)
        }
        #expect(errors(["period": "2026-Q5", "by": "QS-JDB", "scores": scores]) == ["period:invalid_format"])
        #expect(errors(["period": 2026, "by": "QS-JDB", "scores": scores]) == ["period:invalid_type"])
        #expect(
            errors(["period": "2026", "ticket_no": "W20261121-000123", "by": "QS-JDB", "scores": scores]) == ["period:not_allowed"])
        #expect(errors(["by": "QS-JDB", "scores": scores]) == ["ticket_no:required"])
        #expect(
            errors(["period": "26", "by": "XS-CGJ", "scores": []]) == ["period:invalid_format", "by:unknown_code", "scores:too_short"])
        #expect(EvaluationValidator.ticketNo(in: Array(#"{"period":"2026","by":"QS-JDB"}"#.utf8)) == nil)
    }

    @Test("a street office scores its district's bureaus for a period that has begun")
    func allowed() {
        let errors = PeriodEvaluationRule.check(
            Self.evaluation("2026-Q4", ["XS-CGJ", "XS-SWJ"]), reference: Self.reference, alreadyScored: ["XS-ZJJ"],
            today: Self.day("2026-10-01"))
        #expect(errors.isEmpty, "\(errors)")
        #expect(
            PeriodEvaluationRule.check(
                Self.evaluation("2026", by: "DC-JDB", ["DC-CGJ"]), reference: Self.reference, alreadyScored: [],
                today: Self.day("2027-01-15")
            ).isEmpty)
    }

    @Test("not begun, not a street office, not a district bureau of its district, scored twice: every error listed")
    func refused() {
        #expect(
            Self.pairs(
                PeriodEvaluationRule.check(
                    Self.evaluation("2026-Q4", ["XS-CGJ"]), reference: Self.reference, alreadyScored: [], today: Self.day("2026-09-30")))
                == ["period:not_allowed"])
        #expect(
            Self.pairs(
                PeriodEvaluationRule.check(
                    Self.evaluation("2026", by: "QS-ZHZX", ["XS-CGJ"]), reference: Self.reference, alreadyScored: [],
                    today: Self.day("2026-12-31"))) == ["by:not_allowed"],
            "a street command center does not evaluate over a period")
        let all = PeriodEvaluationRule.check(
            Self.evaluation("2027", ["XS-CGJ", "QS-SQ-JWH", "YC-CGJ", "XS-XFJ", "XS-ZHZX", "DC-CGJ", "XS-SWJ"]), reference: Self.reference,
            alreadyScored: ["XS-CGJ"], today: Self.day("2026-12-31"))
        #expect(
            Self.pairs(all) == [
                "period:not_allowed", "scores[0].department:not_allowed", "scores[1].department:not_allowed",
                "scores[2].department:not_allowed", "scores[3].department:not_allowed", "scores[4].department:not_allowed",
                "scores[5].department:not_allowed",
            ])
        #expect(all[1].message.contains("already") && all[6].message.contains("D-XS"), "\(all.map(\.message))")
    }
}
