import Foundation

/// A value that can be sent as a text-format query parameter (`$1`, `$2`, …).
///
/// The server infers each parameter's type from the statement; cast in SQL (`$1::int8[]`) where
/// it cannot.
public protocol PostgresEncodable: Sendable {
    /// The parameter's text form, or nil for SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresEncodable {
    /// The string itself.
    public var postgresText: String? { self }
}

extension Substring: PostgresEncodable {
    /// The substring as a string.
    public var postgresText: String? { String(self) }
}

extension Int: PostgresEncodable {
    /// Decimal digits.
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    /// Decimal digits.
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    /// Decimal digits.
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresEncodable {
    /// `t` or `f`.
    public var postgresText: String? { self ? "t" : "f" }
}

extension Double: PostgresEncodable {
    /// The shortest text that reads back as the same value; `NaN`, `Infinity`, `-Infinity`.
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return description
    }
}

extension Date: PostgresEncodable {
    /// RFC 3339 in UTC with microseconds, such as `2026-11-21T08:30:00.123456Z`.
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension UUID: PostgresEncodable {
    /// The lowercase canonical form.
    public var postgresText: String? { uuidString.lowercased() }
}

extension Data: PostgresEncodable {
    /// bytea hex input: `\x` and two hex digits per byte.
    public var postgresText: String? { PostgresArrayLiteral.byteaHex(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    /// The wrapped value's text, or nil (SQL NULL).
    public var postgresText: String? {
        switch self {
        case .some(let value): return value.postgresText
        case .none: return nil
        }
    }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// A one-dimensional array literal with every element quoted and escaped, e.g.
    /// `{"a","b \"c\"",NULL}`; it is valid input for `text[]`, `int8[]`, `uuid[]` and the like.
    /// An array of arrays is sent as an array of array texts, not as a multi-dimensional array.
    public var postgresText: String? { PostgresArrayLiteral.encode(map(\.postgresText)) }
}
