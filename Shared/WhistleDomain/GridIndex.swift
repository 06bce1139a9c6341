/// Finds the grid whose polygon contains a point, fast at a city's scale (tens of thousands of
/// grids): built once per reference refresh, then read by every demand.
///
/// **Index.** A uniform bucket grid over the bounding box of all polygons, with about as many
/// cells as polygons (shaped like that box). Each cell lists the polygons whose bounding box
/// overlaps it, in compressed rows (one offsets array, one items array). A lookup computes the
/// point's cell, then tests only that cell's polygons: first their bounding boxes, then the
/// polygon itself. With grids of similar size a cell holds a handful of polygons.
///
/// **Point in polygon.** Ray casting (crossing number, W. R. Franklin's PNPOLY) toward
/// increasing longitude, with the half-open rule on each edge: an edge counts when exactly one
/// of its ends lies strictly north of the point. Any simple polygon works, concave too.
///
/// **Boundaries.** The rule partitions the plane: a point on an edge shared by two polygons
/// belongs to exactly one of them — the one lying east of the edge, or for an edge running
/// east–west, the one to the north. A point on the outer boundary of the tiling (west or south
/// edge) is inside, on the east or north outer edge outside. Should polygons overlap (bad data),
/// the point goes to the smallest grid code among those containing it. So every answer is
/// deterministic.
public struct GridIndex: Sendable {
    /// Codes, sorted; polygon `i` has corners `lats/lons[offsets[i]..<offsets[i + 1]]`.
    private let codes: [String]
    private let offsets: [Int]
    private let lats: [Double]
    private let lons: [Double]
    private let boxes: [Box]
    private let bounds: Box
    private let rows: Int
    private let columns: Int
    private let cellLat: Double
    private let cellLon: Double
    private let cellStart: [Int32]
    private let cellItems: [Int32]

    private struct Box: Sendable {
        var minLat = Double.infinity, maxLat = -Double.infinity, minLon = Double.infinity, maxLon = -Double.infinity

        func contains(_ lat: Double, _ lon: Double) -> Bool {
            lat >= minLat && lat <= maxLat && lon >= minLon && lon <= maxLon
        }
    }

    /// Indexes `polygons` (grid code and corners). Polygons with fewer than 3 corners or a
    /// corner that is not finite are left out; a duplicated code keeps its first polygon.
    public init(polygons: [(code: String, corners: [GeoPoint])]) {
        var seen: Set<String> = []
        let kept = polygons.filter { polygon in
            polygon.corners.count >= 3 && polygon.corners.allSatisfy { $0.lat.isFinite && $0.lon.isFinite }
                && seen.insert(polygon.code).inserted
        }.sorted { $0.code < $1.code }
        var offsets = [0], lats: [Double] = [], lons: [Double] = [], boxes: [Box] = [], bounds = Box()
        for polygon in kept {
            var box = Box()
            for corner in polygon.corners {
                lats.append(corner.lat)
                lons.append(corner.lon)
                box.minLat = min(box.minLat, corner.lat)
                box.maxLat = max(box.maxLat, corner.lat)
                box.minLon = min(box.minLon, corner.lon)
                box.maxLon = max(box.maxLon, corner.lon)
            }
            offsets.append(lats.count)
            boxes.append(box)
            bounds = Box(
                minLat: min(bounds.minLat, box.minLat), maxLat: max(bounds.maxLat, box.maxLat),
                minLon: min(bounds.minLon, box.minLon), maxLon: max(bounds.maxLon, box.maxLon))
        }
        codes = kept.map(\.code)
        self.offsets = offsets
        self.lats = lats
        self.lons = lons
        self.boxes = boxes
        self.bounds = bounds
        // About one cell per polygon, the cells shaped like the whole box.
        let height = max(bounds.maxLat - bounds.minLat, 1e-9), width = max(bounds.maxLon - bounds.minLon, 1e-9)
        let target = Double(max(kept.count, 1))
        let columns = max(1, min(4096, Int((target * width / height).squareRoot().rounded())))
        let rows = max(1, min(4096, Int((target / Double(columns)).rounded(.up))))
        let cellLat = height / Double(rows), cellLon = width / Double(columns)
        self.rows = rows
        self.columns = columns
        self.cellLat = cellLat
        self.cellLon = cellLon
        // Two passes: count each cell's polygons, then fill the rows.
        var start = [Int32](repeating: 0, count: rows * columns + 1)
        let ranges = boxes.map { box in
            (
                Self.cell(box.minLat, bounds.minLat, cellLat, rows)...Self.cell(box.maxLat, bounds.minLat, cellLat, rows),
                Self.cell(box.minLon, bounds.minLon, cellLon, columns)...Self.cell(box.maxLon, bounds.minLon, cellLon, columns)
            )
        }
        for (rowRange, columnRange) in ranges {
            for row in rowRange { for column in columnRange { start[row * columns + column + 1] += 1 } }
        }
        for cell in 0..<(rows * columns) { start[cell + 1] += start[cell] }
        var fill = start
        var items = [Int32](repeating: 0, count: Int(start[rows * columns]))
        for (polygon, (rowRange, columnRange)) in ranges.enumerated() {
            for row in rowRange {
                for column in columnRange {
                    items[Int(fill[row * columns + column])] = Int32(polygon)
                    fill[row * columns + column] += 1
                }
            }
        }
        cellStart = start
        cellItems = items
    }

    /// The number of polygons indexed.
    public var count: Int { codes.count }

    /// The number of cells of the bucket grid and the most polygons any one cell lists.
    public var cellStatistics: (cells: Int, mostPolygonsInACell: Int) {
        let most = (0..<(rows * columns)).map { Int(cellStart[$0 + 1] - cellStart[$0]) }.max() ?? 0
        return (rows * columns, most)
    }

    /// The code of the grid containing `point` (see the type's boundary rule); nil when none
    /// does or the point is not finite.
    public func grid(containing point: GeoPoint) -> String? {
        let lat = point.lat, lon = point.lon
        guard !codes.isEmpty, lat.isFinite, lon.isFinite, bounds.contains(lat, lon) else { return nil }
        let cell = Self.cell(lat, bounds.minLat, cellLat, rows) * columns + Self.cell(lon, bounds.minLon, cellLon, columns)
        // The items of a cell are in code order: the first polygon containing the point wins.
        for item in cellStart[cell]..<cellStart[cell + 1] {
            let polygon = Int(cellItems[Int(item)])
            if boxes[polygon].contains(lat, lon), contains(polygon, lat, lon) { return codes[polygon] }
        }
        return nil
    }

    /// Whether the polygon `corners` contains `point`, by the same rule, without an index (the
    /// brute-force reference of the tests and the benchmark).
    public static func contains(_ corners: [GeoPoint], _ point: GeoPoint) -> Bool {
        guard corners.count >= 3 else { return false }
        var inside = false
        var j = corners.count - 1
        for i in 0..<corners.count {
            if crosses(corners[i].lat, corners[i].lon, corners[j].lat, corners[j].lon, point.lat, point.lon) { inside.toggle() }
            j = i
        }
        return inside
    }

    private func contains(_ polygon: Int, _ lat: Double, _ lon: Double) -> Bool {
        var inside = false
        let first = offsets[polygon], end = offsets[polygon + 1]
        var j = end - 1
        for i in first..<end {
            if Self.crosses(lats[i], lons[i], lats[j], lons[j], lat, lon) { inside.toggle() }
            j = i
        }
        return inside
    }

    /// Whether the edge (lat1, lon1)–(lat2, lon2) crosses the ray from (lat, lon) toward
    /// increasing longitude: exactly one end strictly north of the point, and the crossing
    /// strictly east of it.
    @inline(__always)
    private static func crosses(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double, _ lat: Double, _ lon: Double) -> Bool {
        guard (lat1 > lat) != (lat2 > lat) else { return false }
        return lon < (lon2 - lon1) * (lat - lat1) / (lat2 - lat1) + lon1
    }

    /// The cell of `value` along one axis, clamped to the grid (monotonic in `value`, so a
    /// polygon's box and a point inside it always meet in a cell).
    @inline(__always)
    private static func cell(_ value: Double, _ origin: Double, _ size: Double, _ count: Int) -> Int {
        let raw = ((value - origin) / size).rounded(.down)
        guard raw > 0 else { return 0 }
        return raw >= Double(count - 1) ? count - 1 : Int(raw)
    }
}
