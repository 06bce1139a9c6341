import Foundation

/// Why a body is not JSON: the byte offset where the problem was found and a sentence for a person.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Offset in bytes from the start of the body (a leading byte order mark included).
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser for wire bodies. It never crashes and never recurses deeper than
/// `maxDepth`, whatever the input. Decisions beyond the RFC:
/// - The text must be well-formed UTF-8 (RFC 3629): overlong forms, UTF-8-encoded surrogates,
///   code points above U+10FFFF and truncated sequences are errors, as are `\u` escapes that
///   leave a surrogate unpaired.
/// - One leading UTF-8 byte order mark (EF BB BF) is skipped, as RFC 8259 §8.1 permits; a
///   second one, or one anywhere else, is an error.
/// - A duplicate key in an object is an error (parsers disagree on which value wins, so a
///   body that relies on either is ambiguous). Keys compare as Swift strings, that is up to
///   Unicode canonical equivalence.
/// - A number whose magnitude overflows a `Double` (`1e400`) is an error; one that underflows
///   becomes 0.
/// - Nesting deeper than `maxDepth` arrays/objects (the top-level container is depth 1) and
///   bodies larger than `maxBytes` are errors.
/// - Any JSON value is accepted at the top level; callers that want an object check for one.
public struct JSONParser: Sendable {
    public static let defaultMaxDepth = 64
    public static let defaultMaxBytes = 256 * 1024

    public var maxDepth: Int
    public var maxBytes: Int

    public init(maxDepth: Int = JSONParser.defaultMaxDepth, maxBytes: Int = JSONParser.defaultMaxBytes) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }

    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        guard bytes.count <= maxBytes else {
            throw JSONParseError(offset: maxBytes, message: "body is larger than \(maxBytes) bytes")
        }
        var scanner = JSONScanner(bytes: bytes, maxDepth: maxDepth)
        return try scanner.document()
    }

    public func parse(_ data: Data) throws(JSONParseError) -> JSONValue {
        try parse([UInt8](data))
    }

    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

enum JSONByte {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")

    static func isDigit(_ byte: UInt8) -> Bool { byte >= zero && byte <= nine }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case zero...nine: UInt32(byte - zero)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// A byte as a message shows it: `'x'` when printable ASCII, else `0xNN`.
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "0x" + (hex.count == 1 ? "0" : "") + hex
    }
}

/// The recursive-descent state of one parse.
struct JSONScanner {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0
    var depth = 0
    /// The UTF-8 of the string being read, reused between strings.
    var scratch: [UInt8] = []

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? index, message: message)
    }

    /// The byte at the cursor, or nil at the end.
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func document() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        skipWhitespace()
        let value = try value()
        skipWhitespace()
        if let byte = current { throw error("unexpected \(JSONByte.describe(byte)) after the JSON value") }
        return value
    }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    mutating func value() throws(JSONParseError) -> JSONValue {
        guard let byte = current else { throw error("unexpected end of input, expected a value") }
        switch byte {
        case JSONByte.openBrace: return try object()
        case JSONByte.openBracket: return try array()
        case JSONByte.quote: return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case JSONByte.minus, JSONByte.zero...JSONByte.nine: return try number()
        default: throw error("unexpected \(JSONByte.describe(byte)), expected a value")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let start = index
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw error("invalid literal, expected \(word)", at: start) }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw error("invalid literal, expected \(word)", at: start)
        }
        index += count
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
    }

    mutating func object() throws(JSONParseError) -> JSONValue {
        try enter()
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == JSONByte.closeBrace {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == JSONByte.quote else {
                if let byte = current { throw error("unexpected \(JSONByte.describe(byte)), expected a string key") }
                throw error("unexpected end of input, expected a string key")
            }
            let keyOffset = index
            let key = try string()
            skipWhitespace()
            guard current == JSONByte.colon else { throw error("expected ':' after an object key") }
            index += 1
            skipWhitespace()
            let member = try value()
            if members.updateValue(member, forKey: key) != nil {
                throw error("duplicate key \(String(reflecting: String(key.unicodeScalars.prefix(64))))", at: keyOffset)
            }
            skipWhitespace()
            switch current {
            case JSONByte.comma: index += 1
            case JSONByte.closeBrace:
                index += 1
                depth -= 1
                return .object(members)
            case let byte?: throw error("unexpected \(JSONByte.describe(byte)), expected ',' or '}'")
            case nil: throw error("unexpected end of input, expected ',' or '}'")
            }
        }
    }

    mutating func array() throws(JSONParseError) -> JSONValue {
        try enter()
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == JSONByte.closeBracket {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value())
            skipWhitespace()
            switch current {
            case JSONByte.comma: index += 1
            case JSONByte.closeBracket:
                index += 1
                depth -= 1
                return .array(elements)
            case let byte?: throw error("unexpected \(JSONByte.describe(byte)), expected ',' or ']'")
            case nil: throw error("unexpected end of input, expected ',' or ']'")
            }
        }
    }

    mutating func number() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if current == JSONByte.minus { index += 1 }
        guard let first = current, JSONByte.isDigit(first) else { throw error("expected a digit in a number") }
        index += 1
        if first == JSONByte.zero {
            if let next = current, JSONByte.isDigit(next) { throw error("a number must not have leading zeros", at: start) }
        } else {
            skipDigits()
        }
        if current == JSONByte.dot {
            isInteger = false
            index += 1
            guard let digit = current, JSONByte.isDigit(digit) else { throw error("expected a digit after '.'") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if current == JSONByte.plus || current == JSONByte.minus { index += 1 }
            guard let digit = current, JSONByte.isDigit(digit) else { throw error("expected a digit in an exponent") }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int(text) { return .int(integer) }
        guard let double = Double(text), double.isFinite else {
            throw error("number \(text.prefix(40)) is out of range", at: start)
        }
        return .double(double)
    }

    mutating func skipDigits() {
        while let byte = current, JSONByte.isDigit(byte) { index += 1 }
    }
}
