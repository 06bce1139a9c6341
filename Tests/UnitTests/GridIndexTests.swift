import Testing
import WhistleDomain

/// The polygon index: point in polygon (concave too), the rule on shared edges, and the bucket
/// grid against a brute-force check at a city's scale.
@Suite("Grid index")
struct GridIndexTests {
    static func square(_ lat: Double, _ lon: Double, size: Double = 1) -> [GeoPoint] {
        [
            GeoPoint(lat: lat, lon: lon), GeoPoint(lat: lat, lon: lon + size), GeoPoint(lat: lat + size, lon: lon + size),
            GeoPoint(lat: lat + size, lon: lon),
        ]
    }

    @Test("a concave polygon (a C) contains its arms but not the notch between them")
    func concave() {
        // A C open to the east: x (lon) 0…3, y (lat) 0…3, the notch x 1…3, y 1…2.
        let c = [(0, 0), (0, 3), (3, 3), (3, 2), (1, 2), (1, 1), (3, 1), (3, 0)].map { GeoPoint(lat: Double($0.1), lon: Double($0.0)) }
        let index = GridIndex(polygons: [("G-C", c)])
        for inside in [(0.5, 0.5), (0.5, 2.5), (2.5, 2.5), (2.5, 0.5), (0.5, 1.5)] {
            #expect(index.grid(containing: GeoPoint(lat: inside.1, lon: inside.0)) == "G-C", "\(inside)")
        }
        for outside in [(1.5, 1.5), (2.5, 1.5), (2.9, 1.2), (3.5, 0.5), (-0.1, 1)] {
            #expect(index.grid(containing: GeoPoint(lat: outside.1, lon: outside.0)) == nil, "\(outside)")
        }
    }

    @Test("a point on a shared edge belongs to exactly one grid: the east one, or the north one")
    func sharedEdges() {
        // Four unit squares around (1, 1): SW, SE, NW, NE.
        let polygons = [
            ("G-SW", Self.square(0, 0)), ("G-SE", Self.square(0, 1)), ("G-NW", Self.square(1, 0)), ("G-NE", Self.square(1, 1)),
        ]
        // Any order of the input gives the same answers.
        for order in [polygons, polygons.reversed()] {
            let index = GridIndex(polygons: order)
            #expect(index.grid(containing: GeoPoint(lat: 0.5, lon: 1)) == "G-SE", "west–east edge: the east square")
            #expect(index.grid(containing: GeoPoint(lat: 1, lon: 0.5)) == "G-NW", "south–north edge: the north square")
            #expect(index.grid(containing: GeoPoint(lat: 1, lon: 1)) == "G-NE", "the shared corner: north-east")
            #expect(index.grid(containing: GeoPoint(lat: 0, lon: 0.5)) == "G-SW", "the outer south edge is inside")
            #expect(index.grid(containing: GeoPoint(lat: 2, lon: 0.5)) == nil, "the outer north edge is outside")
            #expect(index.grid(containing: GeoPoint(lat: 0.5, lon: 2)) == nil, "the outer east edge is outside")
        }
        // And by brute force the point is in exactly one polygon.
        for point in [GeoPoint(lat: 0.5, lon: 1), GeoPoint(lat: 1, lon: 0.5), GeoPoint(lat: 1, lon: 1), GeoPoint(lat: 1.3, lon: 1)] {
            #expect(polygons.filter { GridIndex.contains($0.1, point) }.count == 1, "\(point)")
        }
    }

    @Test("overlapping polygons (bad data): the smallest code wins; degenerate polygons are left out")
    func overlapsAndDegenerates() {
        let index = GridIndex(polygons: [
            ("G-B", Self.square(0, 0, size: 2)), ("G-A", Self.square(1, 1, size: 2)),
            ("G-LINE", [GeoPoint(lat: 0, lon: 0), GeoPoint(lat: 5, lon: 5)]),
            ("G-NAN", [GeoPoint(lat: .nan, lon: 0), GeoPoint(lat: 1, lon: 1), GeoPoint(lat: 0, lon: 1)]),
        ])
        #expect(index.count == 2)
        #expect(index.grid(containing: GeoPoint(lat: 1.5, lon: 1.5)) == "G-A")
        #expect(index.grid(containing: GeoPoint(lat: 0.5, lon: 0.5)) == "G-B")
        #expect(index.grid(containing: GeoPoint(lat: .nan, lon: 0.5)) == nil)
        #expect(GridIndex(polygons: []).grid(containing: GeoPoint(lat: 0, lon: 0)) == nil)
    }

    @Test("a generated 100 × 100 city: random points land where a brute-force check puts them, in exactly one grid")
    func cityScale() {
        let city = SyntheticCity(rows: 100, columns: 100, seed: 16)
        let index = GridIndex(polygons: city.grids)
        #expect(index.count == 10_000)
        let statistics = index.cellStatistics
        #expect(statistics.cells >= 5_000 && statistics.mostPolygonsInACell <= 12, "\(statistics)")
        var random = SplitMix64(seed: 1616)
        var inside = 0
        for _ in 0..<1_000 {
            let point = city.randomPoint(margin: 2, using: &random)
            let expected = city.bruteForce(point)
            #expect(expected.containing <= 1, "the tiling has no overlaps at \(point)")
            #expect(index.grid(containing: point) == expected.code, "\(point)")
            if expected.code != nil { inside += 1 }
        }
        #expect(inside > 850, "most points fall inside the city (\(inside))")
    }

    @Test("every generated grid contains its own corner-weighted centre, and the index finds it")
    func everyGrid() {
        let city = SyntheticCity(rows: 30, columns: 40, seed: 7)
        let index = GridIndex(polygons: city.grids)
        for grid in city.grids {
            // The mean of the four lattice corners (positions 0, 2, 4, 6) lies well inside.
            let corners = [grid.corners[0], grid.corners[2], grid.corners[4], grid.corners[6]]
            let centre = GeoPoint(lat: corners.map(\.lat).reduce(0, +) / 4, lon: corners.map(\.lon).reduce(0, +) / 4)
            #expect(index.grid(containing: centre) == grid.code)
        }
    }
}
