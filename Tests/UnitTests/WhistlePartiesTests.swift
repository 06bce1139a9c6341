import Testing
import WhistleDomain
import WhistleMessages

@Suite("Whistle parties: who blew the whistle, who rules on it")
struct WhistlePartiesTests {
    let data = RoutingTown.reference

    @Test("a whistle message's whistler is its by, at every level and whatever its area")
    func whistlerOfAWhistleMessage() {
        for by in ["QS-JDB", "QS-ZHZX", "XS-ZHZX", "YC-ZHZX"] {
            let whistle = Whistle(by: by, departments: ["XS-CGJ"], reason: "占道")
            #expect(WhistleParties.whistler(channel: .whistle, area: "D-XS", whistle: whistle, reference: data) == by)
        }
    }

    @Test("a grid report's whistle is blown by the street office of the grid's street")
    func whistlerOfAGridWhistle() {
        let whistle = Whistle(departments: ["XS-CGJ"], reason: "占道")
        #expect(WhistleParties.whistler(channel: .grid, area: "G-QS-SQ-02", whistle: whistle, reference: data) == "QS-JDB")
        #expect(WhistleParties.whistler(channel: .grid, area: "G-FL-HF-01", whistle: whistle, reference: data) == "FL-JDB")
        #expect(WhistleParties.whistler(channel: .grid, area: "G-NOPE", whistle: whistle, reference: data) == nil, "unknown grid")
        #expect(WhistleParties.whistler(channel: .grid, area: nil, whistle: whistle, reference: data) == nil)
    }

    @Test("a ticket without a whistle has no whistler")
    func noWhistle() {
        for channel in Channel.allCases {
            #expect(WhistleParties.whistler(channel: channel, area: "G-QS-SQ-01", whistle: nil, reference: data) == nil)
        }
        let anonymous = Whistle(departments: ["XS-CGJ"])
        #expect(
            WhistleParties.whistler(channel: .hotline, area: "G-QS-SQ-01", whistle: anonymous, reference: data) == nil,
            "only a grid report's whistle without by falls back to the street office")
    }

    @Test("the ruler is the nearest command center on the parent chain, never the whistler itself")
    func ruler() {
        #expect(WhistleParties.ruler(ofWhistler: "QS-JDB", reference: data) == "XS-ZHZX", "street office → district center")
        #expect(
            WhistleParties.ruler(ofWhistler: "QS-ZHZX", reference: data) == "XS-ZHZX",
            "street center → its street office's parent, the district center")
        #expect(WhistleParties.ruler(ofWhistler: "FL-JDB", reference: data) == "XS-ZHZX")
        #expect(WhistleParties.ruler(ofWhistler: "XS-ZHZX", reference: data) == "YC-ZHZX", "district center → city center")
        #expect(WhistleParties.ruler(ofWhistler: "YC-ZHZX", reference: data) == "YC-ZHZX", "the city center rules its own")
    }

    @Test("no ruler for an unknown whistler or one with no command center above")
    func noRuler() {
        #expect(WhistleParties.ruler(ofWhistler: "NOPE", reference: data) == nil)
        #expect(WhistleParties.ruler(ofWhistler: "XS-GDJ", reference: data) == nil, "no parent and no command center itself")
        let orphans = ReferenceData(
            areas: RoutingTown.areas,
            departments: [
                Department(code: "XS-ZHZX", name: "区指挥中心", level: .district, kind: .commandCenter, area: "D-XS"),
                Department(code: "A-JDB", name: "a", level: .street, kind: .streetOffice, parent: "B-JDB", area: "S-QS"),
                Department(code: "B-JDB", name: "b", level: .street, kind: .streetOffice, parent: "A-JDB", area: "S-FL"),
            ],
            categories: [], rules: [])
        #expect(
            WhistleParties.ruler(ofWhistler: "XS-ZHZX", reference: orphans) == nil,
            "only a city-level command center rules its own whistles")
        #expect(WhistleParties.ruler(ofWhistler: "A-JDB", reference: orphans) == nil, "a parent cycle ends the chain")
    }
}
