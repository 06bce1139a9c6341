/// The checks that span items and files: unique codes, every reference resolving (within the
/// files or to a row already in the database), the level order of the area tree, supervision
/// without cycles, two-level categories, one default rule per leaf, all eight deadline pairs.
struct SeedValidator {
    let data: SeedData
    let known: KnownReferences
    /// Codes of items that were rejected for other reasons: references to them are not
    /// reported again.
    let declared: Set<String>
    /// Keys of rules and policies written in the files, valid or not (no cascade either).
    let declaredRules: Set<RuleKey>
    let declaredPolicies: Set<String>
    /// " nor in the database", or nothing when validating the files alone.
    let elsewhere: String
    /// Display names of the six files, for issues about a file as a whole.
    let files: SeedFiles
    var issues: [SeedIssue] = []

    /// The merged views: database rows overlaid by the files' items.
    private(set) var areas: [String: KnownReferences.Node] = [:]
    private(set) var departments: [String: KnownReferences.Node] = [:]
    private(set) var categories: [String: String?] = [:]

    init(
        data: SeedData, known: KnownReferences, declared: Set<String>, declaredRules: Set<RuleKey>, declaredPolicies: Set<String>,
        files: SeedFiles, withDatabase: Bool
    ) {
        self.data = data
        self.known = known
        self.declared = declared
        self.declaredRules = declaredRules
        self.declaredPolicies = declaredPolicies
        self.files = files
        self.elsewhere = withDatabase ? " nor in the database" : ""
        areas = known.areas
        for area in data.areas { areas[area.code] = .init(level: area.level, parent: area.parent) }
        departments = known.departments
        for department in data.departments { departments[department.code] = .init(level: department.level, parent: department.parent) }
        categories = known.categories
        for category in data.categories { categories[category.code] = .some(category.parent) }
    }

    /// Runs every check; returns the issues found.
    mutating func validate() -> [SeedIssue] {
        checkUniqueCodes()
        checkAreas()
        checkDepartments()
        checkCategories()
        checkRules()
        checkPolicies()
        checkCalendar()
        checkGazetteer()
        return issues
    }

    mutating func report(_ mark: SourceMark, _ message: String) {
        issues.append(SeedIssue(mark, message))
    }

    /// Whether a reference is fine: known, or declared by an item already reported.
    func resolves(_ code: String, in table: [String: some Any]) -> Bool {
        table[code] != nil || declared.contains(code)
    }

    private mutating func checkUniqueCodes() {
        var owner: [String: (what: String, mark: SourceMark)] = [:]
        let items: [(String, String, SourceMark)] =
            data.areas.map { ("area", $0.code, $0.mark) } + data.departments.map { ("department", $0.code, $0.mark) }
            + data.categories.map { ("category", $0.code, $0.mark) }
        for (what, code, mark) in items {
            if let first = owner[code] {
                let message =
                    first.what == what
                    ? "duplicate \(what) code \(code) (first defined at \(first.mark.file):\(first.mark.line))"
                    : "code \(code) is already the code of a \(first.what) (\(first.mark.file):\(first.mark.line)); one code names one thing"
                report(mark, message)
            } else {
                owner[code] = (what, mark)
            }
        }
        // Codes of the files against other kinds of rows already in the database.
        for area in data.areas where known.departments[area.code] != nil || known.categories[area.code] != nil {
            report(area.mark, "code \(area.code) already names a department or category in the database")
        }
        for department in data.departments where known.areas[department.code] != nil || known.categories[department.code] != nil {
            report(department.mark, "code \(department.code) already names an area or category in the database")
        }
        for category in data.categories where known.areas[category.code] != nil || known.departments[category.code] != nil {
            report(category.mark, "code \(category.code) already names an area or department in the database")
        }
    }

    private mutating func checkAreas() {
        for area in data.areas {
            guard let parent = area.parent, let mark = area.parentMark else { continue }
            guard resolves(parent, in: areas) else {
                report(mark, "unknown parent area \(parent) (not in \(files.areas)\(elsewhere))")
                continue
            }
            guard let parentLevel = areas[parent]?.level else { continue }
            if parentLevel.rank != area.level.rank + 1 {
                let expected = AreaLevel.allCases[min(area.level.rank + 1, AreaLevel.allCases.count - 1)]
                report(
                    mark,
                    "the parent of \(area.level.rawValue) \(area.code) must be a \(expected.rawValue), but \(parent) is a \(parentLevel.rawValue)"
                )
            }
        }
    }

    private mutating func checkDepartments() {
        for department in data.departments {
            if resolves(department.area, in: areas) {
                if let areaLevel = areas[department.area]?.level, areaLevel != department.level {
                    report(
                        department.areaMark,
                        "\(department.code) is a \(department.level.rawValue) department but its area \(department.area) is a \(areaLevel.rawValue)"
                    )
                }
            } else {
                report(department.areaMark, "unknown area \(department.area) (not in \(files.areas)\(elsewhere))")
            }
            switch (department.kind, department.level) {
            case (.streetOffice, let level) where level != .street,
                (.communityCommittee, let level) where level != .community:
                report(department.mark, "a \(department.kind.rawValue) cannot be at level \(department.level.rawValue)")
            default: break
            }
            guard let parent = department.parent, let mark = department.parentMark else { continue }
            guard resolves(parent, in: departments) else {
                report(mark, "unknown parent department \(parent) (not in \(files.departments)\(elsewhere))")
                continue
            }
            if let parentLevel = departments[parent]?.level, parentLevel < department.level {
                report(
                    mark,
                    "\(parent) (\(parentLevel.rawValue)) cannot supervise \(department.code) (\(department.level.rawValue)): a supervisor is at the same level or above"
                )
            }
            // Reported once, at the member of the circle with the smallest code.
            if let cycle = supervisionCycle(from: department.code), cycle.min() == department.code {
                report(mark, "supervision goes round in a circle: \(cycle.joined(separator: " → "))")
            }
        }
    }

    /// The chain of supervisors from `code` when it comes back to `code`.
    private func supervisionCycle(from code: String) -> [String]? {
        var chain = [code]
        var current = code
        while let next = departments[current]?.parent, chain.count <= departments.count {
            chain.append(next)
            if next == code { return chain }
            if chain.dropLast().contains(next) { return nil }  // a cycle further up, reported there
            current = next
        }
        return nil
    }
}

/// The six file names as the operator wrote the folder (for messages).
struct SeedFiles: Sendable {
    var folder: String
    var areas: String
    var departments: String
    var categories: String
    var routing: String
    var deadlines: String
    var calendar: String
    /// Optional: without it the gazetteer table is left as it is.
    var gazetteer: String

    init(folder: String) {
        self.folder = folder
        func path(_ name: String) -> String {
            folder.isEmpty || folder == "." ? name : (folder.hasSuffix("/") ? folder + name : folder + "/" + name)
        }
        areas = path("areas.yaml")
        departments = path("departments.yaml")
        categories = path("categories.yaml")
        routing = path("routing.yaml")
        deadlines = path("deadlines.yaml")
        calendar = path("calendar.yaml")
        gazetteer = path("gazetteer.yaml")
    }

    var all: [String] { [areas, departments, categories, routing, deadlines, calendar, gazetteer] }
}
