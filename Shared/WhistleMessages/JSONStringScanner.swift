/// Strings: escapes, surrogate pairs and UTF-8 well-formedness (RFC 8259 §7, RFC 3629 §4).
extension JSONScanner {
    /// Reads a string starting at its opening quote, leaving the cursor after the closing one.
    mutating func string() throws(JSONParseError) -> String {
        let start = index
        index += 1
        scratch.removeAll(keepingCapacity: true)
        while true {
            guard let byte = current else { throw error("unterminated string", at: start) }
            switch byte {
            case JSONByte.quote:
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            case JSONByte.backslash:
                try escape()
            case 0x00..<0x20:
                throw error("control character \(JSONByte.describe(byte)) must be escaped in a string")
            case 0x20..<0x80:
                scratch.append(byte)
                index += 1
            default:
                try multibyte()
            }
        }
    }

    /// Copies one well-formed multi-byte UTF-8 sequence (RFC 3629 table, so no overlong forms,
    /// no surrogates, nothing above U+10FFFF).
    mutating func multibyte() throws(JSONParseError) {
        let start = index
        let lead = bytes[start]
        var length = 0
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw error("invalid UTF-8 byte \(JSONByte.describe(lead))")
        }
        for offset in 1..<length {
            guard start + offset < bytes.count else { throw error("truncated UTF-8 sequence", at: start) }
            let byte = bytes[start + offset]
            let (min, max) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= min && byte <= max else {
                throw error("invalid UTF-8 sequence starting with \(JSONByte.describe(lead))", at: start)
            }
        }
        scratch.append(contentsOf: bytes[start..<(start + length)])
        index += length
    }

    /// Reads one escape sequence starting at its backslash.
    mutating func escape() throws(JSONParseError) {
        let start = index
        guard index + 1 < bytes.count else { throw error("unterminated escape sequence") }
        let kind = bytes[index + 1]
        index += 2
        switch kind {
        case JSONByte.quote, JSONByte.backslash, JSONByte.slash: scratch.append(kind)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hex4()
            var scalar = unit
            if (0xD800...0xDBFF).contains(unit) {
                guard index + 1 < bytes.count, bytes[index] == JSONByte.backslash, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired high surrogate in a \\u escape", at: start)
                }
                index += 2
                let second = try hex4()
                guard (0xDC00...0xDFFF).contains(second) else {
                    throw error("high surrogate not followed by a low surrogate", at: start)
                }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (second - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw error("unpaired low surrogate in a \\u escape", at: start)
            }
            appendUTF8(scalar)
        default:
            throw error("invalid escape sequence: backslash followed by \(JSONByte.describe(kind))", at: start)
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("expected 4 hex digits after \\u") }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = JSONByte.hexValue(bytes[index + offset]) else {
                throw error("expected 4 hex digits after \\u", at: index + offset)
            }
            value = value << 4 | digit
        }
        index += 4
        return value
    }

    /// Appends a scalar value (never a surrogate, at most U+10FFFF) as UTF-8.
    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            scratch.append(UInt8(scalar))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
