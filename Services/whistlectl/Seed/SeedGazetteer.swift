import WhistleDomain
import WhistlePostgres
import WhistleReliability
import Yams

// gazetteer.yaml, the optional seventh seed file: parsed on its own (SeedParser), checked against
// the area tree (SeedValidator), written so that the file's entries replace the table's
// (SeedWriter).

/// gazetteer.yaml: what one file can check alone — kinds, names, numbers, duplicates, a road's
/// overlapping ranges, and a name or alias claimed by two places. Areas are checked across files
/// (`SeedValidator.checkGazetteer`).
extension SeedParser {
    func gazetteer(_ reader: SeedFileReader, _ root: Node) -> [SeedGazetteerEntry] {
        var result: [SeedGazetteerEntry] = []
        var keys: [String: Int] = [:]
        /// Normalised name → the place that claims it (a road with its ranges is one place).
        var owners: [[Unicode.Scalar]: (place: String, line: Int)] = [:]
        for item in reader.list(root, what: "`gazetteer`") {
            guard let fields = reader.fields(item, allowed: ["kind", "name", "aliases", "area", "from", "to"], what: "gazetteer entry")
            else { continue }
            let kind = reader.choice(fields, "kind", as: GazetteerEntry.Kind.self)
            let name = reader.string(fields, "name")
            let aliases = fields["aliases"] == nil ? [] : reader.stringList(fields, "aliases")
            let area = reader.code(fields, "area")
            var numbers: ClosedRange<Int>?
            var numbersOK = true
            if let kind {
                (numbers, numbersOK) = self.numbers(reader, fields, item, kind: kind)
            }
            let line = reader.mark(item).line
            if let kind, let name, numbersOK {
                let key = "\(kind.rawValue)/\(name)/\(numbers?.lowerBound ?? 0)"
                if let first = keys[key] {
                    let what = numbers.map { "the range starting at \($0.lowerBound) of \(name)" } ?? "\(kind.rawValue) \(name)"
                    reader.report(item, "a second entry for \(what) (first at line \(first))")
                } else {
                    keys[key] = line
                }
                let place = kind == .road || kind == .building ? "road \(name)" : "\(kind.rawValue) \(name)"
                for text in [name] + (aliases ?? []) {
                    let normalized = Gazetteer.normalized(text)
                    guard normalized.count >= 2 else {
                        reader.report(item, "\"\(text)\" is too short to match: a name or alias needs two letters or digits")
                        continue
                    }
                    if let owner = owners[normalized], owner.place != place {
                        reader.report(item, "\"\(text)\" also names \(owner.place) (line \(owner.line)): a name belongs to one place")
                    } else if owners[normalized] == nil {
                        owners[normalized] = (place, line)
                    }
                }
            }
            guard let kind, let name, let aliases, let area, numbersOK else { continue }
            result.append(
                SeedGazetteerEntry(
                    mark: reader.mark(item), kind: kind, name: name, aliases: aliases, area: area.code, areaMark: area.mark,
                    numbers: numbers))
        }
        reportOverlaps(reader, result)
        return result
    }

    /// `from` and `to`: required on a building entry (1 ≤ from ≤ to), absent on the others.
    private func numbers(
        _ reader: SeedFileReader, _ fields: SeedFields, _ item: Node, kind: GazetteerEntry.Kind
    )
        -> (ClosedRange<Int>?, Bool)
    {
        guard kind == .building else {
            var ok = true
            for key in ["from", "to"] {
                if let node = fields[key] {
                    reader.report(node, "only a building entry has `\(key)` (this is a \(kind.rawValue))")
                    ok = false
                }
            }
            return (nil, ok)
        }
        var values: [Int] = []
        for key in ["from", "to"] {
            guard let node = fields[key] else {
                reader.report(item, "missing required key `\(key)` (a building entry is a range of building numbers, from–to)")
                continue
            }
            guard let value = reader.number(node, key, range: 1...999_999), value.rounded() == value else {
                if node.tagName == .float { reader.report(node, "`\(key)` must be a whole building number") }
                continue
            }
            values.append(Int(value))
        }
        guard values.count == 2 else { return (nil, false) }
        guard values[0] <= values[1] else {
            reader.report(item, "bad range: `from` \(values[0]) is greater than `to` \(values[1])")
            return (nil, false)
        }
        return (values[0]...values[1], true)
    }

    /// Two ranges of one road that share a number would place it twice.
    private func reportOverlaps(_ reader: SeedFileReader, _ entries: [SeedGazetteerEntry]) {
        let ranges = entries.filter { $0.kind == .building }
        for road in Dictionary(grouping: ranges, by: \.name).values {
            let sorted = road.compactMap { entry in entry.numbers.map { (entry, $0) } }.sorted { $0.1.lowerBound < $1.1.lowerBound }
            for (previous, next) in zip(sorted, sorted.dropFirst()) where next.1.overlaps(previous.1) {
                reader.report(
                    next.0.mark,
                    "bad range: \(next.0.name) \(next.1.lowerBound)–\(next.1.upperBound) overlaps "
                        + "\(previous.1.lowerBound)–\(previous.1.upperBound) (line \(previous.0.mark.line))")
            }
        }
    }
}

/// gazetteer.yaml against the area tree: every entry's area exists (in the files or the
/// database) and has a level its kind may place into.
extension SeedValidator {
    mutating func checkGazetteer() {
        guard let entries = data.gazetteer else { return }
        for entry in entries {
            guard resolves(entry.area, in: areas) else {
                report(entry.areaMark, "unknown area code \(entry.area) (not in \(files.areas)\(elsewhere))")
                continue
            }
            guard let level = areas[entry.area]?.level else { continue }
            let allowed = entry.kind.areaLevels.map(\.rawValue)
            if !allowed.contains(level.rawValue) {
                report(
                    entry.areaMark,
                    "\(entry.kind == .estate ? "an" : "a") \(entry.kind.rawValue) entry places into a \(allowed.sorted().joined(separator: " or ")), "
                        + "but \(entry.area) is a \(level.rawValue)")
            }
        }
    }
}

/// The gazetteer: the file's entries replace the table's. Entries are upserted by their key
/// (kind, name, range start) — written only when they differ — and the rows the file no longer
/// has are deleted, all in the seed's transaction.
extension SeedWriter {
    static func gazetteer(_ entries: [SeedGazetteerEntry], _ connection: PostgresConnection) throws -> TableCount {
        let kinds = TextArray(entries.map(\.kind.rawValue)), names = TextArray(entries.map(\.name))
        let starts = TextArray(entries.map { String($0.numbers?.lowerBound ?? 0) })
        let rows = try connection.query(
            """
            INSERT INTO gazetteer AS t (kind, name, aliases, area_code, number_from, number_to)
            SELECT u.kind, u.name, u.aliases::text[], u.area, nullif(u.number_from, 0), u.number_to
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[])
                AS u(kind, name, aliases, area, number_from, number_to)
            ON CONFLICT (kind, name, coalesce(number_from, 0)) DO UPDATE SET
                aliases = EXCLUDED.aliases, area_code = EXCLUDED.area_code, number_to = EXCLUDED.number_to, updated_at = now()
            WHERE (t.aliases, t.area_code, t.number_to) IS DISTINCT FROM (EXCLUDED.aliases, EXCLUDED.area_code, EXCLUDED.number_to)
            RETURNING (xmax = 0)
            """,
            [
                kinds, names, TextArray(entries.map { PostgresArrayLiteral.encode($0.aliases) }), TextArray(entries.map(\.area)),
                starts, TextArray(entries.map { $0.numbers.map { String($0.upperBound) } }),
            ])
        var count = try tally("gazetteer", inFiles: entries.count, rows)
        count.deleted = try connection.query(
            """
            WITH gone AS (
                DELETE FROM gazetteer g
                WHERE NOT EXISTS (
                    SELECT 1 FROM unnest($1::text[], $2::text[], $3::int[]) AS k(kind, name, number_from)
                    WHERE k.kind = g.kind AND k.name = g.name AND k.number_from = coalesce(g.number_from, 0))
                RETURNING 1)
            SELECT count(*) FROM gone
            """, [kinds, names, starts])[0].decode(0, as: Int.self)
        return count
    }
}
