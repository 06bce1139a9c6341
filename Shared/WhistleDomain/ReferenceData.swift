/// A snapshot of all reference data with the lookups that classification, routing, merging and
/// escalation need. Built once from the four tables; immutable and cheap to share.
///
/// Duplicated codes (or a duplicated (category, area) rule) keep their first occurrence, so a
/// snapshot built from the same rows always answers the same way.
public struct ReferenceData: Sendable {
    /// Every area by code.
    public let areas: [String: Area]
    /// Every department by code.
    public let departments: [String: Department]
    /// Every category by code.
    public let categories: [String: Category]
    /// Every routing rule, in the order given (duplicates of a (category, area) key removed).
    public let rules: [RoutingRule]
    /// The gazetteer (table `gazetteer`): the places an address names, for `AreaPlacer`.
    public let gazetteer: [GazetteerEntry]

    private let ruleIndex: [RuleKey: RoutingRule]
    /// Departments by the area they serve, sorted by code.
    private let departmentsByArea: [String: [Department]]
    private let parentCategories: Set<String>

    private struct RuleKey: Hashable {
        var category: String
        var area: String?
    }

    public init(
        areas: [Area], departments: [Department], categories: [Category], rules: [RoutingRule], gazetteer: [GazetteerEntry] = []
    ) {
        self.areas = Dictionary(areas.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        let departmentMap = Dictionary(departments.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        self.departments = departmentMap
        self.categories = Dictionary(categories.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        var index: [RuleKey: RoutingRule] = [:]
        var kept: [RoutingRule] = []
        for rule in rules where index[RuleKey(category: rule.category, area: rule.area)] == nil {
            index[RuleKey(category: rule.category, area: rule.area)] = rule
            kept.append(rule)
        }
        self.ruleIndex = index
        self.rules = kept
        self.departmentsByArea = Dictionary(grouping: departmentMap.values, by: \.area)
            .mapValues { $0.sorted { $0.code < $1.code } }
        self.parentCategories = Set(categories.compactMap(\.parent))
        self.gazetteer = gazetteer
    }

    // MARK: Areas

    /// The area itself followed by its ancestors, nearest first: for a grid,
    /// grid → community → street → district → city. Empty for an unknown code. A broken tree
    /// (a parent cycle or an unknown parent) ends the chain where it breaks.
    public func areaChain(from code: String) -> [Area] {
        var chain: [Area] = []
        var seen: Set<String> = []
        var next: String? = code
        while let current = next, seen.insert(current).inserted, let area = areas[current] {
            chain.append(area)
            next = area.parent
        }
        return chain
    }

    /// The area of `level` on the chain from `code` (the area itself when it has that level).
    public func ancestor(of code: String, at level: Area.Level) -> Area? {
        areaChain(from: code).first { $0.level == level }
    }

    /// The street an area lies in (the area itself when it is a street); nil above street level.
    public func street(of code: String) -> Area? { ancestor(of: code, at: .street) }

    // MARK: Departments

    /// The active street office (kind `street_office`) serving `streetCode`; the first by code
    /// when several do.
    public func streetOffice(ofStreet streetCode: String) -> Department? {
        (departmentsByArea[streetCode] ?? []).first { $0.kind == .streetOffice && $0.active }
    }

    /// The departments of `kind` serving exactly the area `code`, by code.
    public func departments(ofKind kind: Department.Kind, servingArea code: String) -> [Department] {
        (departmentsByArea[code] ?? []).filter { $0.kind == kind }
    }

    /// The nearest active department of `kind` (and of `level`, when given) up the tree from
    /// `areaCode`: serving the area itself, else its parent, and so on; nil when none on the
    /// chain does. Without an area (nil or unknown code) it is the lowest-level one of all, the
    /// first by code among equals. Several serving one area: the first by code.
    public func nearest(_ kind: Department.Kind, level: Department.Level? = nil, from areaCode: String?) -> Department? {
        func fits(_ department: Department) -> Bool {
            department.kind == kind && department.active && (level == nil || department.level == level)
        }
        let chain = areaCode.map(areaChain(from:)) ?? []
        if !chain.isEmpty {
            for area in chain {
                if let found = (departmentsByArea[area.code] ?? []).first(where: fits) { return found }
            }
            return nil
        }
        return departments.values.filter(fits).min {
            ($0.level.areaLevel.rank, $0.code) < ($1.level.areaLevel.rank, $1.code)
        }
    }

    /// The command center (kind `command_center`) of `level` nearest up the tree from `areaCode`,
    /// or the nearest of any level when `level` is nil.
    public func commandCenter(level: Department.Level? = nil, for areaCode: String?) -> Department? {
        nearest(.commandCenter, level: level, from: areaCode)
    }

    /// The petition bureau (kind `petition_bureau`) nearest up the tree from `areaCode`; the
    /// lowest-level one of all when the demand has no (known) area.
    public func petitionBureau(for areaCode: String?) -> Department? {
        nearest(.petitionBureau, from: areaCode)
    }

    /// The supervising department of `code` (its `parent`), when that is a known department.
    public func supervisor(of code: String) -> Department? {
        departments[code]?.parent.flatMap { departments[$0] }
    }

    /// Whether `code` names a known, active department.
    public func isAvailable(_ code: String) -> Bool { departments[code]?.active == true }

    // MARK: Categories and rules

    /// The rule for exactly (category, area); `area` nil asks for the default rule.
    public func rule(category: String, area: String?) -> RoutingRule? {
        ruleIndex[RuleKey(category: category, area: area)]
    }

    /// The rules that apply to a ticket of `category` in `areaCode`, most specific first: the
    /// rule of the area itself, then of each ancestor (grid > community > street > district >
    /// city), then the default. Without an area only the default applies.
    public func applicableRules(category: String, areaCode: String?) -> [RoutingRule] {
        var found: [RoutingRule] = []
        if let areaCode {
            for area in areaChain(from: areaCode) {
                if let rule = ruleIndex[RuleKey(category: category, area: area.code)] { found.append(rule) }
            }
        }
        if let fallback = ruleIndex[RuleKey(category: category, area: nil)] { found.append(fallback) }
        return found
    }

    /// The known codes, for the validators.
    public var codes: ReferenceCodes {
        ReferenceCodes(
            categories: Set(categories.keys),
            grids: Set(areas.values.filter { $0.level == .grid }.map(\.code)),
            departments: Set(departments.keys),
            streetOffices: Set(departments.values.filter { $0.kind == .streetOffice }.map(\.code)),
            commandCenters: Set(departments.values.filter { $0.kind == .commandCenter }.map(\.code)))
    }
}
