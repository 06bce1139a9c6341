import Foundation
import WhistleDomain
import WhistleMessages

/// One way an instance fails a schema: where (a path spelled as `FieldError.field` spells it,
/// `location.lat`, `attachments[0].url`, "" for the whole instance), which keyword, and why.
struct SchemaViolation: Hashable, Sendable, CustomStringConvertible {
    var path: String
    var keyword: String
    var message: String

    var description: String { "\(path.isEmpty ? "(instance)" : path): \(keyword) — \(message)" }
}

/// A schema that this validator cannot evaluate: an unknown keyword, a `$ref` that resolves to
/// nothing, a pattern that does not compile, a file that is not JSON.
struct SchemaError: Error, CustomStringConvertible {
    var description: String
}

/// A JSON Schema validator for tests: the subset of draft 2020-12 that the contract's schemas
/// (docs/schemas) use. Assertions: `type` (a name or a list; `integer` counts `2.0`), `enum`,
/// `const`, `minLength`/`maxLength` (Unicode scalars), `pattern` (NSRegularExpression, a search
/// as in ECMA-262), `format: date-time` (RFC 3339 with an offset, asserted), `minimum`,
/// `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `items`, `minItems`, `maxItems`,
/// `uniqueItems`, `properties`, `required`, `additionalProperties` (bool or schema), `allOf`,
/// `anyOf`, `oneOf`, `not`, `if`/`then`/`else`, and `$ref` to `#/…` or to a sibling file
/// `x.schema.json#/…`. Annotations (`title`, `description`, `examples`, …) are ignored; any
/// other keyword is a `SchemaError`, so that a schema never passes by being misread.
final class JSONSchemaValidator {
    private let directory: URL
    private var documents: [String: JSONValue] = [:]

    static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default", "deprecated", "readOnly",
        "writeOnly",
    ]

    /// - Parameter directory: where the schema files are; `$ref`s name files relative to it.
    init(directory: URL) {
        self.directory = directory
    }

    /// Every violation of `instance` against the schema file `file` (empty when it validates).
    func validate(_ instance: JSONValue, against file: String) throws -> [SchemaViolation] {
        try check(instance, try document(file), path: "", file: file)
    }

    /// Every violation of `instance` against an in-memory `schema`; `$ref`s without a file name
    /// point into `schema` itself.
    func validate(_ instance: JSONValue, schema: JSONValue) throws -> [SchemaViolation] {
        documents["(inline)"] = schema
        return try check(instance, schema, path: "", file: "(inline)")
    }

    private func document(_ file: String) throws -> JSONValue {
        if let cached = documents[file] { return cached }
        let url = directory.appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SchemaError(description: "no schema file \(url.path)")
        }
        do {
            let parsed = try JSONParser().parse(data)
            documents[file] = parsed
            return parsed
        } catch {
            throw SchemaError(description: "\(file) is not JSON: \(error)")
        }
    }

    /// The schema a `$ref` names, and the file it lives in.
    private func resolve(_ reference: String, from file: String) throws -> (JSONValue, String) {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let target = parts[0].isEmpty ? file : String(parts[0])
        var node = try document(target)
        let pointer = parts.count > 1 ? String(parts[1]) : ""
        for token in pointer.split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node[key] ?? Int(key).flatMap({ node[$0] }) else {
                throw SchemaError(description: "$ref \(reference) (from \(file)) resolves to nothing")
            }
            node = next
        }
        return (node, target)
    }

    private func check(_ instance: JSONValue, _ schema: JSONValue, path: String, file: String) throws -> [SchemaViolation] {
        if case .bool(let allowed) = schema {
            return allowed ? [] : [SchemaViolation(path: path, keyword: "false", message: "no value is allowed here")]
        }
        guard case .object(let keywords) = schema else {
            throw SchemaError(description: "a schema must be an object or a boolean in \(file)")
        }
        var found: [SchemaViolation] = []
        func fail(_ keyword: String, _ message: String) { found.append(SchemaViolation(path: path, keyword: keyword, message: message)) }
        for key in keywords.keys.sorted() {
            let value = keywords[key]!
            switch key {
            case "$ref":
                guard case .string(let reference) = value else { throw SchemaError(description: "$ref must be a string in \(file)") }
                let (target, targetFile) = try resolve(reference, from: file)
                found += try check(instance, target, path: path, file: targetFile)
            case "type":
                let names = value.arrayValue?.compactMap(\.stringValue) ?? [value.stringValue ?? ""]
                if !names.contains(where: { Self.hasType(instance, $0) }) {
                    fail(key, "must be \(names.joined(separator: " or ")), not \(instance.typeName)")
                }
            case "enum":
                if !(value.arrayValue ?? []).contains(where: { Self.equal($0, instance) }) { fail(key, "must be one of \(value)") }
            case "const":
                if !Self.equal(value, instance) { fail(key, "must be \(value)") }
            case "minLength", "maxLength", "pattern", "format":
                guard case .string(let text) = instance else { continue }
                found += try checkString(text, key, value, path: path)
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                guard let number = instance.doubleValue, let bound = value.doubleValue else { continue }
                let ok: Bool
                switch key {
                case "minimum": ok = number >= bound
                case "maximum": ok = number <= bound
                case "exclusiveMinimum": ok = number > bound
                default: ok = number < bound
                }
                if !ok { fail(key, "\(number) is beyond \(key) \(bound)") }
            case "items", "minItems", "maxItems", "uniqueItems":
                guard case .array(let elements) = instance else { continue }
                switch key {
                case "items":
                    for (index, element) in elements.enumerated() {
                        found += try check(element, value, path: "\(path)[\(index)]", file: file)
                    }
                case "minItems": if elements.count < value.intValue ?? 0 { fail(key, "has \(elements.count) items, fewer than \(value)") }
                case "maxItems": if elements.count > value.intValue ?? .max { fail(key, "has \(elements.count) items, more than \(value)") }
                default:
                    let duplicated = elements.indices.contains { i in elements[..<i].contains { Self.equal($0, elements[i]) } }
                    if value == .bool(true) && duplicated { fail(key, "holds the same item twice") }
                }
            case "properties", "required", "additionalProperties":
                guard case .object(let members) = instance else { continue }
                found += try checkObject(members, key, value, declared: keywords["properties"]?.objectValue ?? [:], path: path, file: file)
            case "allOf", "anyOf", "oneOf":
                let outcomes = try (value.arrayValue ?? []).map { try check(instance, $0, path: path, file: file) }
                let passing = outcomes.filter(\.isEmpty).count
                if key == "allOf" { found += outcomes.flatMap { $0 } }
                if key == "anyOf" && passing == 0 { fail(key, "matches none of the \(outcomes.count) schemas: \(outcomes.flatMap { $0 })") }
                if key == "oneOf" && passing != 1 { fail(key, "matches \(passing) of the \(outcomes.count) schemas, not exactly one") }
            case "not":
                if try check(instance, value, path: path, file: file).isEmpty { fail(key, "must not match the schema") }
            case "if":
                let branch = try check(instance, value, path: path, file: file).isEmpty ? keywords["then"] : keywords["else"]
                if let branch { found += try check(instance, branch, path: path, file: file) }
            case "then", "else":
                continue
            default:
                guard Self.annotations.contains(key) else { throw SchemaError(description: "unsupported keyword \(key) in \(file)") }
            }
        }
        return found
    }

    private func checkString(_ text: String, _ key: String, _ value: JSONValue, path: String) throws -> [SchemaViolation] {
        let length = text.unicodeScalars.count
        var message: String?
        switch key {
        case "minLength": if length < value.intValue ?? 0 { message = "is \(length) characters, fewer than \(value)" }
        case "maxLength": if length > value.intValue ?? .max { message = "is \(length) characters, more than \(value)" }
        case "pattern":
            let source = value.stringValue ?? ""
            guard let regex = try? NSRegularExpression(pattern: source) else { throw SchemaError(description: "bad pattern \(source)") }
            let range = NSRange(text.startIndex..., in: text)
            if regex.firstMatch(in: text, range: range) == nil { message = "does not match \(source)" }
        default:
            guard value == "date-time" else { throw SchemaError(description: "unsupported format \(value)") }
            if !Self.isDateTime(text) { message = "is not an RFC 3339 date-time with an offset" }
        }
        return message.map { [SchemaViolation(path: path, keyword: key, message: $0)] } ?? []
    }

    private func checkObject(
        _ members: [String: JSONValue], _ key: String, _ value: JSONValue, declared: [String: JSONValue], path: String, file: String
    ) throws -> [SchemaViolation] {
        func child(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
        var found: [SchemaViolation] = []
        switch key {
        case "properties":
            for (name, schema) in declared.sorted(by: { $0.key < $1.key }) {
                if let member = members[name] { found += try check(member, schema, path: child(name), file: file) }
            }
        case "required":
            for name in (value.arrayValue ?? []).compactMap(\.stringValue) where members[name] == nil {
                found.append(SchemaViolation(path: child(name), keyword: key, message: "is required"))
            }
        default:
            for name in members.keys.sorted() where declared[name] == nil {
                found += try check(members[name]!, value, path: child(name), file: file)
            }
        }
        return found
    }

    static func hasType(_ value: JSONValue, _ name: String) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .int), ("number", .double): true
        case ("integer", _): value.intValue != nil
        default: false
        }
    }

    /// JSON equality: numbers by value (`1` equals `1.0`), objects regardless of member order.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)): x.count == y.count && x.allSatisfy { key, item in y[key].map { equal(item, $0) } ?? false }
        default: a.doubleValue.flatMap { x in b.doubleValue.map { $0 == x } } ?? (a == b)
        }
    }

    /// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` with a real date and time.
    static func isDateTime(_ text: String) -> Bool {
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return false }
        func number(_ group: Int) -> Int? {
            Range(match.range(at: group), in: text).flatMap { Int(text[$0]) }
        }
        guard let year = number(1), let month = number(2), let day = number(3), let hour = number(4), let minute = number(5),
            let second = number(6), (1...12).contains(month), hour <= 23, minute <= 59, second <= 60
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return false }
        if let offsetHours = number(9), let offsetMinutes = number(10) { return offsetHours <= 23 && offsetMinutes <= 59 }
        return true
    }
}
