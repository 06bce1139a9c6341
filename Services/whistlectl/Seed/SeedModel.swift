import WhistleDomain

/// The reference data of the six seed files, as validated values ready to write.
///
/// Each item remembers the line it came from, so cross-file checks can name file and line.

/// Where an item or a value was written: file name and 1-based line and column.
struct SourceMark: Sendable, Hashable, CustomStringConvertible {
    var file: String
    var line: Int
    var column: Int

    var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in the seed files.
struct SeedIssue: Sendable, Hashable, CustomStringConvertible {
    var file: String
    var line: Int?
    var column: Int?
    var message: String

    init(_ mark: SourceMark, _ message: String) {
        self.file = mark.file
        self.line = mark.line
        self.column = mark.column
        self.message = message
    }

    init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    var description: String {
        guard let line else { return "\(file): \(message)" }
        return "\(file):\(line):\(column ?? 1): \(message)"
    }
}

enum AreaLevel: String, Sendable, CaseIterable, Comparable {
    case grid, community, street, district, city

    /// 0 for a grid … 4 for the city.
    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    static func < (lhs: AreaLevel, rhs: AreaLevel) -> Bool { lhs.rank < rhs.rank }

    /// The code prefix of this level (`G-`, `M-`, `S-`, `D-`, `C-`).
    var codePrefix: String {
        switch self {
        case .grid: "G-"
        case .community: "M-"
        case .street: "S-"
        case .district: "D-"
        case .city: "C-"
        }
    }
}

struct SeedArea: Sendable {
    var mark: SourceMark
    var code: String
    var name: String
    var level: AreaLevel
    var parent: String?
    var parentMark: SourceMark?
    var centroid: (lat: Double, lon: Double)?
    /// Corners as `[lat, lon]`, not closed.
    var polygon: [[Double]]?
}

enum DepartmentKind: String, Sendable, CaseIterable {
    case bureau, streetOffice = "street_office", communityCommittee = "community_committee"
    case petitionBureau = "petition_bureau", commandCenter = "command_center"
}

struct SeedDepartment: Sendable {
    var mark: SourceMark
    var code: String
    var name: String
    /// A department's level is one of the area levels above grid.
    var level: AreaLevel
    var kind: DepartmentKind
    var parent: String?
    var parentMark: SourceMark?
    var area: String
    var areaMark: SourceMark
}

struct SeedCategory: Sendable {
    var mark: SourceMark
    var code: String
    var name: String
    var parent: String?
    var parentMark: SourceMark?
    var keywords: [String]
    var keywordsMark: SourceMark
}

struct SeedRoutingRule: Sendable {
    var mark: SourceMark
    var category: String
    var categoryMark: SourceMark
    var area: String?
    var areaMark: SourceMark?
    var lead: String
    var leadMark: SourceMark
    var co: [String]
    var coMarks: [SourceMark]

    /// The rule's key in `routing_rules`: (category, area or "").
    var key: RuleKey { RuleKey(category: category, area: area ?? "") }
}

struct RuleKey: Sendable, Hashable {
    var category: String
    /// Empty for the default rule.
    var area: String
}

struct SeedDeadlinePolicy: Sendable {
    var mark: SourceMark
    var channel: String
    var urgency: String
    var acknowledge: SeedDuration
    var resolve: SeedDuration
    var extensionWindow: SeedDuration?
}

struct SeedCalendarDay: Sendable {
    var mark: SourceMark
    /// `YYYY-MM-DD`.
    var day: String
    var working: Bool
    var name: String
}

struct SeedCalendar: Sendable {
    var mark: SourceMark
    var timeZone: String
    var days: [SeedCalendarDay]
}

/// One gazetteer entry (gazetteer.yaml).
struct SeedGazetteerEntry: Sendable {
    var mark: SourceMark
    var kind: GazetteerEntry.Kind
    var name: String
    var aliases: [String]
    var area: String
    var areaMark: SourceMark
    /// `from`…`to`: building entries only.
    var numbers: ClosedRange<Int>?

    /// The entry's key in `gazetteer`: (kind, name, range start or 0).
    var key: String { "\(kind.rawValue)/\(name)/\(numbers?.lowerBound ?? 0)" }
}

/// Everything read from a seed folder.
struct SeedData: Sendable {
    var areas: [SeedArea] = []
    var departments: [SeedDepartment] = []
    var categories: [SeedCategory] = []
    var rules: [SeedRoutingRule] = []
    var policies: [SeedDeadlinePolicy] = []
    var calendar: SeedCalendar?
    /// nil when the folder has no gazetteer.yaml: the table is then left as it is.
    var gazetteer: [SeedGazetteerEntry]?
}
