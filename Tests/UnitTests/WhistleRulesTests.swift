import Foundation
import Testing
import WhistleDomain
import WhistleMessages
import WhistleReliability

/// The whistle message's rules besides validation (CONTRACT §10): its routing, its sender, that it
/// never merges, its deadlines and who may publish it on the broker.
@Suite("Whistle rules")
struct WhistleRulesTests {
    let router = RoutingTown.router

    func whistle(by: String, area: String, departments: [String]) -> RoutingRequest {
        RoutingRequest(
            channel: .whistle, category: "SRHJ-LJQY", area: area, whistle: Whistle(by: by, departments: departments, reason: "r"))
    }

    @Test("a whistle message: by leads, the named usable departments are co; rules and category play no part")
    func routing() {
        #expect(
            router.route(whistle(by: "XS-ZHZX", area: "G-QS-SQ-01", departments: ["XS-CGJ", "XS-GA", "XS-CGJ", "XS-ZHZX", "XS-OLD"]))
                == .assign(lead: "XS-ZHZX", co: ["XS-CGJ", "XS-GA"], rule: "whistle by XS-ZHZX"))
        #expect(
            router.route(whistle(by: "QS-JDB", area: "G-QS-SQ-01", departments: ["XS-CGJ"]))
                == .assign(lead: "QS-JDB", co: ["XS-CGJ"], rule: "whistle by QS-JDB"),
            "not the street office of the rule for S-QS by chance: the whistler")
        #expect(
            router.route(whistle(by: "YC-ZHZX", area: "C-YC", departments: ["YC-CGJ", "XS-CGJ"]), excluding: ["XS-CGJ"])
                == .assign(lead: "YC-ZHZX", co: ["YC-CGJ"], rule: "whistle by YC-ZHZX"))
        guard case .triage = router.route(whistle(by: "QS-JDB", area: "S-QS", departments: ["XS-CGJ"]), excluding: ["QS-JDB"]),
            case .triage = router.route(RoutingRequest(channel: .whistle, category: nil, area: "S-QS"))
        else {
            Issue.record("a whistle whose whistler is unavailable, or without a whistle, goes to triage")
            return
        }
    }

    @Test("the grid report's whistle routes as before, to the street office of the grid")
    func gridWhistleUnchanged() {
        let request = RoutingRequest(
            channel: .grid, category: nil, area: "G-FL-HF-02", whistle: Whistle(departments: ["XS-GA"], reason: "群租房"))
        #expect(router.route(request) == .assign(lead: "FL-JDB", co: ["XS-GA"], rule: "whistle S-FL"))
    }

    @Test("a routing request of a whistle demand carries the whistle's area")
    func requestArea() {
        let demand = Demand(
            channel: .whistle, externalId: "W-1", submittedAt: Date(), content: "c",
            whistle: Whistle(by: "XS-ZHZX", departments: ["XS-CGJ"], reason: "r"), area: "D-XS")
        #expect(RoutingRequest(demand: demand, category: nil).area == "D-XS")
        #expect(
            router.route(RoutingRequest(demand: demand, category: nil))
                == .assign(lead: "XS-ZHZX", co: ["XS-CGJ"], rule: "whistle by XS-ZHZX"))
    }

    @Test("only dept-<by> or a trusted operator may publish a whistle in strict mode")
    func sender() {
        let strict = SenderRules()
        #expect(strict.whistleProblem(userId: "dept-QS-JDB", by: "QS-JDB") == nil)
        #expect(strict.whistleProblem(userId: "whistle-admin", by: "YC-ZHZX") == nil)
        let forged = strict.whistleProblem(userId: "dept-QS-JDB", by: "XS-ZHZX")
        #expect(forged?.code == .notAllowed && forged?.field == nil)
        #expect(forged?.message.contains("dept-XS-ZHZX") == true)
        #expect(strict.whistleProblem(userId: "adapter-grid", by: "QS-JDB") != nil)
        #expect(strict.whistleProblem(userId: nil, by: "QS-JDB") != nil)
        #expect(strict.whistleProblem(userId: "adapter-grid", by: nil) == nil, "an unreadable by is the validator's to refuse")
        #expect(SenderRules(mode: .any).whistleProblem(userId: "adapter-grid", by: "QS-JDB") == nil)
    }

    @Test("a whistle ticket never absorbs a demand, and a whistle never merges")
    func neverMerges() {
        let opened = Date(timeIntervalSince1970: 1_800_000_000)
        let content = "石桥社区农贸市场门口占道经营严重"
        let whistleTicket = MergePolicy.OpenTicket(
            ticketNo: "W1", category: "SRHJ-ZDJY", grid: "G-QS-SQ-01", lat: nil, lon: nil, openedAt: opened, content: content,
            channel: .whistle)
        let gridTicket = MergePolicy.OpenTicket(
            ticketNo: "G1", category: "SRHJ-ZDJY", grid: "G-QS-SQ-01", lat: nil, lon: nil, openedAt: opened, content: content,
            channel: .grid)
        let report = MergePolicy.Incoming(
            channel: .grid, category: "SRHJ-ZDJY", grid: "G-QS-SQ-01", lat: nil, lon: nil, at: opened.addingTimeInterval(60),
            content: content)
        #expect(MergePolicy().decide(report, candidates: [whistleTicket]) == .new)
        guard case .merge(let ticketNo, _) = MergePolicy().decide(report, candidates: [whistleTicket, gridTicket]) else {
            Issue.record("the grid ticket of the same matter absorbs the report")
            return
        }
        #expect(ticketNo == "G1")
        let demand = Demand(
            channel: .whistle, externalId: "W-2", submittedAt: opened, content: content, category: "SRHJ-ZDJY",
            whistle: Whistle(by: "QS-JDB", departments: ["XS-CGJ"], reason: "r"), area: "G-QS-SQ-01")
        #expect(MergePolicy().decide(MergePolicy.Incoming(demand: demand, category: "SRHJ-ZDJY"), candidates: [gridTicket]) == .new)
    }

    @Test("whistle deadlines default to the grid's")
    func deadlines() {
        let policies = DeadlinePolicies([])
        for urgency in Urgency.allCases {
            let whistle = policies.policy(channel: .whistle, urgency: urgency)
            let grid = policies.policy(channel: .grid, urgency: urgency)
            #expect(whistle.channel == .whistle)
            #expect(whistle.acknowledge == grid.acknowledge && whistle.resolve == grid.resolve && whistle.extensionWindow == nil)
        }
    }

    @Test(
        "street offices publish whistle, evaluation, feedback (verifying their whistles) and points on whistle.intake; command centers all but points"
    )
    func brokerAccess() throws {
        let grants = BrokerAccess.services().adding(
            BrokerAccess.accounts(departments: [
                BrokerAccess.Department(code: "QS-JDB", isStreetOffice: true),
                BrokerAccess.Department(code: "XS-ZHZX", isStreetOffice: false, isCommandCenter: true),
                BrokerAccess.Department(code: "XS-CGJ", isStreetOffice: false),
            ]))
        func intake(_ user: String) -> String? {
            grants.topicPermissions.first { $0.user == user && $0.exchange == Exchange.intake }?.write
        }
        for key in ["whistle", "evaluation", "feedback", "points"] {
            #expect(try SenderRulesTests.matches(intake("dept-QS-JDB"), key), "\(key)")
        }
        for key in ["whistle", "evaluation", "feedback"] { #expect(try SenderRulesTests.matches(intake("dept-XS-ZHZX"), key), "\(key)") }
        for key in ["points", "demand.grid", "whistles"] {
            #expect(try !SenderRulesTests.matches(intake("dept-XS-ZHZX"), key), "\(key)")
        }
        #expect(intake("dept-XS-CGJ") == nil, "a bureau blows no whistle")
        let center = try #require(grants.permissions.first { $0.user == "dept-XS-ZHZX" })
        #expect(try SenderRulesTests.matches(center.write, Exchange.intake))
        #expect(!grants.users.contains { $0.name == "adapter-whistle" }, "there is no whistle adapter")
        let service = try #require(grants.permissions.first { $0.user == "whistle-intake" })
        for pattern in [service.configure, service.write, service.read] {
            #expect(try SenderRulesTests.matches(pattern, WhistleTopology.intakeEventsQueue))
        }
        #expect(try SenderRulesTests.matches(service.read, Exchange.events), "intake binds intake.events to whistle.events")
    }
}
