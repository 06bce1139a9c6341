import Yams

/// Turns each file's nodes into items, checking what one item can check alone: required keys,
/// types, enum values, code formats, per-level fields. Cross-item checks are `SeedValidator`'s.
///
/// An item missing a required value (or with one of the wrong type) is left out of the result,
/// but its code (when readable) is remembered in `declared`, so that references to it do not
/// cascade into more errors. An item with a readable but wrong value (a code of the wrong
/// prefix, say) stays in, so that the cross-file checks see it too.
struct SeedParser {
    var declared = Set<String>()
    /// Keys of every routing rule and deadline policy with readable keys, valid or not, with
    /// the line of the first.
    var declaredRules: [RuleKey: Int] = [:]
    var declaredPolicies: [String: Int] = [:]

    mutating func areas(_ reader: SeedFileReader, _ root: Node) -> [SeedArea] {
        var result: [SeedArea] = []
        for item in reader.list(root, what: "`areas`") {
            guard let fields = reader.fields(item, allowed: ["code", "name", "level", "parent", "centroid", "polygon"], what: "area")
            else { continue }
            let code = reader.code(fields, "code")
            if let code { declared.insert(code.code) }
            let name = reader.string(fields, "name")
            let level = reader.choice(fields, "level", as: AreaLevel.self)
            let parent = reader.code(fields, "parent", required: false)
            var centroid: (lat: Double, lon: Double)?
            var polygon: [[Double]]?
            if let level {
                if let code, !code.code.hasPrefix(level.codePrefix) {
                    reader.report(code.mark, "the code of a \(level.rawValue) must start with \(level.codePrefix) (got \(code.code))")
                }
                if level == .city, let node = fields["parent"] {
                    reader.report(node, "the city has no parent")
                } else if level != .city, fields["parent"] == nil {
                    reader.report(item, "missing required key `parent` (every area but the city has one)")
                }
                if level == .grid {
                    centroid = self.centroid(reader, fields, item)
                    polygon = self.polygon(reader, fields, item)
                } else {
                    for key in ["centroid", "polygon"] {
                        if let node = fields[key] { reader.report(node, "only grids have a `\(key)` (this is a \(level.rawValue))") }
                    }
                }
            }
            guard let code, let name, let level, level != .grid || (centroid != nil && polygon != nil) else { continue }
            result.append(
                SeedArea(
                    mark: reader.mark(item), code: code.code, name: name, level: level, parent: parent?.code,
                    parentMark: parent?.mark, centroid: centroid, polygon: polygon))
        }
        return result
    }

    private func centroid(_ reader: SeedFileReader, _ fields: SeedFields, _ item: Node) -> (lat: Double, lon: Double)? {
        guard let node = fields["centroid"] else {
            reader.report(item, "missing required key `centroid` (grids need {lat, lon})")
            return nil
        }
        guard let point = reader.fields(node, allowed: ["lat", "lon"], what: "centroid") else { return nil }
        guard let latNode = point["lat"], let lonNode = point["lon"] else {
            reader.report(node, "`centroid` needs both lat and lon")
            return nil
        }
        let lat = reader.number(latNode, "lat", range: -90...90)
        let lon = reader.number(lonNode, "lon", range: -180...180)
        guard let lat, let lon else { return nil }
        return (lat, lon)
    }

    private func polygon(_ reader: SeedFileReader, _ fields: SeedFields, _ item: Node) -> [[Double]]? {
        guard let node = fields["polygon"] else {
            reader.report(item, "missing required key `polygon` (grids need [[lat, lon], …])")
            return nil
        }
        guard case .sequence = node else {
            reader.report(node, "`polygon` must be a list of [lat, lon] points")
            return nil
        }
        var points: [[Double]] = []
        for pointNode in reader.list(node, what: "`polygon`") {
            guard case .sequence(let pair) = pointNode, pair.count == 2 else {
                reader.report(pointNode, "each polygon point must be [lat, lon]")
                return nil
            }
            guard let lat = reader.number(pair[0], "lat", range: -90...90), let lon = reader.number(pair[1], "lon", range: -180...180)
            else {
                return nil
            }
            points.append([lat, lon])
        }
        guard points.count >= 3 else {
            reader.report(node, "`polygon` needs at least 3 corners (it has \(points.count))")
            return nil
        }
        if points.first == points.last {
            reader.report(node, "`polygon` must not be closed: do not repeat the first corner at the end")
            return nil
        }
        return points
    }

    mutating func departments(_ reader: SeedFileReader, _ root: Node) -> [SeedDepartment] {
        var result: [SeedDepartment] = []
        for item in reader.list(root, what: "`departments`") {
            guard let fields = reader.fields(item, allowed: ["code", "name", "level", "kind", "parent", "area"], what: "department")
            else { continue }
            let code = reader.code(fields, "code")
            if let code { declared.insert(code.code) }
            let name = reader.string(fields, "name")
            var level = reader.choice(fields, "level", as: AreaLevel.self)
            if level == .grid, let node = fields["level"] {
                reader.report(node, "a department's `level` is city, district, street or community (not grid)")
                level = nil
            }
            let kind = reader.choice(fields, "kind", as: DepartmentKind.self)
            let parent = reader.code(fields, "parent", required: false)
            let area = reader.code(fields, "area")
            if let code, let parent, parent.code == code.code {
                reader.report(parent.mark, "a department cannot supervise itself")
            }
            guard let code, let name, let level, let kind, let area else { continue }
            result.append(
                SeedDepartment(
                    mark: reader.mark(item), code: code.code, name: name, level: level, kind: kind, parent: parent?.code,
                    parentMark: parent?.mark, area: area.code, areaMark: area.mark))
        }
        return result
    }

    mutating func categories(_ reader: SeedFileReader, _ root: Node) -> [SeedCategory] {
        var result: [SeedCategory] = []
        for item in reader.list(root, what: "`categories`") {
            guard let fields = reader.fields(item, allowed: ["code", "name", "parent", "keywords"], what: "category") else { continue }
            let code = reader.code(fields, "code")
            if let code { declared.insert(code.code) }
            let name = reader.string(fields, "name")
            let parent = reader.code(fields, "parent", required: false)
            let keywords = reader.stringList(fields, "keywords")
            if let code, let parent, !code.code.hasPrefix(parent.code + "-") {
                reader.report(code.mark, "a leaf's code starts with its parent's code and - (\(parent.code)-…), got \(code.code)")
            }
            if parent == nil, fields["parent"] == nil, let keywords, !keywords.isEmpty, let node = fields["keywords"] {
                reader.report(node, "a parent category has no keywords (write `keywords: []`); keywords belong to leaves")
            }
            guard let code, let name, let keywords, let keywordsNode = fields["keywords"]
            else { continue }
            result.append(
                SeedCategory(
                    mark: reader.mark(item), code: code.code, name: name, parent: parent?.code, parentMark: parent?.mark,
                    keywords: keywords, keywordsMark: reader.mark(keywordsNode)))
        }
        return result
    }
}
