import Foundation
import WhistleDomain
import WhistleMessages

/// The sample district of deploy/seed for the placement tests: the areas of areas.yaml with
/// their polygons and the entries of gazetteer.yaml, read line by line (one YAML flow mapping
/// per line, as those files are written), and the sample demands of deploy/samples/demands.
enum SampleDistrict {
    static let seed = ContractDocs.repository.appendingPathComponent("deploy/seed")
    static let demands = ContractDocs.repository.appendingPathComponent("deploy/samples/demands")

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Areas (with polygons) and the gazetteer of the sample district.
    static func reference() throws -> ReferenceData {
        ReferenceData(areas: try areas(), departments: [], categories: [], rules: [], gazetteer: try gazetteer())
    }

    static func areas() throws -> [Area] {
        try lines("areas.yaml", prefix: "- {code: ").map { line in
            guard let code = value("code", line), let level = value("level", line).flatMap(Area.Level.init) else {
                throw Failure(description: "areas.yaml: cannot read \(line)")
            }
            var polygon: [GeoPoint]?
            if let start = line.range(of: "polygon: [")?.upperBound {
                polygon = try numbers(in: String(line[start...])).chunked().map { pair in
                    guard pair.count == 2 else { throw Failure(description: "areas.yaml: odd polygon in \(line)") }
                    return GeoPoint(lat: pair[0], lon: pair[1])
                }
            }
            return Area(code: code, name: value("name", line) ?? code, level: level, parent: value("parent", line), polygon: polygon)
        }
    }

    static func gazetteer() throws -> [GazetteerEntry] {
        try lines("gazetteer.yaml", prefix: "- {kind: ").map { line in
            guard let kind = value("kind", line).flatMap(GazetteerEntry.Kind.init), let name = value("name", line),
                let area = value("area", line)
            else { throw Failure(description: "gazetteer.yaml: cannot read \(line)") }
            var aliases: [String] = []
            if let start = line.range(of: "aliases: [")?.upperBound {
                aliases = line[start...].prefix { $0 != "]" }.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
            let from = value("from", line).flatMap { Int($0) }, to = value("to", line).flatMap { Int($0) }
            let numbers = from.flatMap { from in to.map { from...$0 } }
            return GazetteerEntry(kind: kind, name: name, aliases: aliases, area: area, numbers: numbers)
        }
    }

    /// The `location` of the sample demand `name` (file name without `.json`).
    static func location(ofSample name: String) throws -> Location? {
        let data = try Data(contentsOf: demands.appendingPathComponent(name + ".json"))
        struct Body: Decodable { var location: Location? }
        return try JSONDecoder().decode(Body.self, from: data).location
    }

    private static func lines(_ file: String, prefix: String) throws -> [String] {
        try String(contentsOf: seed.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix(prefix) }
    }

    /// The plain value of `key` in a flow mapping line (nil when absent).
    private static func value(_ key: String, _ line: String) -> String? {
        guard let start = line.range(of: "{\(key): ")?.upperBound ?? line.range(of: ", \(key): ")?.upperBound else { return nil }
        return String(line[start...].prefix { $0 != "," && $0 != "}" })
    }

    /// Every decimal number in `text`, in order.
    private static func numbers(in text: String) throws -> [Double] {
        try text.split(whereSeparator: { !($0.isNumber || $0 == "." || $0 == "-") }).map { token in
            guard let number = Double(token) else { throw Failure(description: "not a number: \(token)") }
            return number
        }
    }
}

extension Array {
    /// Consecutive pairs: [a, b, c, d] → [[a, b], [c, d]].
    fileprivate func chunked() -> [[Element]] {
        stride(from: 0, to: count, by: 2).map { Array(self[$0..<Swift.min($0 + 2, count)]) }
    }
}
