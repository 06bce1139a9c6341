import WhistlePostgres

/// The reference rows already in the database, so that a seed may refer to codes it does not
/// define itself (an operator may load only some files' worth of changes).
struct KnownReferences: Sendable {
    struct Node: Sendable {
        var level: AreaLevel
        var parent: String?
    }

    var areas: [String: Node] = [:]
    var departments: [String: Node] = [:]
    /// Category code → parent code (nil for a parent category).
    var categories: [String: String?] = [:]
    var rules = Set<RuleKey>()
    /// `channel/urgency` pairs.
    var policies = Set<String>()

    /// Nothing known: `seed --check` validates the files on their own.
    static let none = KnownReferences()

    /// Reads the codes, levels and parents of every reference table.
    static func load(_ connection: PostgresConnection) throws -> KnownReferences {
        var known = KnownReferences()
        for row in try connection.query("SELECT code, level, parent_code FROM areas") {
            guard let level = AreaLevel(rawValue: try row.decode(1)) else { continue }
            known.areas[try row.decode(0)] = Node(level: level, parent: try row.decodeIfPresent(2))
        }
        for row in try connection.query("SELECT code, level, parent_code FROM departments") {
            guard let level = AreaLevel(rawValue: try row.decode(1)) else { continue }
            known.departments[try row.decode(0)] = Node(level: level, parent: try row.decodeIfPresent(2))
        }
        for row in try connection.query("SELECT code, parent_code FROM categories") {
            known.categories[try row.decode(0)] = .some(try row.decodeIfPresent(1, as: String.self))
        }
        for row in try connection.query("SELECT category_code, coalesce(area_code, '') FROM routing_rules") {
            known.rules.insert(RuleKey(category: try row.decode(0), area: try row.decode(1)))
        }
        for row in try connection.query("SELECT channel, urgency FROM deadline_policies") {
            known.policies.insert("\(try row.decode(0, as: String.self))/\(try row.decode(1, as: String.self))")
        }
        return known
    }
}
