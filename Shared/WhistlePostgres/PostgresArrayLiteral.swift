/// PostgreSQL one-dimensional array literals (`{a,"b c",NULL}`) and bytea hex (`\x00ff`).
public enum PostgresArrayLiteral {
    /// Builds an array literal from element texts; nil elements become NULL.
    ///
    /// Every non-NULL element is double-quoted with `"` and `\` escaped, so commas, braces,
    /// whitespace, empty strings and the string "NULL" all stay plain data.
    public static func encode(_ elements: [String?]) -> String {
        // Built as UTF-8 bytes: `"` and `\` are ASCII and never part of a multi-byte sequence.
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard let element else {
                out.append(contentsOf: [78, 85, 76, 76])  // NULL
                continue
            }
            out.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a one-dimensional array literal, as PostgreSQL outputs it or as one would type it:
    /// quoted and unquoted elements, backslash escapes, unquoted `NULL` (any case) as nil,
    /// whitespace around elements, and an optional `[lower:upper]=` dimension prefix.
    /// Throws `.decode` for a malformed or multi-dimensional literal.
    public static func decode(_ text: String) throws(PostgresError) -> [String?] {
        func malformed(_ why: String) -> PostgresError { PostgresError(.decode, "malformed array literal: \(why)") }
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func skipSpace() { while i < scalars.count, scalars[i].properties.isWhitespace { i += 1 } }
        skipSpace()
        if i < scalars.count, scalars[i] == "[" {
            while i < scalars.count, scalars[i] != "=" { i += 1 }
            guard i < scalars.count else { throw malformed("dimension prefix without =") }
            i += 1
            skipSpace()
        }
        guard i < scalars.count, scalars[i] == "{" else { throw malformed("expected {") }
        i += 1
        var elements: [String?] = []
        skipSpace()
        if i < scalars.count, scalars[i] == "}" {
            i += 1
            skipSpace()
            guard i == scalars.count else { throw malformed("text after }") }
            return elements
        }
        while true {
            skipSpace()
            guard i < scalars.count else { throw malformed("unterminated") }
            var element = String.UnicodeScalarView()
            if scalars[i] == "{" { throw malformed("multi-dimensional arrays are not supported") }
            if scalars[i] == "\"" {
                i += 1
                var closed = false
                while i < scalars.count {
                    let c = scalars[i]
                    i += 1
                    if c == "\"" {
                        closed = true
                        break
                    }
                    if c == "\\" {
                        guard i < scalars.count else { break }
                        element.append(scalars[i])
                        i += 1
                    } else {
                        element.append(c)
                    }
                }
                guard closed else { throw malformed("unterminated quoted element") }
                elements.append(String(element))
                skipSpace()
            } else {
                var trailingSpace = 0
                var escaped = false
                while i < scalars.count, scalars[i] != ",", scalars[i] != "}" {
                    let c = scalars[i]
                    i += 1
                    if c == "\"" || c == "{" { throw malformed("unexpected \(c) in unquoted element") }
                    if c == "\\" {
                        guard i < scalars.count else { throw malformed("trailing backslash") }
                        element.append(scalars[i])
                        i += 1
                        trailingSpace = 0
                        escaped = true
                    } else {
                        element.append(c)
                        trailingSpace = c.properties.isWhitespace ? trailingSpace + 1 : 0
                    }
                }
                var value = String(element)
                if trailingSpace > 0 { value = String(value.unicodeScalars.dropLast(trailingSpace)) }
                guard !value.isEmpty else { throw malformed("empty unquoted element") }
                // Only an unquoted, unescaped NULL is SQL NULL.
                elements.append(!escaped && value.uppercased() == "NULL" ? nil : value)
            }
            guard i < scalars.count else { throw malformed("unterminated") }
            if scalars[i] == "," {
                i += 1
                continue
            }
            guard scalars[i] == "}" else { throw malformed("expected , or }") }
            i += 1
            skipSpace()
            guard i == scalars.count else { throw malformed("text after }") }
            return elements
        }
    }

    /// Encodes bytes as bytea hex input: `\x` followed by two lowercase hex digits per byte.
    public static func byteaHex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [0x5C, 0x78]
        out.reserveCapacity(2 + bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes bytea hex output (`\x00ff`, either case of hex digits). Throws `.decode` otherwise.
    public static func byteaBytes(_ text: String) throws(PostgresError) -> [UInt8] {
        let b = Array(text.utf8)
        guard b.count >= 2, b[0] == 0x5C, b[1] == 0x78 || b[1] == 0x58, b.count % 2 == 0 else {
            throw PostgresError(.decode, "bytea value is not in hex format")
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(b.count / 2 - 1)
        var i = 2
        while i < b.count {
            guard let high = nibble(b[i]), let low = nibble(b[i + 1]) else {
                throw PostgresError(.decode, "bytea value has a non-hex digit")
            }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}
