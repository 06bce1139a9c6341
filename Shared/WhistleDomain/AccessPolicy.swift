/// Who is asking over HTTP: the verified claims of a bearer token (CONTRACT §8).
public struct Principal: Sendable, Hashable {
    /// What the token makes of its holder.
    public enum Role: String, Sendable, Hashable {
        /// Reads as its department: the department's kind and area decide the scope.
        case department
        /// Reads the access records only (claim `role: auditor`).
        case auditor
    }

    /// Who holds the token, for the access records: the `sub` claim, else the department.
    public var subject: String
    /// The claim `department`: a department code (nil only for an auditor without one).
    public var department: String?
    public var role: Role

    public init(subject: String, department: String?, role: Role) {
        self.subject = subject
        self.department = department
        self.role = role
    }
}

/// Which tickets a principal may see, in a form every query can apply in SQL (so paging and
/// counts stay right): the rules of CONTRACT §8 decided once, here, from the reference data.
///
/// - A `bureau`, `street_office` or `community_committee` sees the tickets on which it has or
///   had an assignment.
/// - A `command_center` also sees every ticket whose area lies in its own area's subtree.
/// - A `petition_bureau` also sees every petition whose area lies in its subtree.
/// - A complaint is never visible to its subject unit, nor to a department supervised by it
///   (directly or further down), nor to another department serving the same area as the unit —
///   except, for the last, the department the complaint was dispatched to and petition bureaus,
///   who must handle it. Decided here: "whose area is that unit's" is read as "serving the same
///   area", and never hides a complaint from those bound to act on it.
/// - A ticket without an area belongs to the top of the tree: command centers and petition
///   bureaus of the district or city level see it.
/// - An auditor, and a token naming an unknown or inactive department, sees no ticket.
public struct TicketScope: Sendable, Hashable {
    /// Tickets on which this department has or had an assignment.
    public var assignedDepartment: String?
    /// Every ticket whose area is one of these (a command center's subtree); empty: none.
    public var areas: [String]
    /// Every petition whose area is one of these (a petition bureau's subtree); empty: none.
    public var petitionAreas: [String]
    /// Tickets without an area are in `areas` / `petitionAreas` too.
    public var includesUnplaced: Bool
    /// Complaints against these units are invisible, whatever else holds.
    public var conflictedUnits: [String]
    /// Complaints against these units are invisible unless the principal has an assignment on
    /// the ticket.
    public var sameAreaUnits: [String]

    /// The scope that sees nothing.
    public static let none = TicketScope(
        assignedDepartment: nil, areas: [], petitionAreas: [], includesUnplaced: false, conflictedUnits: [], sameAreaUnits: [])

    public init(
        assignedDepartment: String?, areas: [String], petitionAreas: [String], includesUnplaced: Bool,
        conflictedUnits: [String], sameAreaUnits: [String]
    ) {
        self.assignedDepartment = assignedDepartment
        self.areas = areas
        self.petitionAreas = petitionAreas
        self.includesUnplaced = includesUnplaced
        self.conflictedUnits = conflictedUnits
        self.sameAreaUnits = sameAreaUnits
    }

    /// Whether a ticket with these facts is in the scope: the same decision the SQL makes, for
    /// unit tests and for code that holds a ticket already.
    public func contains(_ ticket: TicketFacts) -> Bool {
        let assigned = assignedDepartment.map { ticket.assignedDepartments.contains($0) } ?? false
        if ticket.isComplaint, let subject = ticket.subjectUnit {
            if conflictedUnits.contains(subject) { return false }
            if sameAreaUnits.contains(subject) && !assigned { return false }
        }
        if assigned { return true }
        let inArea = { (areas: [String]) in ticket.area.map(areas.contains) ?? (self.includesUnplaced && !areas.isEmpty) }
        if inArea(areas) { return true }
        return ticket.isPetition && inArea(petitionAreas)
    }
}

/// What the scope needs to know about one ticket.
public struct TicketFacts: Sendable, Hashable {
    public var area: String?
    public var isPetition: Bool
    public var isComplaint: Bool
    public var subjectUnit: String?
    public var assignedDepartments: Set<String>

    public init(area: String?, isPetition: Bool, isComplaint: Bool, subjectUnit: String?, assignedDepartments: Set<String>) {
        self.area = area
        self.isPetition = isPetition
        self.isComplaint = isComplaint
        self.subjectUnit = subjectUnit
        self.assignedDepartments = assignedDepartments
    }
}

/// The access rules of CONTRACT §8 for one principal, decided from the reference data.
public struct AccessPolicy: Sendable, Hashable {
    public let principal: Principal
    /// The principal's department, when the token names a known, active one.
    public let department: Department?
    public let tickets: TicketScope
    /// Areas whose access records the principal may read (a petition bureau's subtree); nil: all
    /// (an auditor); empty: none.
    public let accessLogAreas: [String]?

    public init(principal: Principal, reference: ReferenceData) {
        self.principal = principal
        let department = principal.department.flatMap { reference.departments[$0] }.flatMap { $0.active ? $0 : nil }
        self.department = principal.role == .department ? department : nil
        switch principal.role {
        case .auditor:
            tickets = .none
            accessLogAreas = nil
        case .department:
            guard let department else {
                tickets = .none
                accessLogAreas = []
                return
            }
            tickets = Self.scope(of: department, in: reference)
            accessLogAreas = department.kind == .petitionBureau ? reference.subtree(of: department.area) : []
        }
    }

    /// Whether the principal is a petition bureau (sees petitions' content and petitioners).
    public var isPetitionBureau: Bool { department?.kind == .petitionBureau }

    /// Whether the principal may read the access records.
    public var readsAccessLog: Bool { accessLogAreas.map { !$0.isEmpty } ?? true }

    static func scope(of department: Department, in reference: ReferenceData) -> TicketScope {
        let subtree = reference.subtree(of: department.area)
        let top = reference.areas[department.area].map { $0.parent == nil || $0.level >= .district } ?? false
        var conflicted: [String] = [department.code]
        var ancestor = department.parent
        var seen: Set<String> = [department.code]
        while let code = ancestor, !seen.contains(code) {
            conflicted.append(code)
            seen.insert(code)
            ancestor = reference.departments[code]?.parent
        }
        let sameArea =
            department.kind == .petitionBureau
            ? [] : reference.departments.values.filter { $0.area == department.area && !seen.contains($0.code) }.map(\.code).sorted()
        return TicketScope(
            assignedDepartment: department.code,
            areas: department.kind == .commandCenter ? subtree : [],
            petitionAreas: department.kind == .petitionBureau ? subtree : [],
            includesUnplaced: top && [.commandCenter, .petitionBureau].contains(department.kind),
            conflictedUnits: conflicted, sameAreaUnits: sameArea)
    }
}

extension ReferenceData {
    /// `code` and every area below it, sorted.
    public func subtree(of code: String) -> [String] {
        var children: [String: [String]] = [:]
        for area in areas.values { if let parent = area.parent { children[parent, default: []].append(area.code) } }
        var out: [String] = []
        var stack = [code]
        var seen: Set<String> = []
        while let next = stack.popLast() {
            guard seen.insert(next).inserted else { continue }
            if areas[next] != nil || next == code { out.append(next) }
            stack += children[next] ?? []
        }
        return out.sorted()
    }
}
