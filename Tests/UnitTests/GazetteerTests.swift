import Testing
import WhistleDomain

/// The gazetteer's matching rules on a small hand-made gazetteer.
@Suite("Gazetteer")
struct GazetteerTests {
    static let entries: [GazetteerEntry] = [
        GazetteerEntry(kind: .road, name: "石桥路", area: "M-SQ"),
        GazetteerEntry(kind: .building, name: "石桥路", area: "G-SQ-01", numbers: 1...39),
        GazetteerEntry(kind: .building, name: "石桥路", area: "G-SQ-03", numbers: 40...79),
        GazetteerEntry(kind: .building, name: "望江大道", area: "G-WJ-02", numbers: 50...89),
        GazetteerEntry(kind: .estate, name: "翠苑", aliases: ["翠苑小区"], area: "G-SQ-02"),
        GazetteerEntry(kind: .landmark, name: "文庙", area: "G-SY-05"),
        GazetteerEntry(kind: .road, name: "文庙后街", area: "M-SY"),
        GazetteerEntry(kind: .community, name: "石桥社区", aliases: ["石桥村"], area: "M-SQ"),
    ]
    static let prefixes = ["云城市", "西山区", "青石街道"]
    static let gazetteer = Gazetteer(entries: entries, prefixes: prefixes)

    static func place(_ address: String) -> (area: String, kind: GazetteerEntry.Kind, label: String, confidence: Double)? {
        gazetteer.match(address).map { ($0.entry.area, $0.entry.kind, $0.entry.label, $0.confidence) }
    }

    @Test("a road and a building number in range place into that range's grid; out of range or none, the road's area")
    func buildingNumbers() {
        #expect(Self.place("石桥路15号")?.area == "G-SQ-01")
        #expect(Self.place("石桥路40号")?.area == "G-SQ-03", "both ends of a range are in it")
        #expect(Self.place("石桥路79号楼下")?.area == "G-SQ-03")
        let building = Self.place("云城市西山区青石街道石桥路 52 号")
        #expect(building?.kind == .building && building?.confidence == 0.95 && building?.label == "石桥路40-79号")
        let road = Self.place("石桥路200号")
        #expect(road?.area == "M-SQ" && road?.kind == .road && road?.confidence == 0.5 && road?.label == "石桥路")
        #expect(Self.place("石桥路边上")?.area == "M-SQ")
        // A road known only by its ranges places nothing without a number in range.
        #expect(Self.place("望江大道68号")?.area == "G-WJ-02")
        #expect(Self.place("望江大道120号") == nil)
        #expect(Self.place("望江大道") == nil)
    }

    @Test("full-width digits and punctuation are read; a dash ends the number (15-3号 is number 15)")
    func normalisation() {
        #expect(Self.place("石桥路４５号")?.area == "G-SQ-03")
        #expect(Self.place("石　桥　路，１５号")?.area == "G-SQ-01")
        #expect(Self.place("石桥路39-50号")?.area == "G-SQ-01", "39, not 3950")
        #expect(Gazetteer.normalized("Ａ１２－３号 ") == Array("a12|3号".unicodeScalars))
    }

    @Test("the most confident kind wins, a name inside a longer one does not count, aliases match like names")
    func precedence() {
        let estate = Self.place("石桥路翠苑小区3栋")
        #expect(estate?.kind == .estate && estate?.area == "G-SQ-02" && estate?.confidence == 0.9 && estate?.label == "翠苑")
        #expect(Self.place("石桥路15号翠苑")?.kind == .building, "a number in range outranks the estate")
        let street = Self.place("文庙后街")
        #expect(street?.kind == .road && street?.area == "M-SY", "文庙 inside 文庙后街 is no landmark hit")
        #expect(Self.place("文庙门口")?.kind == .landmark)
        let community = Self.place("石桥村委会旁边")
        #expect(community?.kind == .community && community?.confidence == 0.7 && community?.label == "石桥社区")
    }

    @Test("an address naming nothing known matches nothing; prefixes alone do not match")
    func nothing() {
        #expect(Self.place("某小区门口") == nil)
        #expect(Self.place("云城市西山区青石街道") == nil)
        #expect(Self.place("") == nil)
        #expect(Self.place("石") == nil)
    }

    @Test("the answer does not depend on the order of the entries")
    func orderIndependent() {
        let reversed = Gazetteer(entries: Self.entries.reversed(), prefixes: Self.prefixes.reversed())
        for address in ["石桥路15号翠苑", "石桥路200号", "文庙后街", "石桥社区石桥路", "文庙翠苑", "望江大道68号"] {
            #expect(reversed.match(address) == Self.gazetteer.match(address), "\(address)")
        }
        #expect(Self.gazetteer.count == Self.entries.count)
    }

    @Test("the confidence scale is ordered building > estate > landmark > community > road, all within 0…1")
    func scale() {
        let order: [GazetteerEntry.Kind] = [.building, .estate, .landmark, .community, .road]
        for (higher, lower) in zip(order, order.dropFirst()) { #expect(higher.confidence > lower.confidence) }
        #expect(order.allSatisfy { $0.confidence > 0 && $0.confidence <= 1 })
    }
}
