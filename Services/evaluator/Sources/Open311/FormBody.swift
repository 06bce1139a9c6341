import Foundation

/// An `application/x-www-form-urlencoded` body (WHATWG URL §5, as GeoReport v2 posts): `&`-separated
/// `name=value` pairs, `+` as a space, `%XX` as a byte, the bytes UTF-8. Stricter than browsers: a
/// broken `%` escape or bytes that are not UTF-8 make the whole body invalid (never guessed at).
struct FormBody: Sendable, Equatable {
    /// Every pair in order (a name may repeat).
    var pairs: [(name: String, value: String)]

    /// Why a body could not be read.
    struct Problem: Error, Equatable {
        var message: String
    }

    /// The first value of `name`, or nil.
    subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// The first value of `name` trimmed of white space, or nil when absent or blank.
    func text(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    static func == (lhs: FormBody, rhs: FormBody) -> Bool {
        lhs.pairs.count == rhs.pairs.count && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Whether a `Content-Type` header names this format (parameters such as `charset=UTF-8` allowed;
    /// a charset other than UTF-8 is not).
    static func accepts(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard parts.first == "application/x-www-form-urlencoded" else { return false }
        return parts.dropFirst().allSatisfy { parameter in
            guard parameter.hasPrefix("charset=") else { return true }
            let charset = parameter.dropFirst("charset=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return charset == "utf-8" || charset == "utf8"
        }
    }

    /// Parses `bytes`; empty segments (`a=1&&b=2`) are skipped, a name without `=` has an empty value.
    static func parse(_ bytes: [UInt8]) throws(Problem) -> FormBody {
        var pairs: [(name: String, value: String)] = []
        for segment in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = segment.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0])
            let value = parts.count > 1 ? try decode(parts[1]) : ""
            pairs.append((name, value))
        }
        return FormBody(pairs: pairs)
    }

    /// One name or value: `+` → space, `%XX` → the byte, then strict UTF-8.
    static func decode(_ encoded: ArraySlice<UInt8>) throws(Problem) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let byte = encoded[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < encoded.endIndex,
                    let high = hexValue(encoded[index + 1]), let low = hexValue(encoded[index + 2])
                else {
                    throw Problem(message: "the form body has a broken percent escape")
                }
                bytes.append(high << 4 | low)
                index += 2
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Problem(message: "the form body is not UTF-8")
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
