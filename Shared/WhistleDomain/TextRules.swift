import WhistleMessages

/// The character-level rules of the wire (CONTRACT §1, §2): trimming, control characters and
/// the formats of phone numbers, hotline numbers, ticket numbers and attachment URLs.
public enum TextRules {
    /// U+0000–U+001F except tab, line feed and carriage return, and U+007F.
    static func isForbiddenControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F: true
        default: false
        }
    }

    /// `U+0007`.
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Without leading and trailing Unicode white space (the White_Space property: ASCII
    /// spaces, tabs and line breaks, no-break space, ideographic space U+3000, …).
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    /// A value quoted for a message, cut to 40 characters.
    public static func quoted(_ text: String) -> String {
        let scalars = text.unicodeScalars
        if scalars.count <= 40 { return "\"\(text)\"" }
        return "\"\(String(String.UnicodeScalarView(scalars.prefix(40))))…\""
    }

    static func isASCIIDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x30 && scalar.value <= 0x39 }

    /// Digits, `+` and `-` only.
    static func isPhone(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { isASCIIDigit($0) || $0 == "+" || $0 == "-" }
    }

    /// A hotline's number: digits and `-` only.
    static func isHotlineNumber(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { isASCIIDigit($0) || $0 == "-" }
    }

    /// `W` + 8 digits + `-` + 6 digits, e.g. `W20261121-000123`.
    static func isTicketNumber(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 16, scalars[0] == "W", scalars[9] == "-" else { return false }
        return scalars.indices.allSatisfy { $0 == 0 || $0 == 9 || isASCIIDigit(scalars[$0]) }
    }

    /// An absolute `http` or `https` URL (scheme case-insensitive) with a non-empty host, an
    /// optional numeric port, and no white space, control characters or characters RFC 3986
    /// never allows (`<>"{}|\^` and backquote). Non-ASCII characters (IRIs) are accepted.
    static func isHTTPURL(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        let forbidden: Set<Unicode.Scalar> = ["<", ">", "\"", "{", "}", "|", "\\", "^", "`"]
        for scalar in scalars
        where scalar.properties.isWhitespace || isForbiddenControl(scalar)
            || (0x80...0x9F).contains(scalar.value) || forbidden.contains(scalar)
        {
            return false
        }
        let schemeLength: Int
        if hasASCIIPrefix(scalars, "http://") {
            schemeLength = 7
        } else if hasASCIIPrefix(scalars, "https://") {
            schemeLength = 8
        } else {
            return false
        }
        let rest = scalars[schemeLength...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority[...]
        return isHostAndPort(Array(hostAndPort))
    }

    /// Whether `scalars` starts with the lower-case ASCII `prefix`, ignoring ASCII case.
    private static func hasASCIIPrefix(_ scalars: [Unicode.Scalar], _ prefix: String) -> Bool {
        let expected = Array(prefix.unicodeScalars)
        guard scalars.count >= expected.count else { return false }
        return zip(scalars, expected).allSatisfy { actual, wanted in
            let folded = (0x41...0x5A).contains(actual.value) ? actual.value + 0x20 : actual.value
            return folded == wanted.value
        }
    }

    private static func isHostAndPort(_ scalars: [Unicode.Scalar]) -> Bool {
        var host: ArraySlice<Unicode.Scalar>
        var port: ArraySlice<Unicode.Scalar> = []
        if scalars.first == "[" {
            // An IP literal: [IPv6] or [vX.…].
            guard let close = scalars.firstIndex(of: "]"), close > 1 else { return false }
            let literal = scalars[1..<close]
            guard literal.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." || $0 == "v" || $0 == "V" })
            else { return false }
            let after = scalars[(close + 1)...]
            if let colon = after.first {
                guard colon == ":" else { return false }
                port = after.dropFirst()
            }
            host = literal
        } else {
            if let colon = scalars.firstIndex(of: ":") {
                host = scalars[..<colon]
                port = scalars[(colon + 1)...]
            } else {
                host = scalars[...]
            }
            let allowed: (Unicode.Scalar) -> Bool = {
                $0.properties.isAlphabetic || isASCIIDigit($0) || $0.value > 0x7F
                    || $0 == "-" || $0 == "." || $0 == "_" || $0 == "~" || $0 == "%"
            }
            guard host.allSatisfy(allowed), host.contains(where: { $0 != "." && $0 != "-" }) else { return false }
        }
        guard !host.isEmpty, port.count <= 5, port.allSatisfy(isASCIIDigit) else { return false }
        if !port.isEmpty, let number = Int(String(String.UnicodeScalarView(port))), number > 65_535 { return false }
        return true
    }
}

/// A body that must be a JSON object: its members, or the one `invalid_json` error that
/// stands for the whole message.
enum MessageBody {
    case object([String: JSONValue])
    case invalid(FieldError)

    init(_ bytes: [UInt8]) {
        do {
            let value = try JSONParser().parse(bytes)
            guard case .object(let members) = value else {
                self = .invalid(
                    FieldError(field: nil, code: .invalidJSON, message: "the body must be a JSON object, not \(value.typeName)"))
                return
            }
            self = .object(members)
        } catch {
            self = .invalid(FieldError(field: nil, code: .invalidJSON, message: "the body is not valid JSON: \(error)"))
        }
    }
}

extension MessageBody {
    /// Runs `read` on the body's root object with a fresh `FieldReader`; a body that is not a
    /// JSON object gives `invalid` its one `invalid_json` error instead.
    static func read<Answer>(
        _ bytes: [UInt8], invalid: ([FieldError]) -> Answer, _ read: (ObjectField, inout FieldReader) -> Answer
    ) -> Answer {
        switch MessageBody(bytes) {
        case .invalid(let error): return invalid([error])
        case .object(let members):
            var reader = FieldReader()
            return read(ObjectField(members: members, path: .root), &reader)
        }
    }
}
