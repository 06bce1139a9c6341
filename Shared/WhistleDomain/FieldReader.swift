import Foundation
import WhistleMessages

/// A JSON path as `FieldError.field` spells it: `location.lat`, `attachments[2].url`; the empty
/// path is the message as a whole (`field` null).
struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    let text: String

    init(_ text: String) { self.text = text }

    static let root = FieldPath("")

    func key(_ name: String) -> FieldPath { FieldPath(text.isEmpty ? name : "\(text).\(name)") }
    func index(_ position: Int) -> FieldPath { FieldPath("\(text)[\(position)]") }

    /// The path for `FieldError.field`: nil for the whole message.
    var field: String? { text.isEmpty ? nil : text }
    var description: String { text.isEmpty ? "(message)" : text }
}

/// One value of the message and where it sits; `value` is nil when the key is absent.
struct Field {
    let value: JSONValue?
    let path: FieldPath
    /// True for object members (a null member is absent), false for array elements (a null
    /// element is a value of the wrong type).
    var nullIsAbsent = true

    /// The key exists with a value other than null (null counts as absent everywhere).
    var isPresent: Bool {
        guard let value else { return false }
        return value != .null
    }
}

/// An object of the message and where it sits.
struct ObjectField {
    let members: [String: JSONValue]
    let path: FieldPath

    subscript(key: String) -> Field { Field(value: members[key], path: path.key(key)) }
}

/// Reads typed fields, recording one `FieldError` per bad field and carrying on, so that a
/// validator reports every problem. Each reader returns nil when the field is absent or bad;
/// a required field that is absent (or null) is reported as `required`.
struct FieldReader {
    private(set) var errors: [FieldError] = []

    mutating func fail(_ path: FieldPath, _ code: ErrorCode, _ message: String) {
        errors.append(FieldError(field: path.field, code: code, message: message))
    }

    /// The field's value when present; records `required` when it is absent and required.
    mutating func present(_ field: Field, required: Bool) -> JSONValue? {
        guard let value = field.value, value != .null || !field.nullIsAbsent else {
            if required { fail(field.path, .required, "is required") }
            return nil
        }
        return value
    }

    /// A string, trimmed of surrounding white space: `invalid_type` if not a string,
    /// `invalid_value` if it holds a control character, `required` if required and blank,
    /// `too_long` beyond `maxLength` Unicode scalars. A blank optional string reads as nil.
    mutating func string(_ field: Field, required: Bool = false, maxLength: Int = .max) -> String? {
        guard let value = present(field, required: required) else { return nil }
        guard case .string(let raw) = value else {
            fail(field.path, .invalidType, "must be a string, not \(value.typeName)")
            return nil
        }
        if let control = raw.unicodeScalars.first(where: TextRules.isForbiddenControl) {
            fail(field.path, .invalidValue, "must not contain the control character \(TextRules.codePoint(control))")
            return nil
        }
        let text = TextRules.trimmed(raw)
        if text.isEmpty {
            if required { fail(field.path, .required, "must not be empty") }
            return nil
        }
        let length = text.unicodeScalars.count
        if length > maxLength {
            fail(field.path, .tooLong, "must be at most \(maxLength) characters, got \(length)")
            return nil
        }
        return text
    }

    /// A string that must be one of `known` (`unknown_code` otherwise).
    mutating func code(_ field: Field, in known: Set<String>, of kind: String, required: Bool = false) -> String? {
        guard let code = string(field, required: required) else { return nil }
        guard known.contains(code) else {
            fail(field.path, .unknownCode, "\(TextRules.quoted(code)) is not a known \(kind) code")
            return nil
        }
        return code
    }

    /// A string naming one case of `type` (`invalid_value` otherwise).
    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ field: Field, _ type: Choice.Type, required: Bool = false
    ) -> Choice? where Choice.RawValue == String {
        guard let text = string(field, required: required) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            fail(field.path, .invalidValue, "\(TextRules.quoted(text)) is not one of \(allowed)")
            return nil
        }
        return choice
    }

    mutating func bool(_ field: Field, required: Bool = false) -> Bool? {
        guard let value = present(field, required: required) else { return nil }
        guard case .bool(let flag) = value else {
            fail(field.path, .invalidType, "must be a boolean, not \(value.typeName)")
            return nil
        }
        return flag
    }

    /// Any number within `range` (`out_of_range` otherwise).
    mutating func number(_ field: Field, required: Bool = false, range: ClosedRange<Double>) -> Double? {
        guard let value = present(field, required: required) else { return nil }
        guard let number = value.doubleValue else {
            fail(field.path, .invalidType, "must be a number, not \(value.typeName)")
            return nil
        }
        guard range.contains(number) else {
            fail(field.path, .outOfRange, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
            return nil
        }
        return number
    }

    /// An integer within `range`. A number with a fractional part is `invalid_type`; an integral
    /// one written with a fraction or exponent (`2.0`, `1e3`) counts, as in JSON Schema.
    mutating func integer(_ field: Field, required: Bool = false, range: ClosedRange<Int>) -> Int? {
        guard let value = present(field, required: required) else { return nil }
        let integer: Int
        switch value {
        case .int(let number):
            integer = number
        case .double(let number) where number.rounded(.towardZero) == number:
            guard let exact = Int(exactly: number) else {
                fail(field.path, .outOfRange, "must be between \(range.lowerBound) and \(range.upperBound)")
                return nil
            }
            integer = exact
        case .double(let number):
            fail(field.path, .invalidType, "must be an integer, got \(number)")
            return nil
        default:
            fail(field.path, .invalidType, "must be an integer, not \(value.typeName)")
            return nil
        }
        guard range.contains(integer) else {
            fail(field.path, .outOfRange, "must be between \(range.lowerBound) and \(range.upperBound), got \(integer)")
            return nil
        }
        return integer
    }

    /// An RFC 3339 timestamp with an offset (`invalid_format` otherwise), with the year as
    /// written.
    mutating func timestamp(_ field: Field, required: Bool = false) -> (date: Date, year: Int)? {
        guard let text = string(field, required: required) else { return nil }
        guard let date = RFC3339.parse(text), let year = Int(text.prefix(4)) else {
            fail(field.path, .invalidFormat, "must be an RFC 3339 timestamp with an offset, such as 2026-11-21T08:30:00+08:00")
            return nil
        }
        return (date, year)
    }

    mutating func object(_ field: Field, required: Bool = false) -> ObjectField? {
        guard let value = present(field, required: required) else { return nil }
        guard case .object(let members) = value else {
            fail(field.path, .invalidType, "must be an object, not \(value.typeName)")
            return nil
        }
        return ObjectField(members: members, path: field.path)
    }

    /// An array, as its elements with their paths.
    mutating func array(_ field: Field, required: Bool = false) -> [Field]? {
        guard let value = present(field, required: required) else { return nil }
        guard case .array(let elements) = value else {
            fail(field.path, .invalidType, "must be an array, not \(value.typeName)")
            return nil
        }
        return elements.enumerated().map { Field(value: $0.element, path: field.path.index($0.offset), nullIsAbsent: false) }
    }
}
