import Foundation
import Yams

/// Typed values of an item, each checked and reported at its own line.
extension SeedFileReader {
    /// The text of a scalar whose resolved tag is one of `tags`; nil (reported) otherwise.
    func scalarText(_ node: Node, _ key: String, tags: Set<Tag.Name>, expected: String) -> String? {
        guard case .scalar(let scalar) = node, tags.contains(node.tagName) else {
            report(node, "`\(key)` must be \(expected)")
            return nil
        }
        return scalar.string
    }

    /// A required (or optional) non-empty string.
    func string(_ fields: SeedFields, _ key: String, required: Bool = true) -> String? {
        guard let node = fields[key] else {
            if required { report(fields.node, "missing required key `\(key)`") }
            return nil
        }
        guard let text = scalarText(node, key, tags: [.str], expected: "a string (quote it if YAML reads it as a number, date or boolean)")
        else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            report(node, "`\(key)` must not be empty")
            return nil
        }
        return trimmed
    }

    /// A code: upper-case ASCII letters, digits and single `-` between them, at most 64 long.
    func code(_ fields: SeedFields, _ key: String, required: Bool = true) -> (code: String, mark: SourceMark)? {
        guard let node = fields[key] else {
            if required { report(fields.node, "missing required key `\(key)`") }
            return nil
        }
        guard let text = scalarText(node, key, tags: [.str], expected: "a code (A–Z, 0–9 and -)") else { return nil }
        guard Self.isCode(text) else {
            report(node, "`\(key)` \"\(text)\" is not a valid code (upper-case A–Z, digits and single -, at most 64 characters)")
            return nil
        }
        return (text, mark(node))
    }

    /// A value from a fixed set (an enum's raw values).
    func choice<E: RawRepresentable & CaseIterable>(_ fields: SeedFields, _ key: String, as type: E.Type) -> E?
    where E.RawValue == String {
        guard let node = fields[key] else {
            report(fields.node, "missing required key `\(key)`")
            return nil
        }
        let allowed = E.allCases.map(\.rawValue)
        guard let text = scalarText(node, key, tags: [.str], expected: "one of \(allowed.joined(separator: ", "))") else { return nil }
        guard let value = E(rawValue: text) else {
            report(node, "`\(key)` \"\(text)\" is not one of \(allowed.joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// A number (integer or decimal) within `range`.
    func number(_ node: Node, _ key: String, range: ClosedRange<Double>) -> Double? {
        guard case .scalar = node, [.int, .float].contains(node.tagName), let value = node.float, value.isFinite else {
            report(node, "`\(key)` must be a number")
            return nil
        }
        guard range.contains(value) else {
            report(node, "`\(key)` \(Self.plain(value)) is out of range \(Self.plain(range.lowerBound))…\(Self.plain(range.upperBound))")
            return nil
        }
        return value
    }

    /// A required list of codes (may be empty), each with its own mark.
    func codeList(_ fields: SeedFields, _ key: String) -> [(code: String, mark: SourceMark)]? {
        guard let node = fields[key] else {
            report(fields.node, "missing required key `\(key)` (write `\(key): []` for none)")
            return nil
        }
        guard case .sequence = node else {
            report(node, "`\(key)` must be a list of codes, e.g. [XS-CGJ]")
            return nil
        }
        var codes: [(code: String, mark: SourceMark)] = []
        var ok = true
        for element in list(node, what: "`\(key)`") {
            guard let text = scalarText(element, key, tags: [.str], expected: "a list of codes"), Self.isCode(text) else {
                if element.tagName == .str {
                    report(element, "`\(key)` holds \"\(element.scalar?.string ?? "")\", which is not a valid code")
                }
                ok = false
                continue
            }
            codes.append((text, mark(element)))
        }
        return ok ? codes : nil
    }

    /// A required list of non-empty strings (may be empty).
    func stringList(_ fields: SeedFields, _ key: String) -> [String]? {
        guard let node = fields[key] else {
            report(fields.node, "missing required key `\(key)` (write `\(key): []` for none)")
            return nil
        }
        guard case .sequence = node else {
            report(node, "`\(key)` must be a list of strings")
            return nil
        }
        var values: [String] = []
        var ok = true
        for element in list(node, what: "`\(key)`") {
            guard let text = scalarText(element, key, tags: [.str], expected: "a list of strings (quote numbers)") else {
                ok = false
                continue
            }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                report(element, "`\(key)` holds an empty string")
                ok = false
                continue
            }
            values.append(trimmed)
        }
        return ok ? values : nil
    }

    /// `95` rather than `95.0`.
    static func plain(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }

    static func isCode(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 64, !text.hasPrefix("-"), !text.hasSuffix("-"), !text.contains("--") else {
            return false
        }
        return text.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
