import WhistleDomain

/// A generated city of `rows × columns` grids that tile a box without gaps or overlaps, shaped
/// irregularly: the lattice's corners are jittered, and every edge gets a jittered midpoint, so
/// each grid is an octagon, often concave. Neighbours share their corners and midpoints exactly.
struct SyntheticCity {
    let rows: Int
    let columns: Int
    let origin = GeoPoint(lat: 24.9, lon: 102.6)
    let cell = (lat: 0.0036, lon: 0.0040)
    /// (code, corners), row by row.
    let grids: [(code: String, corners: [GeoPoint])]
    /// Each grid's bounding box (min lat, max lat, min lon, max lon), for the brute force.
    private let boxes: [(Double, Double, Double, Double)]

    init(rows: Int, columns: Int, seed: UInt64) {
        self.rows = rows
        self.columns = columns
        var random = SplitMix64(seed: seed)
        let origin = self.origin, cell = self.cell
        func jitter(_ amount: Double) -> Double { Double.random(in: -amount...amount, using: &random) }
        // Corners (rows + 1) × (columns + 1); the outer ring stays straight.
        var corners: [[GeoPoint]] = []
        for row in 0...rows {
            corners.append(
                (0...columns).map { column in
                    let inner = row > 0 && row < rows && column > 0 && column < columns
                    return GeoPoint(
                        lat: origin.lat + (Double(row) + (inner ? jitter(0.15) : 0)) * cell.lat,
                        lon: origin.lon + (Double(column) + (inner ? jitter(0.15) : 0)) * cell.lon)
                })
        }
        // Midpoints of the edges running east (rows + 1 × columns) and north (rows × columns + 1),
        // pushed sideways on inner edges.
        func mid(_ a: GeoPoint, _ b: GeoPoint, push: GeoPoint) -> GeoPoint {
            GeoPoint(lat: (a.lat + b.lat) / 2 + push.lat, lon: (a.lon + b.lon) / 2 + push.lon)
        }
        let east = (0...rows).map { row in
            (0..<columns).map { column in
                mid(
                    corners[row][column], corners[row][column + 1],
                    push: GeoPoint(lat: row > 0 && row < rows ? jitter(0.12) * cell.lat : 0, lon: 0))
            }
        }
        let north = (0..<rows).map { row in
            (0...columns).map { column in
                mid(
                    corners[row][column], corners[row + 1][column],
                    push: GeoPoint(lat: 0, lon: column > 0 && column < columns ? jitter(0.12) * cell.lon : 0))
            }
        }
        var grids: [(code: String, corners: [GeoPoint])] = []
        for row in 0..<rows {
            for column in 0..<columns {
                let ring = [
                    corners[row][column], east[row][column], corners[row][column + 1], north[row][column + 1],
                    corners[row + 1][column + 1], east[row + 1][column], corners[row + 1][column], north[row][column],
                ]
                grids.append((Self.code(row, column), ring))
            }
        }
        self.grids = grids
        boxes = grids.map { grid in
            let lats = grid.corners.map(\.lat), lons = grid.corners.map(\.lon)
            return (lats.min() ?? 0, lats.max() ?? 0, lons.min() ?? 0, lons.max() ?? 0)
        }
    }

    static func code(_ row: Int, _ column: Int) -> String {
        "G-\(String(row + 1000).dropFirst())-\(String(column + 1000).dropFirst())"
    }

    /// The grid containing `point` by testing every polygon (the brute-force reference: each
    /// box, then the polygon), with the number of polygons that contain it.
    func bruteForce(_ point: GeoPoint) -> (code: String?, containing: Int) {
        var containing: [String] = []
        for (grid, box) in zip(grids, boxes)
        where point.lat >= box.0 && point.lat <= box.1 && point.lon >= box.2 && point.lon <= box.3
            && GridIndex.contains(grid.corners, point)
        {
            containing.append(grid.code)
        }
        return (containing.min(), containing.count)
    }

    /// A random point within the city's box, widened by `margin` cells on every side.
    func randomPoint(margin: Double, using random: inout SplitMix64) -> GeoPoint {
        GeoPoint(
            lat: origin.lat + Double.random(in: -margin...(Double(rows) + margin), using: &random) * cell.lat,
            lon: origin.lon + Double.random(in: -margin...(Double(columns) + margin), using: &random) * cell.lon)
    }
}
