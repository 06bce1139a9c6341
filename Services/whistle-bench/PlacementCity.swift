import WhistleDomain
import WhistleMessages

/// The generated city of `whistle-bench placement`: `rows × columns` grids tiling a box, each an
/// irregular octagon (jittered lattice corners plus a jittered midpoint on every edge, shared
/// exactly by neighbours, so many are concave), grouped 10 × 10 into communities and 10 rows
/// into streets of one district; and a gazetteer of `entries` roads (with building ranges),
/// estates, landmarks and communities over it, with addresses that name them.
struct PlacementCity {
    let rows: Int
    let columns: Int
    let origin = GeoPoint(lat: 24.9, lon: 102.6)
    let cell = (lat: 0.0036, lon: 0.0040)
    private(set) var areas: [Area] = []
    private(set) var gazetteer: [GazetteerEntry] = []
    private(set) var random: SeededRandom

    init(grids: Int, entries: Int, seed: UInt64) {
        columns = max(1, Int(Double(grids).squareRoot().rounded()))
        rows = max(1, (grids + columns - 1) / columns)
        random = SeededRandom(seed: seed)
        areas = makeAreas()
        gazetteer = makeGazetteer(entries)
    }

    static func community(_ row: Int, _ column: Int) -> String { "M-\(row / 10)-\(column / 10)" }
    static func grid(_ row: Int, _ column: Int) -> String { "G-\(row)-\(column)" }

    private mutating func jitter(_ amount: Double) -> Double { Double.random(in: -amount...amount, using: &random) }

    private mutating func makeAreas() -> [Area] {
        var corners: [[GeoPoint]] = []
        for row in 0...rows {
            var line: [GeoPoint] = []
            for column in 0...columns {
                let inner = row > 0 && row < rows && column > 0 && column < columns
                line.append(
                    GeoPoint(
                        lat: origin.lat + (Double(row) + (inner ? jitter(0.15) : 0)) * cell.lat,
                        lon: origin.lon + (Double(column) + (inner ? jitter(0.15) : 0)) * cell.lon))
            }
            corners.append(line)
        }
        func mid(_ a: GeoPoint, _ b: GeoPoint, _ lat: Double, _ lon: Double) -> GeoPoint {
            GeoPoint(lat: (a.lat + b.lat) / 2 + lat, lon: (a.lon + b.lon) / 2 + lon)
        }
        var east: [[GeoPoint]] = [], north: [[GeoPoint]] = []
        for row in 0...rows {
            var line: [GeoPoint] = []
            for column in 0..<columns {
                let push = row > 0 && row < rows ? jitter(0.12) * cell.lat : 0
                line.append(mid(corners[row][column], corners[row][column + 1], push, 0))
            }
            east.append(line)
        }
        for row in 0..<rows {
            var line: [GeoPoint] = []
            for column in 0...columns {
                let push = column > 0 && column < columns ? jitter(0.12) * cell.lon : 0
                line.append(mid(corners[row][column], corners[row + 1][column], 0, push))
            }
            north.append(line)
        }
        var areas = [
            Area(code: "C-BENCH", name: "基准市", level: .city), Area(code: "D-BENCH", name: "基准区", level: .district, parent: "C-BENCH"),
        ]
        for street in 0..<((rows + 9) / 10) {
            areas.append(Area(code: "S-\(street)", name: "第\(street)街道", level: .street, parent: "D-BENCH"))
            for block in 0..<((columns + 9) / 10) {
                areas.append(
                    Area(code: "M-\(street)-\(block)", name: "第\(street)-\(block)社区", level: .community, parent: "S-\(street)"))
            }
        }
        for row in 0..<rows {
            for column in 0..<columns {
                let ring = [
                    corners[row][column], east[row][column], corners[row][column + 1], north[row][column + 1],
                    corners[row + 1][column + 1], east[row + 1][column], corners[row + 1][column], north[row][column],
                ]
                areas.append(
                    Area(
                        code: Self.grid(row, column), name: "网格\(row)-\(column)", level: .grid, parent: Self.community(row, column),
                        polygon: ring))
            }
        }
        return areas
    }

    /// Two or three ideographs from a fixed list, unique per `index`.
    private static func stem(_ index: Int) -> String {
        let characters = Array("青石柳巷书院枫湾红东坡澜望江渔港桃李杏梅兰竹菊松柏桂荷莲安康宁泰和平兴华盛丰富贵祥瑞福寿春夏秋冬金银玉翠明光新阳朝晖云霞山川湖海")
        let count = characters.count
        var text = [characters[index % count], characters[(index / count) % count]]
        if index >= count * count { text.append(characters[(index / (count * count)) % count]) }
        return String(text)
    }

    private mutating func randomGrid() -> (row: Int, column: Int) {
        (Int.random(in: 0..<rows, using: &random), Int.random(in: 0..<columns, using: &random))
    }

    /// A fifth roads (each with two building ranges: two fifths), a quarter estates, the rest
    /// landmarks and communities.
    private mutating func makeGazetteer(_ total: Int) -> [GazetteerEntry] {
        var entries: [GazetteerEntry] = []
        let roads = total / 5, estates = total / 4, landmarks = (total - 3 * roads - estates) / 2
        let communities = total - 3 * roads - estates - landmarks
        for road in 0..<roads {
            let name = Self.stem(road) + ["路", "街", "巷", "大道"][road % 4]
            let (row, column) = randomGrid()
            entries.append(GazetteerEntry(kind: .road, name: name, area: Self.community(row, column)))
            let second = (min(rows - 1, row + 1), column)
            entries.append(GazetteerEntry(kind: .building, name: name, area: Self.grid(row, column), numbers: 1...49))
            entries.append(GazetteerEntry(kind: .building, name: name, area: Self.grid(second.0, second.1), numbers: 50...99))
        }
        for estate in 0..<estates {
            let (row, column) = randomGrid()
            let name = Self.stem(estate + 97) + ["小区", "花园", "苑", "新村"][estate % 4]
            entries.append(GazetteerEntry(kind: .estate, name: name, aliases: [name + "小区"], area: Self.grid(row, column)))
        }
        for landmark in 0..<landmarks {
            let (row, column) = randomGrid()
            let name = Self.stem(landmark + 211) + ["农贸市场", "广场", "公园", "小学"][landmark % 4]
            entries.append(GazetteerEntry(kind: .landmark, name: name, area: Self.grid(row, column)))
        }
        for community in 0..<communities {
            let (row, column) = randomGrid()
            entries.append(GazetteerEntry(kind: .community, name: Self.stem(community + 331) + "村", area: Self.community(row, column)))
        }
        return entries
    }

    /// A point inside the city's box.
    mutating func randomPoint() -> GeoPoint {
        GeoPoint(
            lat: origin.lat + Double.random(in: 0..<Double(rows), using: &random) * cell.lat,
            lon: origin.lon + Double.random(in: 0..<Double(columns), using: &random) * cell.lon)
    }

    /// An address as a caller writes it: the city, district and street, then a road and number,
    /// an estate with a block, a landmark, or (one in ten) nothing the gazetteer knows.
    mutating func randomAddress() -> String {
        let prefix = "基准市基准区第\(Int.random(in: 0..<10, using: &random))街道"
        guard !gazetteer.isEmpty, Int.random(in: 0..<10, using: &random) > 0 else { return prefix + "某某单位门口往东一百米" }
        let entry = gazetteer[Int.random(in: 0..<gazetteer.count, using: &random)]
        switch entry.kind {
        case .road, .building: return prefix + entry.name + "\(Int.random(in: 1...120, using: &random))号楼下"
        case .estate: return prefix + entry.name + "\(Int.random(in: 1...20, using: &random))栋2单元"
        case .landmark, .community: return prefix + entry.name + "附近"
        }
    }
}
