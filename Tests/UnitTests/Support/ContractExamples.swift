import Foundation
import WhistleDomain
import WhistleMessages

/// One (field, code) pair of an error, the part of a `FieldError` that tests compare (messages
/// are for people). `field` nil is the whole message.
struct ErrorPair: Hashable, Sendable, Comparable, CustomStringConvertible {
    var field: String?
    var code: String

    init(_ field: String?, _ code: String) {
        self.field = field
        self.code = code
    }

    init(_ error: FieldError) { self.init(error.field, error.code.rawValue) }

    var description: String { "\(field ?? "null"):\(code)" }
    static func < (a: ErrorPair, b: ErrorPair) -> Bool { a.description < b.description }
}

/// One file of docs/examples/<schema>/: `valid-*.json` is a message body; `invalid-*.json` is
/// `{"body": …, "expected_errors": [{"field", "code"}]}`.
struct ContractExample: Sendable, CustomStringConvertible {
    var schema: String
    var file: String
    var body: JSONValue
    /// Nil for a valid example.
    var expectedErrors: [ErrorPair]?

    var isValid: Bool { expectedErrors == nil }
    var description: String { "\(schema)/\(file)" }
}

/// The contract documents of docs/ and the reference data of deploy/seed, read from the
/// repository this file is in.
enum ContractDocs {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let docs = repository.appendingPathComponent("docs")
    static let schemas = docs.appendingPathComponent("schemas")
    static let examples = docs.appendingPathComponent("examples")

    /// The inbound message kinds: each has valid and invalid examples and a real validator.
    static let inbound = [
        "demand-hotline", "demand-12345", "demand-grid", "demand-petition", "whistle", "feedback", "evaluation", "points", "reply",
        "triage-route",
    ]

    /// Schema files that only hold definitions for the others.
    static let shared = ["common", "demand-common"]

    /// The clock the demand validator runs with: after every example's `submitted_at`.
    static let now = RFC3339.parse("2026-11-22T12:00:00+08:00") ?? Date()

    static func parse(_ url: URL) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw SchemaError(description: "cannot read \(url.path)") }
        return try JSONParser().parse(data)
    }

    /// The names (without `.schema.json`) of every file in docs/schemas.
    static func schemaNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: schemas.path).filter { $0.hasSuffix(".schema.json") }
            .map { String($0.dropLast(".schema.json".count)) }.sorted()
    }

    /// Every example, in a stable order.
    static func all() throws -> [ContractExample] {
        var found: [ContractExample] = []
        for folder in try FileManager.default.contentsOfDirectory(atPath: examples.path).sorted() {
            let directory = examples.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where file.hasSuffix(".json") {
                let json = try parse(directory.appendingPathComponent(file))
                if file.hasPrefix("valid-") {
                    found.append(ContractExample(schema: folder, file: file, body: json, expectedErrors: nil))
                } else {
                    guard let body = json["body"], let list = json["expected_errors"]?.arrayValue else {
                        throw SchemaError(description: "\(folder)/\(file) has no body or expected_errors")
                    }
                    let pairs = list.map { ErrorPair($0["field"]?.stringValue, $0["code"]?.stringValue ?? "") }
                    found.append(ContractExample(schema: folder, file: file, body: body, expectedErrors: pairs))
                }
            }
        }
        return found
    }

    /// The codes of deploy/seed: every category, the areas of level grid, every department, the
    /// departments of kind street_office and command_center.
    static func seedCodes() throws -> ReferenceCodes { try seedReference().codes }

    /// The areas, departments and categories of deploy/seed (one YAML flow mapping per line,
    /// `- {code: X, name: …, level: …}`), as far as the validators need them: codes, levels,
    /// kinds, parents, the departments' areas and whether they are active. No routing rules.
    static func seedReference() throws -> ReferenceData {
        func lines(_ file: String) throws -> [String] {
            let url = repository.appendingPathComponent("deploy/seed/\(file)")
            return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
                .filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("- {code: ") }
        }
        /// The plain value of `key` in a flow mapping line (nil when absent).
        func value(_ key: String, _ line: String) -> String? {
            guard let start = line.range(of: "{\(key): ")?.upperBound ?? line.range(of: ", \(key): ")?.upperBound else { return nil }
            return String(line[start...].prefix { $0 != "," && $0 != "}" })
        }
        func failure(_ line: String) -> SchemaError { SchemaError(description: "deploy/seed: cannot read \(line)") }
        let areas = try lines("areas.yaml").map { line in
            guard let code = value("code", line), let level = value("level", line).flatMap(Area.Level.init) else { throw failure(line) }
            return Area(code: code, name: value("name", line) ?? code, level: level, parent: value("parent", line))
        }
        let departments = try lines("departments.yaml").map { line in
            guard let code = value("code", line), let level = value("level", line).flatMap(Department.Level.init),
                let kind = value("kind", line).flatMap(Department.Kind.init), let area = value("area", line)
            else { throw failure(line) }
            return Department(
                code: code, name: value("name", line) ?? code, level: level, kind: kind, parent: value("parent", line), area: area,
                active: value("active", line) != "false")
        }
        let categories = try lines("categories.yaml").map { line in
            guard let code = value("code", line) else { throw failure(line) }
            return Category(code: code, name: code, parent: value("parent", line))
        }
        return ReferenceData(areas: areas, departments: departments, categories: categories, rules: [])
    }

    /// What the real validator of `schema` reports about `body`: nil when it accepts the body,
    /// else every (field, code) pair.
    static func validate(_ schema: String, _ body: [UInt8], reference data: ReferenceData) -> [ErrorPair]? {
        func pairs(_ errors: [FieldError]) -> [ErrorPair] { errors.map(ErrorPair.init) }
        let reference = data.codes
        let channels: [String: Channel] = [
            "demand-hotline": .hotline, "demand-12345": .twelve345, "demand-grid": .grid, "demand-petition": .petition,
        ]
        if let channel = channels[schema] {
            let result = DemandValidator(reference: reference).validate(channel: channel, body: body, now: now)
            return result.demand == nil ? pairs(result.errors) : nil
        }
        switch schema {
        case "whistle":
            let result = WhistleValidator(reference: data).validate(body: body, now: now)
            return result.demand == nil ? pairs(result.errors) : nil
        case "points":
            if case .invalid(let errors) = PointsRedemptionValidator(reference: reference).validate(body: body) { return pairs(errors) }
        case "feedback":
            if case .invalid(let errors) = FeedbackValidator().validate(body: body) { return pairs(errors) }
        case "evaluation":
            if case .invalid(let errors) = EvaluationValidator(reference: reference).validate(body: body) { return pairs(errors) }
        case "reply":
            if case .invalid(let errors) = ReplyValidator().validate(body: body) { return pairs(errors) }
        case "triage-route":
            if case .invalid(let errors) = TriageRouteValidator(reference: reference).validate(body: body) { return pairs(errors) }
        default:
            return [ErrorPair(nil, "no validator for \(schema)")]
        }
        return nil
    }

    /// Whether a schema violation at `path` concerns the field an error names: the same field,
    /// or one inside the other (`reporter` required ↔ `reporter.id` required,
    /// `whistle.departments` uniqueItems ↔ `whistle.departments[1]`); the whole message only
    /// matches itself.
    static func concerns(_ path: String, _ field: String?) -> Bool {
        guard let field else { return path.isEmpty }
        if path.isEmpty { return false }
        return path == field || field.hasPrefix(path + ".") || field.hasPrefix(path + "[") || path.hasPrefix(field + ".")
            || path.hasPrefix(field + "[")
    }
}
