// Writing JSON text by hand: the one string escaper, and `JSONValue`'s compact text.

/// The one JSON string escaper (RFC 8259 §7). Whatever writes JSON text by hand
/// (`JSONValue.description`) quotes strings with it.
///
/// `"` and `\` are escaped, as are the control characters U+0000…U+001F: `\n`, `\r`, `\t`,
/// `\b` and `\f` by name, the others as `\u00xx` (lower-case hex). Everything else, `/` and
/// non-ASCII text included, is written as UTF-8: the bytes `JSONEncoder` writes with
/// `.withoutEscapingSlashes`.
public enum JSONString {
    /// Appends `text` as a JSON string literal, quotes included, to `bytes`.
    public static func append(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(quote)
        for byte in text.utf8 {
            switch byte {
            case quote: bytes.append(contentsOf: [backslash, quote])
            case backslash: bytes.append(contentsOf: [backslash, backslash])
            case 0x0A: bytes.append(contentsOf: [backslash, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [backslash, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [backslash, UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [backslash, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [backslash, UInt8(ascii: "f")])
            case 0..<0x20:
                bytes.append(contentsOf: [backslash, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(quote)
    }

    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let hex = Array("0123456789abcdef".utf8)
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text with object keys sorted, so equal values print as equal text. The text
    /// parses back to an equal value.
    public var description: String {
        var out = ""
        Self.write(self, to: &out)
        return out
    }

    /// The UTF-8 bytes of `description`.
    public var jsonBytes: [UInt8] { Array(description.utf8) }

    private static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .double(let number):
            // Swift prints finite doubles as valid JSON numbers ("1.0", "1e+20", "5e-324").
            out += number.isFinite ? "\(number)" : "null"
        case .string(let text): out += JSONString.quoted(text)
        case .array(let elements):
            out += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { out += "," }
                write(element, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (offset, key) in members.keys.sorted().enumerated() {
                if offset > 0 { out += "," }
                out += JSONString.quoted(key)
                out += ":"
                if let member = members[key] { write(member, to: &out) }
            }
            out += "}"
        }
    }
}
