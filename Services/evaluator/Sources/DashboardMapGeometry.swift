import Foundation

/// The dashboard map's projection: equirectangular about the centre latitude of the bounding box
/// (a degree of longitude is `cos(centre latitude)` of a degree of latitude there), north up, one
/// scale for both axes so shapes keep their proportions, fitted into `width` × `maxHeight` pixels
/// with `pad` on every side. At a district's scale (a few kilometres) the error of the flat
/// projection is far below a pixel.
struct MapProjection: Sendable {
    let minLat: Double
    let maxLat: Double
    let minLon: Double
    let maxLon: Double
    /// `cos` of the centre latitude: metres east per metre north for one degree.
    let lonScale: Double
    /// Pixels per degree of latitude.
    let scale: Double
    let pad: Double
    let width: Double
    let height: Double

    /// The projection fitting every `[lat, lon]` point of `polygons`; nil when they span no area.
    init?(fitting polygons: [[[Double]]], width: Double, maxHeight: Double, pad: Double = 10) {
        let points = polygons.joined()
        guard let minLat = points.map({ $0[0] }).min(), let maxLat = points.map({ $0[0] }).max(),
            let minLon = points.map({ $0[1] }).min(), let maxLon = points.map({ $0[1] }).max(), maxLat > minLat, maxLon > minLon
        else { return nil }
        self.minLat = minLat
        self.maxLat = maxLat
        self.minLon = minLon
        self.maxLon = maxLon
        lonScale = cos((minLat + maxLat) / 2 * .pi / 180)
        let spanX = (maxLon - minLon) * lonScale, spanY = maxLat - minLat
        scale = min((width - 2 * pad) / spanX, (maxHeight - 2 * pad) / spanY)
        self.pad = pad
        self.width = (spanX * scale + 2 * pad).rounded()
        height = (spanY * scale + 2 * pad).rounded()
    }

    /// The picture's x of a longitude (east is right).
    func x(_ lon: Double) -> Double { pad + (lon - minLon) * lonScale * scale }
    /// The picture's y of a latitude (north is up).
    func y(_ lat: Double) -> Double { pad + (maxLat - lat) * scale }

    /// `x,y` of a `[lat, lon]` point, to a tenth of a pixel.
    func point(_ corner: [Double]) -> String { String(format: "%.1f,%.1f", x(corner[1]), y(corner[0])) }

    /// The SVG `points` of a polygon.
    func points(_ polygon: [[Double]]) -> String { polygon.map(point).joined(separator: " ") }

    /// The centre of a polygon's corners, in the picture.
    func centre(_ polygon: [[Double]]) -> (x: Double, y: Double) {
        let n = Double(max(1, polygon.count))
        return (polygon.map { x($0[1]) }.reduce(0, +) / n, polygon.map { y($0[0]) }.reduce(0, +) / n)
    }
}

/// The outline of a group of grids (a community, a street): the polygon edges that no other grid
/// of the group shares. Grids of a tessellation share corners, so an inner edge appears twice
/// (once each way) and the outer ring once; corners are compared to 1e-7° (about a centimetre).
enum MapOutline {
    struct Edge: Hashable {
        var from: [Int64]
        var to: [Int64]
    }

    /// The edges of the group's outer ring, as `[lat, lon]` pairs.
    static func ring(_ polygons: [[[Double]]]) -> [([Double], [Double])] {
        func key(_ point: [Double]) -> [Int64] { point.map { Int64(($0 * 1e7).rounded()) } }
        var seen: [Edge: Int] = [:]
        var order: [(Edge, [Double], [Double])] = []
        for polygon in polygons where polygon.count >= 3 {
            for (index, a) in polygon.enumerated() {
                let b = polygon[(index + 1) % polygon.count]
                let (ka, kb) = (key(a), key(b))
                guard ka != kb else { continue }
                let edge = ka.lexicographicallyPrecedes(kb) ? Edge(from: ka, to: kb) : Edge(from: kb, to: ka)
                if seen[edge] == nil { order.append((edge, a, b)) }
                seen[edge, default: 0] += 1
            }
        }
        return order.filter { seen[$0.0] == 1 }.map { ($0.1, $0.2) }
    }

    /// An SVG path (`M x,y L x,y` per edge) of `edges` through `projection`.
    static func path(_ edges: [([Double], [Double])], _ projection: MapProjection) -> String {
        edges.map { "M\(projection.point($0.0))L\(projection.point($0.1))" }.joined()
    }
}
