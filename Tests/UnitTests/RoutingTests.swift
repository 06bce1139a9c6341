import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// A small 云城市 in code: one city, one district, two streets (青石 with a street command center,
/// 枫林 without), three communities, five grids; bureaus with and without a supervising city bureau.
enum RoutingTown {
    static let areas: [Area] = [
        Area(code: "C-YC", name: "云城市", level: .city),
        Area(code: "D-XS", name: "西山区", level: .district, parent: "C-YC"),
        Area(code: "S-QS", name: "青石街道", level: .street, parent: "D-XS"),
        Area(code: "S-FL", name: "枫林街道", level: .street, parent: "D-XS"),
        Area(code: "M-QS-SQ", name: "石桥社区", level: .community, parent: "S-QS"),
        Area(code: "M-QS-LX", name: "柳巷社区", level: .community, parent: "S-QS"),
        Area(code: "M-FL-HF", name: "红枫社区", level: .community, parent: "S-FL"),
        Area(code: "G-QS-SQ-01", name: "石桥社区第1网格", level: .grid, parent: "M-QS-SQ", centroidLat: 25.0198, centroidLon: 102.6900),
        Area(code: "G-QS-SQ-02", name: "石桥社区第2网格", level: .grid, parent: "M-QS-SQ", centroidLat: 25.0198, centroidLon: 102.6940),
        Area(code: "G-QS-LX-01", name: "柳巷社区第1网格", level: .grid, parent: "M-QS-LX", centroidLat: 25.0198, centroidLon: 102.6980),
        Area(code: "G-FL-HF-01", name: "红枫社区第1网格", level: .grid, parent: "M-FL-HF", centroidLat: 25.0054, centroidLon: 102.6980),
        Area(code: "G-FL-HF-02", name: "红枫社区第2网格", level: .grid, parent: "M-FL-HF", centroidLat: 25.0054, centroidLon: 102.7020),
    ]

    static let departments: [Department] = [
        Department(code: "YC-ZHZX", name: "市指挥中心", level: .city, kind: .commandCenter, area: "C-YC"),
        Department(code: "YC-XFJ", name: "市信访局", level: .city, kind: .petitionBureau, parent: "YC-ZHZX", area: "C-YC"),
        Department(code: "YC-CGJ", name: "市城管局", level: .city, kind: .bureau, parent: "YC-ZHZX", area: "C-YC"),
        Department(code: "XS-ZHZX", name: "区指挥中心", level: .district, kind: .commandCenter, parent: "YC-ZHZX", area: "D-XS"),
        Department(code: "XS-XFJ", name: "区信访局", level: .district, kind: .petitionBureau, parent: "YC-XFJ", area: "D-XS"),
        Department(code: "XS-CGJ", name: "区城管局", level: .district, kind: .bureau, parent: "YC-CGJ", area: "D-XS"),
        Department(code: "XS-SWJ", name: "区水务局", level: .district, kind: .bureau, parent: "XS-ZHZX", area: "D-XS"),
        Department(code: "XS-ZJJ", name: "区住建局", level: .district, kind: .bureau, parent: "XS-ZHZX", area: "D-XS"),
        Department(code: "XS-GA", name: "公安分局", level: .district, kind: .bureau, parent: "XS-ZHZX", area: "D-XS"),
        Department(code: "XS-XFDD", name: "消防救援大队", level: .district, kind: .bureau, parent: "XS-ZHZX", area: "D-XS"),
        Department(code: "XS-STHJ", name: "生态环境分局", level: .district, kind: .bureau, parent: "XS-ZHZX", area: "D-XS"),
        Department(code: "XS-GDJ", name: "供电分局", level: .district, kind: .bureau, area: "D-XS"),
        Department(code: "XS-OLD", name: "已撤销单位", level: .district, kind: .bureau, parent: "XS-ZHZX", area: "D-XS", active: false),
        Department(code: "QS-JDB", name: "青石街道办事处", level: .street, kind: .streetOffice, parent: "XS-ZHZX", area: "S-QS"),
        Department(code: "QS-ZHZX", name: "青石街道综合指挥中心", level: .street, kind: .commandCenter, parent: "QS-JDB", area: "S-QS"),
        Department(code: "FL-JDB", name: "枫林街道办事处", level: .street, kind: .streetOffice, parent: "XS-ZHZX", area: "S-FL"),
        Department(code: "QS-SQ-JWH", name: "石桥社区居委会", level: .community, kind: .communityCommittee, parent: "QS-JDB", area: "M-QS-SQ"),
        Department(code: "FL-HF-JWH", name: "红枫社区居委会", level: .community, kind: .communityCommittee, parent: "FL-JDB", area: "M-FL-HF"),
    ]

    /// Keywords as in deploy/seed/categories.yaml.
    static let categories: [Category] = [
        Category(code: "SRHJ", name: "市容环境"),
        Category(code: "SRHJ-ZDJY", name: "占道经营", parent: "SRHJ", keywords: ["占道经营", "占道", "摆摊", "流动摊贩", "马路市场", "出店经营", "夜市摊", "推车叫卖"]),
        Category(code: "SRHJ-LJQY", name: "垃圾清运", parent: "SRHJ", keywords: ["垃圾清运", "垃圾桶", "垃圾满溢", "垃圾收运", "垃圾站", "垃圾房", "没人清运", "环卫"]),
        Category(code: "SZSS", name: "市政设施"),
        Category(code: "SZSS-JGPS", name: "井盖缺失破损", parent: "SZSS", keywords: ["井盖", "盖板", "窨井", "雨水箅子", "检查井", "井盖缺失", "井口"]),
        Category(code: "SZSS-LDGZ", name: "路灯故障", parent: "SZSS", keywords: ["路灯", "路灯不亮", "灯不亮", "黑灯瞎火", "灯杆", "一片漆黑", "照明"]),
        Category(code: "SZSS-XSDDS", name: "下水道堵塞", parent: "SZSS", keywords: ["下水道堵塞", "下水道", "管道堵塞", "排水不畅", "污水冒溢", "化粪池", "返水", "疏通"]),
        Category(code: "STHJ", name: "生态环境"),
        Category(code: "STHJ-ZSRM", name: "噪声扰民", parent: "STHJ", keywords: ["噪声扰民", "噪音", "扰民", "广场舞", "音响", "喇叭", "吵闹", "高音"]),
        Category(code: "STHJ-YYWR", name: "油烟污染", parent: "STHJ", keywords: ["油烟", "油烟机", "烧烤", "排烟", "净化器", "油烟管道", "呛人"]),
        Category(code: "XFZX", name: "信访专项"),
        Category(
            code: "XFZX-ZFWT", name: "执法问题", parent: "XFZX", keywords: ["执法不规范", "粗暴执法", "暴力执法", "没收", "扣押", "罚款不开票", "执法人员", "执法记录仪"]),
        Category(code: "XFZX-GBZF", name: "干部作风", parent: "XFZX", keywords: ["干部作风", "态度恶劣", "推诿扯皮", "吃拿卡要", "不作为", "门难进", "脸难看", "踢皮球"]),
        Category(code: "GSGD", name: "供水供电"),
        Category(code: "GSGD-TD", name: "停电", parent: "GSGD", keywords: ["停电", "断电", "跳闸", "电压不稳", "变压器", "供电", "电表"]),
    ]

    static let rules: [RoutingRule] = [
        // SRHJ-LJQY has a rule at every level, each with its own lead.
        RoutingRule(category: "SRHJ-LJQY", lead: "XS-CGJ"),
        RoutingRule(category: "SRHJ-LJQY", area: "D-XS", lead: "XS-ZJJ", co: ["XS-CGJ"]),
        RoutingRule(category: "SRHJ-LJQY", area: "S-QS", lead: "QS-JDB", co: ["XS-CGJ"]),
        RoutingRule(category: "SRHJ-LJQY", area: "M-QS-SQ", lead: "QS-SQ-JWH", co: ["XS-CGJ", "QS-JDB"]),
        RoutingRule(category: "SRHJ-LJQY", area: "G-QS-SQ-01", lead: "XS-STHJ", co: ["QS-SQ-JWH", "XS-CGJ", "XS-OLD"]),
        RoutingRule(category: "SZSS-JGPS", lead: "XS-CGJ", co: ["XS-SWJ"]),
        RoutingRule(category: "SZSS-XSDDS", lead: "XS-SWJ", co: ["XS-CGJ"]),
        RoutingRule(category: "GSGD-TD", lead: "XS-GDJ"),
        RoutingRule(category: "STHJ-YYWR", lead: "XS-CGJ", co: ["XS-STHJ"]),
        RoutingRule(category: "XFZX-ZFWT", lead: "XS-XFJ"),
        RoutingRule(category: "XFZX-GBZF", lead: "XS-XFJ"),
    ]

    static let reference = ReferenceData(areas: areas, departments: departments, categories: categories, rules: rules)
    static let router = TicketRouter(reference: reference)
    static let classifier = KeywordClassifier(categories: categories)
}

@Suite("Reference data lookups")
struct RoutingReferenceDataTests {
    let data = RoutingTown.reference

    @Test("the area chain runs grid → community → street → district → city")
    func chain() {
        #expect(data.areaChain(from: "G-QS-SQ-01").map(\.code) == ["G-QS-SQ-01", "M-QS-SQ", "S-QS", "D-XS", "C-YC"])
        #expect(data.areaChain(from: "G-NOPE").isEmpty)
        #expect(data.street(of: "G-FL-HF-02")?.code == "S-FL")
        #expect(data.street(of: "D-XS") == nil)
        let loop = ReferenceData(
            areas: [Area(code: "A", name: "a", level: .grid, parent: "B"), Area(code: "B", name: "b", level: .community, parent: "A")],
            departments: [], categories: [], rules: [])
        #expect(loop.areaChain(from: "A").map(\.code) == ["A", "B"], "a parent cycle ends the chain")
    }

    @Test("street offices, command centers and the petition bureau are found up the tree")
    func departments() {
        #expect(data.streetOffice(ofStreet: "S-FL")?.code == "FL-JDB")
        #expect(data.streetOffice(ofStreet: "M-QS-SQ") == nil)
        #expect(data.commandCenter(level: .street, for: "G-QS-SQ-02")?.code == "QS-ZHZX")
        #expect(data.commandCenter(level: .street, for: "G-FL-HF-01") == nil, "never another street's center")
        #expect(data.commandCenter(for: "G-FL-HF-01")?.code == "XS-ZHZX")
        #expect(data.commandCenter(level: .city, for: "G-FL-HF-01")?.code == "YC-ZHZX")
        #expect(data.petitionBureau(for: "G-QS-LX-01")?.code == "XS-XFJ")
        #expect(data.petitionBureau(for: nil)?.code == "XS-XFJ", "no area: the lowest-level bureau")
        #expect(data.supervisor(of: "XS-CGJ")?.code == "YC-CGJ")
        #expect(
            data.applicableRules(category: "SRHJ-LJQY", areaCode: "G-QS-SQ-01").map(\.description) == [
                "SRHJ-LJQY@G-QS-SQ-01", "SRHJ-LJQY@M-QS-SQ", "SRHJ-LJQY@S-QS", "SRHJ-LJQY@D-XS", "SRHJ-LJQY@default",
            ])
        #expect(data.codes.streetOffices == ["QS-JDB", "FL-JDB"])
        // Inactive departments are never found: the lookup goes on up the tree.
        var retired = RoutingTown.departments.filter { $0.code != "XS-XFJ" }
        retired.append(Department(code: "XS-XFJ", name: "区信访局", level: .district, kind: .petitionBureau, area: "D-XS", active: false))
        let withRetired = ReferenceData(areas: RoutingTown.areas, departments: retired, categories: [], rules: [])
        #expect(withRetired.petitionBureau(for: "G-QS-LX-01")?.code == "YC-XFJ")
        #expect(withRetired.petitionBureau(for: nil)?.code == "YC-XFJ")
        #expect(data.codes.grids.count == 5)
    }
}

@Suite("Keyword classifier")
struct RoutingClassifierTests {
    let classifier = RoutingTown.classifier

    @Test("a broken drain cover: 下水道 (3) outweighs 盖板 (2), both 市政设施")
    func drainCover() {
        let text = "秦东门大街68号楼下水道盖板破损需要更换"
        #expect(classifier.scores(title: nil, content: text) == ["SZSS-XSDDS": 3, "SZSS-JGPS": 2])
        #expect(classifier.classify(title: nil, content: text) == .category(code: "SZSS-XSDDS", score: 3))
    }

    @Test("realistic sentences pick their leaf")
    func sentences() {
        #expect(classifier.classify(title: nil, content: "小区门口烧烤店油烟直排") == .category(code: "STHJ-YYWR", score: 4))
        #expect(classifier.classify(title: nil, content: "望江大道井盖缺失，晚上有人踩空") == .category(code: "SZSS-JGPS", score: 6))
        #expect(classifier.classify(title: "路灯", content: "晚上路灯不亮，一片漆黑") == .category(code: "SZSS-LDGZ", score: 13))
        #expect(classifier.classify(title: "停电", content: "整栋楼从早上开始没电") == .category(code: "GSGD-TD", score: 2))
        #expect(
            classifier.classify(title: nil, content: "城管执法人员没有打开执法记录仪，直接扣押我的三轮车")
                == .category(code: "XFZX-ZFWT", score: 11))
    }

    @Test("a tie at the top and no keyword at all are triage")
    func triage() {
        let tie = "门口有人摆摊，旁边井盖也丢了"
        #expect(classifier.scores(title: nil, content: tie) == ["SRHJ-ZDJY": 2, "SZSS-JGPS": 2])
        #expect(classifier.classify(title: nil, content: tie) == .triage)
        #expect(classifier.classify(title: nil, content: "请问办事大厅周末几点开门") == .triage)
        #expect(classifier.classify(title: "", content: "。。。") == .triage)
    }

    @Test("a category on the demand wins over the keywords")
    func given() {
        var demand = Demand(channel: .twelve345, externalId: "A1", submittedAt: Date(timeIntervalSince1970: 0), content: "小区门口烧烤店油烟直排")
        #expect(classifier.classify(demand) == .category(code: "STHJ-YYWR", score: 4))
        demand.category = "GSGD-TD"
        #expect(classifier.classify(demand) == .given("GSGD-TD"))
        #expect(classifier.classify(demand).categoryCode == "GSGD-TD")
    }

    @Test("only leaves are candidates; white space and punctuation do not break a keyword; title and content match apart")
    func matching() {
        let withKeywordedParent = KeywordClassifier(categories: [
            Category(code: "SZSS", name: "市政设施", keywords: ["下水道盖板破损"]),
            Category(code: "SZSS-JGPS", name: "井盖", parent: "SZSS", keywords: ["盖板"]),
        ])
        #expect(withKeywordedParent.classify(title: nil, content: "下水道盖板破损") == .category(code: "SZSS-JGPS", score: 2))
        #expect(classifier.classify(title: nil, content: "井　盖（缺失）") == .category(code: "SZSS-JGPS", score: 6))
        #expect(classifier.classify(title: "窨", content: "井") == .triage, "窨井 does not span title and content")
    }

    @Test("the result does not depend on the order of the categories")
    func deterministic() {
        let reversed = KeywordClassifier(categories: RoutingTown.categories.reversed())
        for text in ["秦东门大街68号楼下水道盖板破损需要更换", "门口有人摆摊，旁边井盖也丢了", "广场舞音响太吵，噪音扰民"] {
            #expect(reversed.classify(title: nil, content: text) == classifier.classify(title: nil, content: text))
        }
        #expect(classifier.classify(title: nil, content: "广场舞音响太吵，噪音扰民") == .category(code: "STHJ-ZSRM", score: 9))
    }
}

@Suite("Ticket routing")
struct RoutingRouterTests {
    let router = RoutingTown.router

    func route(_ category: String?, _ area: String?, excluding excluded: Set<String> = []) -> RoutingDecision {
        router.route(RoutingRequest(channel: .twelve345, category: category, area: area), excluding: excluded)
    }

    @Test("the most specific rule wins: grid > community > street > district > default")
    func specificity() {
        #expect(
            route("SRHJ-LJQY", "G-QS-SQ-01") == .assign(lead: "XS-STHJ", co: ["QS-SQ-JWH", "XS-CGJ"], rule: "rule SRHJ-LJQY@G-QS-SQ-01"))
        #expect(route("SRHJ-LJQY", "G-QS-SQ-02") == .assign(lead: "QS-SQ-JWH", co: ["XS-CGJ", "QS-JDB"], rule: "rule SRHJ-LJQY@M-QS-SQ"))
        #expect(route("SRHJ-LJQY", "G-QS-LX-01") == .assign(lead: "QS-JDB", co: ["XS-CGJ"], rule: "rule SRHJ-LJQY@S-QS"))
        #expect(route("SRHJ-LJQY", "G-FL-HF-01") == .assign(lead: "XS-ZJJ", co: ["XS-CGJ"], rule: "rule SRHJ-LJQY@D-XS"))
        #expect(route("SRHJ-LJQY", nil) == .assign(lead: "XS-CGJ", co: [], rule: "rule SRHJ-LJQY@default"))
        #expect(route("SRHJ-LJQY", "G-NOPE") == .assign(lead: "XS-CGJ", co: [], rule: "rule SRHJ-LJQY@default"))
        #expect(route("SZSS-JGPS", "G-QS-SQ-01") == .assign(lead: "XS-CGJ", co: ["XS-SWJ"], rule: "rule SZSS-JGPS@default"))
    }

    @Test("unknown, missing or parent category → triage")
    func unknownCategory() {
        guard case .triage(let reason) = route("NOPE-X", "G-QS-SQ-01") else {
            Issue.record("expected triage")
            return
        }
        #expect(reason.contains("unknown category"))
        guard case .triage = route(nil, "G-QS-SQ-01"), case .triage(let none) = route("SZSS", nil) else {
            Issue.record("expected triage")
            return
        }
        #expect(none.contains("no routing rule"))
    }

    @Test("a whistle: the street office leads, the named departments are co, without repeats")
    func whistle() {
        let request = RoutingRequest(
            channel: .grid, category: nil, area: "G-FL-HF-02",
            whistle: Whistle(departments: ["XS-GA", "FL-JDB", "XS-XFDD", "XS-GA", "XS-ZJJ"], reason: "群租房"))
        #expect(router.route(request) == .assign(lead: "FL-JDB", co: ["XS-GA", "XS-XFDD", "XS-ZJJ"], rule: "whistle S-FL"))
        #expect(router.route(request, excluding: ["XS-XFDD"]) == .assign(lead: "FL-JDB", co: ["XS-GA", "XS-ZJJ"], rule: "whistle S-FL"))
        guard case .triage = router.route(request, excluding: ["FL-JDB"]) else {
            Issue.record("the whistling street cannot hand its own whistle on")
            return
        }
        var noStreet = request
        noStreet.area = nil
        guard case .triage = router.route(noStreet) else {
            Issue.record("a whistle needs a street")
            return
        }
    }

    @Test("a complaint goes to the subject unit's supervisor, else the petition bureau; the unit appears nowhere")
    func complaint() {
        func complaint(
            _ category: String?, about unit: String, area: String? = nil, excluding excluded: Set<String> = []
        ) -> RoutingDecision {
            router.route(
                RoutingRequest(
                    channel: .petition, category: category, area: area, petitionKind: .complaint, subjectUnit: unit, petitioners: 1),
                excluding: excluded)
        }
        let supervisor = "complaint: the subject unit's supervising department"
        let bureau = "complaint: petition bureau"
        let cases: [(RoutingDecision, String, RoutingDecision)] = [
            // The seed samples: 城管执法 complaint about XS-CGJ → YC-CGJ; 居委会 complaint → the street office.
            (
                complaint("XFZX-ZFWT", about: "XS-CGJ", area: "G-QS-LX-01"), "XS-CGJ",
                .assign(lead: "YC-CGJ", co: ["XS-XFJ"], rule: supervisor + "; co from rule XFZX-ZFWT@default")
            ),
            (
                complaint("XFZX-GBZF", about: "QS-SQ-JWH"), "QS-SQ-JWH",
                .assign(lead: "QS-JDB", co: ["XS-XFJ"], rule: supervisor + "; co from rule XFZX-GBZF@default")
            ),
            // The rule's own lead is the subject unit: it is left out, its co stays.
            (
                complaint("SZSS-JGPS", about: "XS-CGJ"), "XS-CGJ",
                .assign(lead: "YC-CGJ", co: ["XS-SWJ"], rule: supervisor + "; co from rule SZSS-JGPS@default")
            ),
            (
                complaint("SZSS-JGPS", about: "XS-SWJ"), "XS-SWJ",
                .assign(lead: "XS-ZHZX", co: ["XS-CGJ"], rule: supervisor + "; co from rule SZSS-JGPS@default")
            ),
            (
                complaint("SRHJ-LJQY", about: "QS-JDB", area: "G-QS-SQ-02"), "QS-JDB",
                .assign(lead: "XS-ZHZX", co: ["QS-SQ-JWH", "XS-CGJ"], rule: supervisor + "; co from rule SRHJ-LJQY@M-QS-SQ")
            ),
            // No supervising department: the petition bureau nearest the area.
            (
                complaint("GSGD-TD", about: "XS-GDJ", area: "G-QS-SQ-01"), "XS-GDJ",
                .assign(lead: "XS-XFJ", co: [], rule: bureau + "; co from rule GSGD-TD@default")
            ),
            // The supervisor returned it: the petition bureau.
            (
                complaint("SZSS-JGPS", about: "XS-CGJ", excluding: ["YC-CGJ"]), "XS-CGJ",
                .assign(lead: "XS-XFJ", co: ["XS-SWJ"], rule: bureau + "; co from rule SZSS-JGPS@default")
            ),
            // No category: the subject unit still decides the lead.
            (complaint(nil, about: "XS-CGJ"), "XS-CGJ", .assign(lead: "YC-CGJ", co: [], rule: supervisor)),
        ]
        for (decision, unit, expected) in cases {
            #expect(decision == expected)
            guard case .assign(let lead, let co, let rule) = decision else {
                Issue.record("expected an assignment")
                continue
            }
            #expect(lead != unit && !co.contains(unit) && !rule.contains(unit))
        }
        guard case .triage(let reason) = complaint("SZSS-JGPS", about: "XS-CGJ", excluding: ["YC-CGJ", "XS-XFJ"]) else {
            Issue.record("neither supervisor nor bureau: triage")
            return
        }
        #expect(!reason.contains("XS-CGJ"))
        // A request (not a complaint) about the same unit routes by the rules.
        let request = router.route(
            RoutingRequest(channel: .petition, category: "SZSS-JGPS", area: nil, petitionKind: .request, subjectUnit: "XS-CGJ"))
        #expect(request == .assign(lead: "XS-CGJ", co: ["XS-SWJ"], rule: "rule SZSS-JGPS@default"))
    }

    @Test("returned: re-route to the next most specific rule whose lead is available; excluded co dropped; none left → triage")
    func excluded() {
        #expect(
            route("SRHJ-LJQY", "G-QS-SQ-01", excluding: ["XS-STHJ"])
                == .assign(lead: "QS-SQ-JWH", co: ["XS-CGJ", "QS-JDB"], rule: "rule SRHJ-LJQY@M-QS-SQ"))
        #expect(
            route("SRHJ-LJQY", "G-QS-SQ-01", excluding: ["XS-STHJ", "QS-SQ-JWH", "XS-CGJ"])
                == .assign(lead: "QS-JDB", co: [], rule: "rule SRHJ-LJQY@S-QS"))
        #expect(
            route("SRHJ-LJQY", "G-QS-SQ-01", excluding: ["QS-SQ-JWH"])
                == .assign(lead: "XS-STHJ", co: ["XS-CGJ"], rule: "rule SRHJ-LJQY@G-QS-SQ-01"), "an excluded co is dropped, the rule stays")
        guard
            case .triage(let reason) = route("SRHJ-LJQY", "G-QS-SQ-01", excluding: ["XS-STHJ", "QS-SQ-JWH", "QS-JDB", "XS-ZJJ", "XS-CGJ"])
        else {
            Issue.record("every lead excluded must be triage")
            return
        }
        #expect(reason.contains("no available lead"))
        guard case .triage = route("GSGD-TD", nil, excluding: ["XS-GDJ"]) else {
            Issue.record("the only rule's lead excluded must be triage")
            return
        }
    }
}

@Suite("Escalation")
struct RoutingEscalationTests {
    @Test("the escalation target of each level")
    func targets() {
        let data = RoutingTown.reference
        #expect(EscalationTarget.department(for: .street, area: "G-QS-SQ-01", in: data)?.code == "QS-ZHZX")
        #expect(
            EscalationTarget.department(for: .street, area: "G-FL-HF-01", in: data)?.code == "FL-JDB", "no street center: the street office"
        )
        #expect(EscalationTarget.department(for: .street, area: nil, in: data) == nil)
        #expect(EscalationTarget.department(for: .district, area: "G-FL-HF-01", in: data)?.code == "XS-ZHZX")
        #expect(EscalationTarget.department(for: .district, area: nil, in: data)?.code == "XS-ZHZX")
        #expect(EscalationTarget.department(for: .city, area: "G-QS-SQ-01", in: data)?.code == "YC-ZHZX")
    }

    @Test("3 demands and 5 petitioners escalate to the street")
    func repeats() {
        #expect(RepeatEscalation.repeated(reportCountBefore: 1, after: 2) == nil)
        #expect(RepeatEscalation.repeated(reportCountBefore: 2, after: 3) == .repeated)
        #expect(Escalation.repeated.level == .street && Escalation.repeated.reason == .repeated)
        #expect(RepeatEscalation.repeated(reportCountBefore: 3, after: 4) == nil, "escalates once")
        #expect(RepeatEscalation.groupPetition(petitioners: 4) == nil)
        #expect(RepeatEscalation.groupPetition(petitioners: 5) == .groupPetition)
        #expect(Escalation.groupPetition.level == .street && Escalation.groupPetition.reason == .groupPetition)
        let group = RoutingRequest(channel: .petition, category: "LDSB-TQGZ", area: nil, petitionKind: .request, petitioners: 14)
        #expect(RepeatEscalation.groupPetition(group) == .groupPetition)
        #expect(RepeatEscalation.groupPetition(RoutingRequest(channel: .petition, category: nil, area: nil, petitioners: 1)) == nil)
    }
}

@Suite("Merging (并单)")
struct RoutingMergeTests {
    let policy = MergePolicy()
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    static let report = "秦东门大街68号楼下水道盖板破损，需要尽快更换"

    func incoming(
        _ content: String = "秦东门大街68号楼下水道盖板破损需要更换", channel: Channel = .twelve345, grid: String? = "G-QS-SQ-01",
        lat: Double? = 25.0198, lon: Double? = 102.6900
    ) -> MergePolicy.Incoming {
        MergePolicy.Incoming(channel: channel, category: "SZSS-JGPS", grid: grid, lat: lat, lon: lon, at: now, content: content)
    }

    func ticket(
        _ ticketNo: String = "W20261121-000001", content: String = report, hoursAgo: Double = 10, grid: String? = "G-QS-SQ-01",
        lat: Double? = 25.0198, lon: Double? = 102.6900, category: String = "SZSS-JGPS", channel: Channel = .grid
    ) -> MergePolicy.OpenTicket {
        MergePolicy.OpenTicket(
            ticketNo: ticketNo, category: category, grid: grid, lat: lat, lon: lon,
            openedAt: now.addingTimeInterval(-hoursAgo * 3600), content: content, channel: channel)
    }

    /// `count` distinct CJK ideographs from `base`: every bigram of such a text is distinct.
    static func ideographs(_ base: UInt32, _ range: Range<Int>) -> String {
        String(String.UnicodeScalarView(range.compactMap { Unicode.Scalar(base + UInt32($0)) }))
    }

    /// Dice computed here on its own: bigram sets (the texts below have no repeated bigram).
    static func independentDice(_ a: String, _ b: String) -> Double {
        func bigrams(_ s: String) -> [String] {
            let chars = Array(s)
            return (0..<(chars.count - 1)).map { String(chars[$0]) + String(chars[$0 + 1]) }
        }
        let left = bigrams(a), right = bigrams(b)
        return 2 * Double(Set(left).intersection(right).count) / Double(left.count + right.count)
    }

    @Test("a whistle never merges, however similar: each whistle is scored on its own")
    func whistleNeverMerges() {
        var whistle = incoming(channel: .grid)
        #expect(policy.decide(whistle, candidates: [ticket()]) != .new, "the same report without a whistle merges")
        whistle.hasWhistle = true
        #expect(policy.decide(whistle, candidates: [ticket()]) == .new)
    }

    @Test("similar text, same grid, within 72 h → merge")
    func merges() {
        guard case .merge(let ticketNo, let similarity) = policy.decide(incoming(), candidates: [ticket()]) else {
            Issue.record("expected a merge")
            return
        }
        #expect(ticketNo == "W20261121-000001")
        #expect(similarity >= 0.6 && similarity < 1)
        #expect(policy.decide(incoming(), candidates: [ticket(category: "SZSS-XSDDS")]) == .new, "another category")
        #expect(policy.decide(incoming(), candidates: []) == .new)
    }

    @Test("different grid: 199 m away merges, 201 m away is new")
    func distance() {
        // Along a meridian the haversine distance is R·Δφ; R = 6 371 000 m (mean Earth radius).
        let metresPerDegree = 6_371_000 * Double.pi / 180
        let lat201 = 25.0198 + 201 / metresPerDegree
        let lat199 = 25.0198 + 199 / metresPerDegree
        #expect(abs(MergePolicy.distanceMeters(lat1: 25.0198, lon1: 102.69, lat2: lat201, lon2: 102.69) - 201) < 1e-6)
        let far = ticket(grid: "G-QS-SQ-03", lat: lat201, lon: 102.6900)
        let near = ticket(grid: "G-QS-SQ-03", lat: lat199, lon: 102.6900)
        #expect(policy.decide(incoming(), candidates: [far]) == .new)
        guard case .merge = policy.decide(incoming(), candidates: [near]) else {
            Issue.record("199 m must merge")
            return
        }
        #expect(
            policy.decide(incoming(grid: "G-QS-SQ-02", lat: nil, lon: nil), candidates: [ticket()]) == .new, "no coordinates, other grid")
    }

    @Test("opened 73 h ago is new; 72 h still merges")
    func age() {
        #expect(policy.decide(incoming(), candidates: [ticket(hoursAgo: 73)]) == .new)
        guard case .merge = policy.decide(incoming(), candidates: [ticket(hoursAgo: 72)]) else {
            Issue.record("72 h must merge")
            return
        }
    }

    @Test("the Dice boundary: 0.59 is new, 0.60 and 0.61 merge")
    func diceBoundary() {
        // Both texts have 101 ideographs (100 bigrams); sharing the first k ideographs shares k − 1 bigrams.
        let open = Self.ideographs(0x4E00, 0..<101)
        func variant(sharing k: Int) -> String { Self.ideographs(0x4E00, 0..<k) + Self.ideographs(0x5E00, k..<101) }
        let expected: [(Int, Double, Bool)] = [(60, 0.59, false), (61, 0.60, true), (62, 0.61, true)]
        for (k, dice, merges) in expected {
            let text = variant(sharing: k)
            #expect(abs(Self.independentDice(open, text) - dice) < 1e-12)
            #expect(abs(TextSimilarity.bigramDice(open, text) - dice) < 1e-12)
            // Punctuation and spaces do not change the measure.
            #expect(abs(TextSimilarity.bigramDice(open, "  " + text + "。！") - dice) < 1e-12)
            let decision = policy.decide(incoming(text), candidates: [ticket(content: open)])
            if merges {
                #expect(decision == .merge(ticketNo: "W20261121-000001", similarity: dice), "k = \(k)")
            } else {
                #expect(decision == .new, "k = \(k)")
            }
        }
    }

    @Test("a petition is linked, never merged; a petition ticket absorbs nothing")
    func petitions() {
        #expect(policy.decide(incoming(channel: .petition), candidates: [ticket()]) == .link(ticketNo: "W20261121-000001"))
        #expect(
            policy.decide(incoming(channel: .petition, grid: nil, lat: nil, lon: nil), candidates: [ticket()])
                == .link(ticketNo: "W20261121-000001"), "a letter without a place is still linked")
        #expect(policy.decide(incoming(channel: .petition), candidates: [ticket(hoursAgo: 80)]) == .new)
        #expect(policy.decide(incoming(), candidates: [ticket(channel: .petition)]) == .new)
    }

    @Test("the best candidate: highest similarity, then the most recent")
    func best() {
        let exact = ticket("W20261121-000002", content: "秦东门大街68号楼下水道盖板破损需要更换", hoursAgo: 30)
        let close = ticket("W20261121-000003", hoursAgo: 1)
        #expect(policy.decide(incoming(), candidates: [close, exact]) == .merge(ticketNo: "W20261121-000002", similarity: 1))
        // Equal similarity: the most recent wins, even against a smaller ticket number.
        let older = ticket("W20261120-000009", hoursAgo: 20)
        for candidates in [[older, close], [close, older]] {
            guard case .merge(let ticketNo, _) = policy.decide(incoming(), candidates: candidates) else {
                Issue.record("expected a merge")
                return
            }
            #expect(ticketNo == "W20261121-000003")
        }
    }

    @Test("normalisation keeps letters, marks and numbers, folds full width and case")
    func normalisation() {
        #expect(TextSimilarity.normalized("Ａｂ，Ｃ　１２ x-Y！\n🙂") == "abc12xy")
        #expect(TextSimilarity.normalized("井盖（缺失）。") == "井盖缺失")
        #expect(TextSimilarity.bigramDice("井", "井") == 1)
        #expect(TextSimilarity.bigramDice("井", "盖") == 0)
        #expect(TextSimilarity.bigramDice("", "") == 0)
        // Multiset: "aaa" has bigrams {aa, aa}; "aa" has {aa}: 2·1 / 3.
        #expect(abs(TextSimilarity.bigramDice("aaa", "aa") - 2.0 / 3.0) < 1e-12)
        #expect(abs(TextSimilarity.bigramDice("aa", "aaa") - 2.0 / 3.0) < 1e-12)
    }
}
