import Testing
import WhistleDomain
import WhistleMessages

/// `AreaPlacer` on the sample district of deploy/seed (areas.yaml's polygons, gazetteer.yaml)
/// and the sample demands of deploy/samples/demands.
@Suite("Placement")
struct PlacementTests {
    static func placer() throws -> (AreaPlacer, ReferenceData) {
        let reference = try SampleDistrict.reference()
        return (AreaPlacer(reference: reference), reference)
    }

    @Test("200 generated points inside the sample district's grids land in them")
    func pointsInsideGrids() throws {
        let (placer, reference) = try Self.placer()
        let grids = reference.areas.values.filter { $0.level == .grid }.sorted { $0.code < $1.code }
        #expect(grids.count == 60 && grids.allSatisfy { $0.polygon?.count == 4 })
        var random = SplitMix64(seed: 200)
        for i in 0..<200 {
            let grid = grids[i % grids.count]
            let corners = try #require(grid.polygon)
            let lats = corners.map(\.lat), lons = corners.map(\.lon)
            let (minLat, maxLat) = (try #require(lats.min()), try #require(lats.max()))
            let (minLon, maxLon) = (try #require(lons.min()), try #require(lons.max()))
            // Strictly inside: a shared edge is the next test's matter.
            let point = GeoPoint(
                lat: Double.random(in: (minLat + 1e-7)...(maxLat - 1e-7), using: &random),
                lon: Double.random(in: (minLon + 1e-7)...(maxLon - 1e-7), using: &random))
            let placement = placer.place(Location(lat: point.lat, lon: point.lon))
            #expect(placement == AreaPlacement(area: grid.code, method: .coordinates, confidence: 1), "\(point) in \(grid.code)")
        }
    }

    @Test("points on a shared edge go to the east or north grid; points outside every grid keep the district")
    func edgesAndOutside() throws {
        let (placer, _) = try Self.placer()
        func area(_ lat: Double, _ lon: Double) -> AreaPlacement { placer.place(Location(lat: lat, lon: lon)) }
        #expect(area(25.01980, 102.69200).area == "G-QS-SQ-02", "edge SQ-01 | SQ-02: the east grid")
        #expect(area(25.01800, 102.69000).area == "G-QS-SQ-01", "edge SQ-03 / SQ-01: the north grid")
        // The lattice's empty cells (no grid drawn there), the world outside, and nonsense.
        let district = AreaPlacement(area: "D-XS", method: .district, confidence: 0)
        for (lat, lon) in [(25.0090, 102.6940), (24.9946, 102.6900), (24.9802, 102.7100), (25.0300, 102.7000), (0, 0), (200, 102.69)] {
            #expect(area(lat, lon) == district, "\(lat), \(lon)")
        }
        #expect(placer.place(nil) == district)
        #expect(placer.place(Location()) == district)
    }

    @Test("a known grid code comes first; an unknown one falls back on the coordinates, then the address")
    func order() throws {
        let (placer, _) = try Self.placer()
        let both = Location(address: "石桥路96号", lat: 24.9838, lon: 102.6981, grid: "G-QS-SQ-01")
        #expect(placer.place(both) == AreaPlacement(area: "G-QS-SQ-01", method: .grid, confidence: 1))
        var unknown = both
        unknown.grid = "G-NOWHERE"
        #expect(placer.place(unknown) == AreaPlacement(area: "G-GL-WJ-05", method: .coordinates, confidence: 1))
        unknown.lat = 200
        #expect(placer.place(unknown) == AreaPlacement(area: "G-QS-SQ-05", method: .address, confidence: 0.95, matched: "石桥路80-119号"))
    }

    @Test("the gazetteer places each placement sample to the expected area, with the expected method")
    func samples() throws {
        let (placer, _) = try Self.placer()
        let expected: [(String, AreaPlacement)] = [
            ("12345-placed-by-building-number", .init(area: "G-QS-SQ-05", method: .address, confidence: 0.95, matched: "石桥路80-119号")),
            ("12345-placed-by-estate", .init(area: "G-FL-DP-06", method: .address, confidence: 0.9, matched: "东坡水岸")),
            ("hotline-placed-by-landmark", .init(area: "G-GL-WJ-07", method: .address, confidence: 0.85, matched: "望江桥")),
            ("12345-placed-by-community", .init(area: "M-GL-YG", method: .address, confidence: 0.7, matched: "渔港社区")),
            ("hotline-placed-by-road", .init(area: "M-FL-HF", method: .address, confidence: 0.5, matched: "红枫路")),
            ("12345-placed-by-coordinates", .init(area: "G-QS-LX-02", method: .coordinates, confidence: 1)),
            ("hotline-placed-by-coordinates", .init(area: "G-GL-WJ-05", method: .coordinates, confidence: 1)),
            ("12345-unplaced-district", .init(area: "D-XS", method: .district, confidence: 0)),
        ]
        for (name, placement) in expected {
            let location = try SampleDistrict.location(ofSample: name)
            #expect(location?.grid == nil, "\(name) carries no grid code")
            #expect(placer.place(location) == placement, "\(name)")
        }
    }

    @Test("every sample with coordinates and a grid code: the coordinates lie in that grid")
    func samplesAgree() throws {
        let (placer, _) = try Self.placer()
        for name in ["12345-manhole-cover", "grid-fire-lane-blocked", "hotline-12319-streetlight", "grid-whistle-rental-housing"] {
            let location = try #require(try SampleDistrict.location(ofSample: name))
            let byPoint = placer.place(Location(lat: location.lat, lon: location.lon))
            #expect(byPoint.area == location.grid && byPoint.method == .coordinates, "\(name)")
        }
    }

    @Test("every sample address the gazetteer matches: its area is known, its name is an entry's, never the address")
    func gazetteerIntegrity() throws {
        let (placer, reference) = try Self.placer()
        let entries = try SampleDistrict.gazetteer()
        #expect((40...90).contains(entries.count))
        for entry in entries {
            #expect(reference.areas[entry.area].map { entry.kind.areaLevels.contains($0.level) } == true, "\(entry.label)")
        }
        #expect(placer.gazetteer.count == entries.count)
        let labels = Set(entries.map(\.label))
        for address in ["西山区石桥路１２号", "书院巷12号院", "澜湾东巷3号", "青石大街120号", "文庙后街中段", "红枫苑3栋"] {
            let placement = placer.place(Location(address: address))
            #expect(placement.method == .address && labels.contains(placement.matched ?? ""), "\(address)")
            #expect(placement.matched != address)
        }
    }

    @Test("unplaced: the only district when there is exactly one, else none")
    func unplaced() {
        let two = ReferenceData(
            areas: [
                Area(code: "C-X", name: "某市", level: .city), Area(code: "D-A", name: "甲区", level: .district, parent: "C-X"),
                Area(code: "D-B", name: "乙区", level: .district, parent: "C-X"),
            ], departments: [], categories: [], rules: [])
        #expect(AreaPlacer(reference: two).place(Location(address: "无名路")) == AreaPlacement(area: nil, method: .none, confidence: 0))
        let empty = ReferenceData(areas: [], departments: [], categories: [], rules: [])
        #expect(AreaPlacer(reference: empty).place(Location(lat: 25, lon: 102.7, grid: "G-QS-SQ-01")).method == .none)
    }
}
