import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// The whistle message (吹哨 at every level, CONTRACT §10): `WhistleValidator` against the small
/// 云城市 of `RoutingTown`.
@Suite("Whistle message validation")
struct WhistleValidatorTests {
    static let now = RFC3339.parse("2026-11-21T12:00:00+08:00") ?? Date()
    let validator = WhistleValidator(reference: RoutingTown.reference)

    /// A valid whistle from the 青石 street office about one of its grids.
    static let body: JSONValue = [
        "external_id": "QS-W-1", "submitted_at": "2026-11-21T09:30:00+08:00", "by": "QS-JDB", "area": "G-QS-SQ-01",
        "content": "石桥社区农贸市场周边占道经营反复出现", "departments": ["XS-CGJ", "XS-GA"], "reason": "占道经营屡禁不止，需城管、公安联合执法",
    ]

    func validate(_ body: JSONValue) -> DemandValidation { validator.validate(body: body.jsonBytes, now: Self.now) }

    func pairs(_ outcome: DemandValidation) -> [String] { outcome.errors.map { "\($0.field ?? "nil") \($0.code)" } }

    @Test("a valid whistle is a demand of channel whistle: its area, its whistle with by")
    func valid() throws {
        let demand = try #require(validate(Self.body.replacing("urgency", with: "urgent").replacing("title", with: " 占道 ")).demand)
        #expect(demand.channel == .whistle && demand.externalId == "QS-W-1" && demand.urgency == .urgent && demand.title == "占道")
        #expect(demand.area == "G-QS-SQ-01" && demand.ticketArea == "G-QS-SQ-01")
        #expect(demand.whistle == Whistle(by: "QS-JDB", departments: ["XS-CGJ", "XS-GA"], reason: "占道经营屡禁不止，需城管、公安联合执法"))
        #expect(demand.location == nil && demand.reporter == nil && demand.attachments.isEmpty)
        #expect(demand.submittedAt == RFC3339.parse("2026-11-21T09:30:00+08:00"))
    }

    @Test("every level may whistle on any area of its own subtree")
    func levels() {
        let cases: [(by: String, area: String)] = [
            ("QS-JDB", "S-QS"), ("QS-ZHZX", "M-QS-LX"), ("XS-ZHZX", "D-XS"), ("XS-ZHZX", "G-FL-HF-02"), ("YC-ZHZX", "C-YC"),
            ("YC-ZHZX", "G-QS-SQ-02"),
        ]
        for (by, area) in cases {
            let outcome = validate(Self.body.replacing("by", with: .string(by)).replacing("area", with: .string(area)))
            #expect(outcome.demand?.whistle?.by == by, "\(by) on \(area): \(pairs(outcome))")
            #expect(outcome.demand?.area == area)
        }
    }

    @Test("by must be an active street office or command center")
    func whistler() {
        #expect(pairs(validate(Self.body.replacing("by", with: "XS-CGJ"))) == ["by not_allowed"], "a bureau")
        #expect(pairs(validate(Self.body.replacing("by", with: "QS-SQ-JWH"))) == ["by not_allowed"], "a community committee")
        #expect(pairs(validate(Self.body.replacing("by", with: "NOPE"))) == ["by unknown_code"])
        #expect(pairs(validate(Self.body.removing("by"))) == ["by required"])
    }

    @Test("area must be known and inside by's area subtree")
    func area() {
        #expect(pairs(validate(Self.body.replacing("area", with: "G-FL-HF-01"))) == ["area not_allowed"], "another street's grid")
        #expect(pairs(validate(Self.body.replacing("area", with: "D-XS"))) == ["area not_allowed"], "above the street")
        #expect(pairs(validate(Self.body.replacing("area", with: "G-NOPE"))) == ["area unknown_code"])
        #expect(pairs(validate(Self.body.removing("area"))) == ["area required"])
        #expect(
            pairs(validate(Self.body.replacing("by", with: "XS-CGJ").replacing("area", with: "G-FL-HF-01"))) == ["by not_allowed"],
            "without a valid by the area is only checked to be known")
    }

    @Test("departments: at least one, known, active, distinct, never by")
    func departments() {
        #expect(pairs(validate(Self.body.replacing("departments", with: []))) == ["departments too_short"])
        #expect(pairs(validate(Self.body.removing("departments"))) == ["departments required"])
        #expect(pairs(validate(Self.body.replacing("departments", with: "XS-CGJ"))) == ["departments invalid_type"])
        #expect(
            pairs(validate(Self.body.replacing("departments", with: ["XS-CGJ", "NOPE", "XS-CGJ", "QS-JDB", "XS-OLD", 7])))
                == [
                    "departments[1] unknown_code", "departments[2] invalid_value", "departments[3] not_allowed",
                    "departments[4] not_allowed", "departments[5] invalid_type",
                ])
        let many = JSONValue.array((0...WhistleValidator.maxDepartments).map { _ in "XS-CGJ" })
        #expect(pairs(validate(Self.body.replacing("departments", with: many))).first == "departments too_many")
    }

    @Test("every error is reported, in the order of the field list, with a readable external_id")
    func everyError() {
        let body: JSONValue = [
            "external_id": "QS-W-2", "submitted_at": "yesterday", "by": "XS-CGJ", "area": "G-NOPE", "content": "  ",
            "title": .string(String(repeating: "字", count: 201)), "category": "NOPE", "urgency": "soon", "departments": [],
            "reason": 3,
        ]
        let outcome = validate(body)
        #expect(
            pairs(outcome) == [
                "submitted_at invalid_format", "by not_allowed", "area unknown_code", "content required", "title too_long",
                "category unknown_code", "urgency invalid_value", "departments too_short", "reason invalid_type",
            ])
        guard case .invalid(let externalId, _) = outcome else { return }
        #expect(externalId == "QS-W-2")
        #expect(pairs(validate(Self.body.removing("reason"))) == ["reason required"])
        #expect(pairs(validator.validate(body: Array("[1]".utf8), now: Self.now)) == ["nil invalid_json"])
        #expect(pairs(validator.validate(body: Array("{".utf8), now: Self.now)) == ["nil invalid_json"])
    }

    @Test("a whistle is no demand: demand.whistle names no channel and DemandValidator refuses the channel")
    func notADemandChannel() {
        #expect(Channel(routingKey: "demand.whistle") == nil)
        #expect(Channel(intakeRoutingKey: "whistle") == .whistle)
        #expect(Channel(intakeRoutingKey: "demand.grid") == .grid)
        #expect(Channel(intakeRoutingKey: "demand.whistle") == nil && Channel(intakeRoutingKey: "feedback") == nil)
        #expect(Channel.demandChannels == [.hotline, .twelve345, .grid, .petition])
        #expect(Channel.whistle.routingKey == "whistle" && !Channel.whistle.isDemandChannel)
        #expect(SenderRules.channel(ofAdapter: "adapter-whistle") == nil, "there is no whistle adapter")
        let demands = DemandValidator(reference: RoutingTown.reference.codes)
        #expect(demands.validate(channel: .whistle, body: Self.body.jsonBytes, now: Self.now).demand == nil)
    }
}
