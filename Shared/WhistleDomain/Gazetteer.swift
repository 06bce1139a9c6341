/// Places a free-text address by the gazetteer: the roads, building numbers, estates,
/// communities and landmarks of the deployment (`GazetteerEntry`). Built once per reference
/// refresh; a match reads the address once.
///
/// **Normalisation** (`normalized`), the same for the address and for every name and alias:
/// full-width forms become ASCII (`１２号` → `12号`), only letters, marks and numbers are kept
/// (spaces and punctuation go), letters are lowercased; a dropped character between two digits
/// leaves a break, so `15-3号` stays the number 15. Then the names of the city, districts and
/// streets of the area tree are cut off the front of the address (`云城市西山区青石街道石桥路…` →
/// `石桥路…`), as often as one starts it: they are true of every place of the district.
///
/// **Matching.** Every entry name or alias (at least two characters) found in the address is a
/// hit; a hit inside a longer one is dropped (`文庙` inside `文庙后街`). A road hit followed
/// directly by a number inside one of that road's `building` ranges becomes that building entry;
/// otherwise it stays the road (when the road has an entry of its own). Of the hits left, the
/// most confident kind wins (`GazetteerEntry.Kind.confidence`), then the longer name, then the
/// earlier position, then the entry order (kind, name, numbers) — so the answer depends only on
/// the address and the entries, never on their order. Chinese numerals (十五号) are not read.
/// When the address without its prefixes matches nothing, the full address is tried.
public struct Gazetteer: Sendable {
    /// A successful match.
    public struct Match: Sendable, Hashable {
        /// The entry matched (for a road with a number in range, its `building` entry).
        public var entry: GazetteerEntry
        /// `entry.kind.confidence`.
        public var confidence: Double
    }

    private enum Target: Sendable, Hashable {
        /// An estate, landmark or community entry.
        case entry(Int)
        /// A road's group: its road entry and building ranges.
        case road(Int)
    }

    private struct Pattern: Sendable {
        var scalars: [Unicode.Scalar]
        var target: Target
    }

    private struct RoadGroup: Sendable {
        var road: Int?
        /// (range, entry index), sorted by the range's start.
        var ranges: [(numbers: ClosedRange<Int>, entry: Int)] = []
    }

    private struct Hit {
        var start: Int
        var end: Int
        var target: Target
    }

    private let entries: [GazetteerEntry]
    private let groups: [RoadGroup]
    /// Patterns by their first two scalars, longest first.
    private let patterns: [UInt64: [Pattern]]
    /// Normalised city, district and street names, longest first.
    private let prefixes: [[Unicode.Scalar]]

    /// - Parameters:
    ///   - entries: the gazetteer; entries whose name normalises to fewer than two characters,
    ///     and `building` entries without numbers, are left out.
    ///   - prefixes: the names cut off the front of an address (city, districts, streets).
    public init(entries: [GazetteerEntry], prefixes: [String] = []) {
        let sorted = entries.filter { $0.kind != .building || $0.numbers != nil }.sorted { a, b in
            (a.kind.rawValue, a.name, a.numbers?.lowerBound ?? 0, a.area) < (b.kind.rawValue, b.name, b.numbers?.lowerBound ?? 0, b.area)
        }
        var groups: [RoadGroup] = []
        var groupOf: [[Unicode.Scalar]: Int] = [:]
        var patterns: [UInt64: [Pattern]] = [:]
        var taken: Set<[Unicode.Scalar]> = []
        func add(_ text: String, _ target: Target) {
            let scalars = Self.normalized(text)
            guard scalars.count >= 2, taken.insert(scalars).inserted else { return }
            patterns[Self.key(scalars[0], scalars[1]), default: []].append(Pattern(scalars: scalars, target: target))
        }
        func group(_ name: String) -> Int {
            let key = Self.normalized(name)
            if let found = groupOf[key] { return found }
            groups.append(RoadGroup())
            groupOf[key] = groups.count - 1
            return groups.count - 1
        }
        // Roads first, so that a building range's road name joins its road's group.
        for (index, entry) in sorted.enumerated() where entry.kind == .road {
            let road = group(entry.name)
            if groups[road].road == nil { groups[road].road = index }
            for name in [entry.name] + entry.aliases { groupOf[Self.normalized(name)] = road }
        }
        for (index, entry) in sorted.enumerated() {
            switch entry.kind {
            case .road:
                let road = group(entry.name)
                for name in [entry.name] + entry.aliases { add(name, .road(road)) }
            case .building:
                guard let numbers = entry.numbers else { continue }
                let road = group(entry.name)
                groups[road].ranges.append((numbers, index))
                for name in [entry.name] + entry.aliases { add(name, .road(road)) }
            case .estate, .landmark, .community:
                for name in [entry.name] + entry.aliases { add(name, .entry(index)) }
            }
        }
        for index in groups.indices { groups[index].ranges.sort { $0.numbers.lowerBound < $1.numbers.lowerBound } }
        self.entries = sorted
        self.groups = groups
        self.patterns = patterns.mapValues { $0.sorted { $0.scalars.count > $1.scalars.count } }
        self.prefixes = Set(prefixes.map(Self.normalized)).filter { !$0.isEmpty }.sorted { a, b in
            a.count != b.count ? a.count > b.count : a.lexicographicallyPrecedes(b) { $0.value < $1.value }
        }
    }

    /// The number of entries in use.
    public var count: Int { entries.count }

    /// The best entry for `address` (see the type's documentation); nil when nothing matches.
    public func match(_ address: String) -> Match? {
        let full = Self.normalized(address)
        var rest = full[...]
        var cut = true
        while cut {
            cut = false
            for prefix in prefixes where rest.starts(with: prefix) {
                rest = rest.dropFirst(prefix.count)
                cut = true
                break
            }
        }
        if let found = best(Array(rest)) { return found }
        return rest.count == full.count ? nil : best(full)
    }

    private func best(_ text: [Unicode.Scalar]) -> Match? {
        guard text.count >= 2 else { return nil }
        var hits: [Hit] = []
        for start in 0..<(text.count - 1) {
            guard let candidates = patterns[Self.key(text[start], text[start + 1])] else { continue }
            for pattern in candidates where start + pattern.scalars.count <= text.count {
                if text[start..<(start + pattern.scalars.count)].elementsEqual(pattern.scalars) {
                    hits.append(Hit(start: start, end: start + pattern.scalars.count, target: pattern.target))
                }
            }
        }
        var winner: (rank: (Double, Int, Int, Int), entry: Int)?
        for hit in hits {
            let shadowed = hits.contains { other in
                other.start <= hit.start && hit.end <= other.end && other.end - other.start > hit.end - hit.start
            }
            guard !shadowed, let entry = resolve(hit, in: text) else { continue }
            // Larger is better: confidence, length, then an earlier start and a smaller index.
            let rank = (entries[entry].kind.confidence, hit.end - hit.start, -hit.start, -entry)
            if let current = winner, rank <= current.rank { continue }
            winner = (rank, entry)
        }
        guard let winner else { return nil }
        return Match(entry: entries[winner.entry], confidence: entries[winner.entry].kind.confidence)
    }

    /// The entry a hit stands for: a road hit with a number in range is that building entry.
    private func resolve(_ hit: Hit, in text: [Unicode.Scalar]) -> Int? {
        switch hit.target {
        case .entry(let index):
            return index
        case .road(let road):
            let group = groups[road]
            if let number = Self.number(in: text, at: hit.end),
                let range = group.ranges.first(where: { $0.numbers.contains(number) })
            {
                return range.entry
            }
            return group.road
        }
    }

    /// The decimal number that starts at `index`, if any (at most 9 digits).
    private static func number(in text: [Unicode.Scalar], at index: Int) -> Int? {
        var value = 0, digits = 0, position = index
        while position < text.count, digits < 9, let digit = asciiDigit(text[position]) {
            value = value * 10 + digit
            digits += 1
            position += 1
        }
        return digits > 0 ? value : nil
    }

    private static func asciiDigit(_ scalar: Unicode.Scalar) -> Int? {
        ("0"..."9").contains(scalar) ? Int(scalar.value - 48) : nil
    }

    private static func key(_ first: Unicode.Scalar, _ second: Unicode.Scalar) -> UInt64 {
        UInt64(first.value) << 32 | UInt64(second.value)
    }

    /// The normalised scalars of a name or an address (see the type's documentation); a dropped
    /// character between two digits becomes `|`.
    public static func normalized(_ text: String) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        var droppedAfterDigit = false
        for original in text.unicodeScalars {
            var scalar = original
            if (0xFF01...0xFF5E).contains(scalar.value), let narrow = Unicode.Scalar(scalar.value - 0xFEE0) { scalar = narrow }
            guard TextSimilarity.isKept(scalar) else {
                droppedAfterDigit = droppedAfterDigit || result.last.map { asciiDigit($0) != nil } == true
                continue
            }
            if droppedAfterDigit, asciiDigit(scalar) != nil { result.append("|") }
            droppedAfterDigit = false
            result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
        return result
    }
}
