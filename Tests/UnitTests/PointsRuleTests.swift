import Foundation
import Testing
import WhistleDomain
import WhistleMessages
import WhistleReliability

/// 积分回馈: the awards of a closing, the yearly cap, redemptions and who a reporter is.
@Suite("Points rule")
struct PointsRuleTests {
    let rule = PointsRule.default

    func demand(_ outcome: String, _ ref: String?) -> PointsRule.Contribution { .init(outcome: outcome, reporterRef: ref) }

    @Test("a satisfied closing gives the opener 10 and each merged reporter 2, sorted by reporter")
    func awards() {
        let awards = rule.awards(
            closedWith: "satisfied", demands: [demand("accepted", "GW-2"), demand("merged", "phone:aa"), demand("merged", "GW-1")])
        #expect(
            awards == [
                .init(reporterRef: "GW-1", reason: .merged, points: 2), .init(reporterRef: "GW-2", reason: .opened, points: 10),
                .init(reporterRef: "phone:aa", reason: .merged, points: 2),
            ])
    }

    @Test("no points unless the ticket closed satisfied", arguments: ["no_feedback", "unsatisfied_final", "rejected"])
    func otherOutcomes(outcome: String) {
        #expect(rule.awards(closedWith: outcome, demands: [demand("accepted", "GW-1")]).isEmpty)
    }

    @Test("duplicates, rejected demands and anonymous reporters earn nothing")
    func excluded() {
        let awards = rule.awards(
            closedWith: "satisfied",
            demands: [demand("accepted", nil), demand("duplicate", "GW-1"), demand("rejected", "GW-2"), demand("merged", "GW-3")])
        #expect(awards == [.init(reporterRef: "GW-3", reason: .merged, points: 2)])
    }

    @Test("a reporter earns once per ticket: the opener's award wins over his merged demands")
    func distinctReporters() {
        let before = rule.awards(closedWith: "satisfied", demands: [demand("merged", "GW-1"), demand("accepted", "GW-1")])
        let after = rule.awards(closedWith: "satisfied", demands: [demand("accepted", "GW-1"), demand("merged", "GW-1")])
        #expect(before == [.init(reporterRef: "GW-1", reason: .opened, points: 10)])
        #expect(after == before)
        let twice = rule.awards(closedWith: "satisfied", demands: [demand("merged", "GW-1"), demand("merged", "GW-1")])
        #expect(twice == [.init(reporterRef: "GW-1", reason: .merged, points: 2)])
    }

    @Test("the rules are reference data: other values give other awards")
    func configured() {
        let other = PointsRule(openedPoints: 5, mergedPoints: 0, yearlyCap: 100)
        let awards = other.awards(closedWith: "satisfied", demands: [demand("accepted", "GW-1"), demand("merged", "GW-2")])
        #expect(awards.map(\.points) == [5, 0])
    }

    @Test("the yearly cap holds across tickets, cuts the award that crosses it, and starts again each year")
    func cap() {
        var tally = PointsTally(rule: PointsRule(openedPoints: 10, mergedPoints: 2, yearlyCap: 25))
        let opened = PointsRule.Award(reporterRef: "GW-1", reason: .opened, points: 10)
        #expect(tally.give(opened, year: 2026) == 10)
        #expect(tally.give(opened, year: 2026) == 10)
        #expect(tally.give(opened, year: 2026) == 5)
        #expect(tally.give(opened, year: 2026) == 0)
        #expect(tally.give(PointsRule.Award(reporterRef: "GW-2", reason: .merged, points: 2), year: 2026) == 2)
        #expect(tally.give(opened, year: 2027) == 10)
        #expect(tally.awarded["GW-1"] == [2026: 25, 2027: 10])
        // What the ledger already holds counts against the cap.
        var seeded = PointsTally(rule: rule, awarded: ["GW-1": [2026: 995]])
        #expect(seeded.give(opened, year: 2026) == 5)
        #expect(rule.given(requested: 10, awardedThisYear: 1200) == 0)
    }

    @Test("the year of an award is the local year of the closing")
    func localYear() throws {
        let zone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let newYear = try #require(RFC3339.parse("2026-12-31T16:30:00Z"))
        #expect(PointsRule.year(of: newYear, in: zone) == 2027)
        #expect(PointsRule.year(of: newYear, in: .gmt) == 2026)
    }

    @Test("a redemption never takes the balance below zero")
    func redemption() {
        #expect(PointsRule.redemptionProblem(points: -10, balance: 10) == nil)
        #expect(PointsRule.redemptionProblem(points: -1, balance: 12) == nil)
        let problem = PointsRule.redemptionProblem(points: -11, balance: 10)
        #expect(problem?.field == "points")
        #expect(problem?.code == .outOfRange)
        #expect(PointsRule.redemptionProblem(points: -1, balance: 0) != nil)
    }

    @Test("reporter_ref: a grid worker's id, else phone: and 16 hex digits of SHA-256 of the phone's digits")
    func reporterRef() {
        // FIPS 180-2's test vector: SHA-256("abc").
        #expect(PointsReference.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let citizen = Reporter(name: "张三", phone: "138-1234-5678")
        #expect(PointsReference.of(channel: .twelve345, reporter: citizen) == "phone:38aed9048140b0e4")
        #expect(PointsReference.of(channel: .hotline, reporter: Reporter(phone: "13812345678")) == "phone:38aed9048140b0e4")
        #expect(PointsReference.of(channel: .grid, reporter: Reporter(phone: "13812345678", id: "GW-0405")) == "GW-0405")
        // Only a grid report's id names a grid worker; elsewhere the phone decides.
        #expect(PointsReference.of(channel: .twelve345, reporter: Reporter(phone: "13812345678", id: "X-1")) == "phone:38aed9048140b0e4")
        #expect(PointsReference.of(channel: .twelve345, reporter: Reporter(phone: "13812345678", anonymous: true)) == nil)
        #expect(PointsReference.of(channel: .grid, reporter: Reporter(anonymous: true, id: "GW-0405")) == nil)
        #expect(PointsReference.of(channel: .twelve345, reporter: Reporter(name: "李四")) == nil)
        #expect(PointsReference.of(channel: .twelve345, reporter: nil) == nil)
        #expect(PointsRule.isGridWorker("GW-0405") && !PointsRule.isGridWorker("phone:38aed9048140b0e4"))
    }

    @Test("a redemption is validated field by field, every error at once")
    func redemptionValidation() {
        let codes = ReferenceCodes(departments: ["QS-JDB", "QS-CGJ"], streetOffices: ["QS-JDB"])
        let validator = PointsRedemptionValidator(reference: codes)
        let good = Array(#"{"external_id":"R-1","by":"QS-JDB","reporter_ref":"GW-1","points":-20,"reason":"兑换"}"#.utf8)
        #expect(
            validator.validate(body: good)
                == .valid(PointsRedemption(externalId: "R-1", by: "QS-JDB", reporterRef: "GW-1", points: -20, reason: "兑换")))
        let bad = Array(#"{"by":"QS-CGJ","reporter_ref":"GW-1","points":5}"#.utf8)
        guard case .invalid(let errors) = validator.validate(body: bad) else {
            Issue.record("accepted an invalid redemption")
            return
        }
        #expect(
            Set(errors.map { "\($0.field ?? "-") \($0.code.rawValue)" }) == [
                "external_id required", "by unknown_code", "points out_of_range", "reason required",
            ])
        let sender = SenderRules()
        #expect(sender.redemptionProblem(userId: "dept-QS-JDB", by: "QS-JDB") == nil)
        #expect(sender.redemptionProblem(userId: "dept-QS-CGJ", by: "QS-JDB")?.code == .notAllowed)
        #expect(sender.redemptionProblem(userId: "whistle-admin", by: "QS-JDB")?.code == .notAllowed)
    }

    @Test("points are read by the street office of the street and the command centers above it, by no one else")
    func access() {
        func access(_ department: String, role: Principal.Role = .department) -> PointsAccess {
            let policy = AccessPolicy(
                principal: Principal(subject: department, department: department, role: role), reference: RoutingTown.reference)
            return PointsAccess(policy: policy, reference: RoutingTown.reference)
        }
        #expect(access("QS-JDB") == PointsAccess(streets: ["S-QS"], unplaced: false))
        #expect(access("QS-ZHZX") == PointsAccess(streets: ["S-QS"], unplaced: false))
        #expect(access("XS-ZHZX") == PointsAccess(streets: ["S-FL", "S-QS"], unplaced: true))
        #expect(access("YC-ZHZX").contains(street: "S-FL") && access("YC-ZHZX").contains(street: nil))
        #expect(!access("FL-JDB").contains(street: "S-QS") && !access("QS-JDB").contains(street: nil))
        for outsider in ["XS-CGJ", "XS-XFJ", "QS-SQ-JWH", "XS-OLD", "NOBODY"] { #expect(access(outsider).isEmpty, "\(outsider)") }
        #expect(access("QS-JDB", role: .auditor).isEmpty)
    }
}
