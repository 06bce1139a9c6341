import Foundation

/// Why a parsed JSON value is not the type asked for: the field, as a wire path
/// (`data.assignments[0].ack_due`; empty for the value as a whole), and a sentence for a person.
public struct JSONDecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path.isEmpty ? "(message)" : path): \(message)" }
}

/// Decodes `Decodable` types from a `JSONValue` that `JSONParser` read, so that typed messages
/// keep the strict parser's guarantees (duplicate keys, depth and size limits, exact errors).
/// The dialect is `WhistleJSON`'s: snake_case keys on the wire for camelCase names in Swift, RFC
/// 3339 timestamps with an offset. Members the type does not name are ignored; a null member
/// counts as absent for optionals. `JSONValue` members are taken as they are.
public struct JSONValueDecoder: Sendable {
    public init() {}

    /// The value as `type`; `path` names where `value` sits, for errors (`data`).
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, path: String = "") throws(JSONDecodeError) -> T {
        let root = ValueDecoding(value: value, codingPath: [], root: path)
        do {
            return try root.decodeValue(type)
        } catch let error as JSONDecodeError {
            throw error
        } catch let error as DecodingError {
            throw Self.describe(error, root: path)
        } catch {
            throw JSONDecodeError(path: path, message: "\(error)")
        }
    }

    /// A `DecodingError` thrown by a type's own `init(from:)` (an unknown enum case) in our terms.
    static func describe(_ error: DecodingError, root: String) -> JSONDecodeError {
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
            return JSONDecodeError(path: WirePath.text(root, context.codingPath), message: context.debugDescription)
        @unknown default:
            return JSONDecodeError(path: root, message: "\(error)")
        }
    }
}

/// Spells coding paths and keys as the wire does.
enum WirePath {
    /// `eventId` → `event_id`, as `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase` does for
    /// the (ASCII) names of this code base: words split before an upper-case letter that follows
    /// a lower-case letter or a digit.
    static func snakeCase(_ name: String) -> String {
        let isUpper = { (byte: UInt8) in byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
        guard name.utf8.contains(where: isUpper) else { return name }
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count + 4)
        var previous: UInt8 = 0
        for byte in name.utf8 {
            if isUpper(byte) {
                let afterWord =
                    (previous >= UInt8(ascii: "a") && previous <= UInt8(ascii: "z"))
                    || (previous >= UInt8(ascii: "0") && previous <= UInt8(ascii: "9"))
                if afterWord { out.append(UInt8(ascii: "_")) }
                out.append(byte + 32)
            } else {
                out.append(byte)
            }
            previous = byte
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `event_id` → `eventId` (for `allKeys`, as `convertFromSnakeCase`).
    static func camelCase(_ name: String) -> String {
        guard name.contains("_") else { return name }
        let words = name.split(separator: "_", omittingEmptySubsequences: false)
        guard let first = words.first, words.count > 1 else { return name }
        return String(first) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func text(_ root: String, _ codingPath: [any CodingKey]) -> String {
        codingPath.reduce(root) { path, key in
            if let index = key.intValue { return "\(path)[\(index)]" }
            let name = snakeCase(key.stringValue)
            return path.isEmpty ? name : "\(path).\(name)"
        }
    }
}

/// One value being decoded, and where it sits.
struct ValueDecoding: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    /// The path of the whole value (`data`), before `codingPath`.
    let root: String
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    var path: String { WirePath.text(root, codingPath) }

    func fail(_ message: String) -> JSONDecodeError { JSONDecodeError(path: path, message: message) }
    func mismatch(_ expected: String) -> JSONDecodeError {
        fail(value == .null ? "is required" : "must be \(expected), not \(value.typeName)")
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch("an object") }
        return KeyedDecodingContainer(ObjectDecoding<Key>(members: members, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch("an array") }
        return ArrayDecoding(elements: elements, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// A member or element of this value.
    func child(_ value: JSONValue, _ key: any CodingKey) -> ValueDecoding {
        ValueDecoding(value: value, codingPath: codingPath + [key], root: root)
    }

    /// The value as `type`: the types the wire spells its own way first, then the type's own decoding.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if type == JSONValue.self, let same = value as? T { return same }
        if type == Date.self {
            guard case .string(let text) = value else { throw mismatch("an RFC 3339 timestamp") }
            guard let date = RFC3339.parse(text) else {
                throw fail("must be an RFC 3339 timestamp with an offset, such as 2026-11-21T08:30:00+08:00")
            }
            if let date = date as? T { return date }
        }
        return try T(from: self)
    }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch("a boolean") }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = value else { throw mismatch("a string") }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard let number = value.doubleValue else { throw mismatch("a number") }
        return number
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func decode(_ type: Int.Type) throws -> Int {
        guard let integer = value.intValue else {
            if case .double(let number) = value { throw fail("must be an integer, got \(number)") }
            throw mismatch("an integer")
        }
        return integer
    }

    func decode(_ type: Int8.Type) throws -> Int8 { try exactly(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try exactly(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try exactly(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try exactly(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try exactly(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try exactly(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try exactly(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try exactly(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try exactly(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type) }

    private func exactly<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let integer = try decode(Int.self)
        guard let exact = T(exactly: integer) else { throw fail("must be between \(T.min) and \(T.max), got \(integer)") }
        return exact
    }
}
