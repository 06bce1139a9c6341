import Foundation

/// A value that can be read from a column's text output.
///
/// SQL NULL never reaches `init(postgresText:)`: use `PostgresRow.decodeIfPresent` for nullable
/// columns.
public protocol PostgresDecodable {
    /// Parses the text output of a non-NULL value; throws `.decode` when it does not fit.
    init(postgresText: String) throws(PostgresError)
}

@inline(__always)
private func mismatch(_ type: String) -> PostgresError {
    PostgresError(.decode, "column text is not a valid \(type)")
}

extension String: PostgresDecodable {
    /// The text itself.
    public init(postgresText: String) throws(PostgresError) { self = postgresText }
}

extension Int: PostgresDecodable {
    /// Decimal digits, as `int2`, `int4` and `int8` output them.
    public init(postgresText: String) throws(PostgresError) {
        guard let value = Int(postgresText) else { throw mismatch("Int") }
        self = value
    }
}

extension Int32: PostgresDecodable {
    /// Decimal digits within Int32's range.
    public init(postgresText: String) throws(PostgresError) {
        guard let value = Int32(postgresText) else { throw mismatch("Int32") }
        self = value
    }
}

extension Int64: PostgresDecodable {
    /// Decimal digits within Int64's range.
    public init(postgresText: String) throws(PostgresError) {
        guard let value = Int64(postgresText) else { throw mismatch("Int64") }
        self = value
    }
}

extension Bool: PostgresDecodable {
    /// `t` or `f` (also `true` and `false`).
    public init(postgresText: String) throws(PostgresError) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw mismatch("Bool")
        }
    }
}

extension Double: PostgresDecodable {
    /// `float8`, `float4` or `numeric` output, including `NaN`, `Infinity` and `-Infinity`.
    public init(postgresText: String) throws(PostgresError) {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(postgresText) else { throw mismatch("Double") }
            self = value
        }
    }
}

extension Date: PostgresDecodable {
    /// ISO `timestamptz` output such as `2026-11-21 08:30:00.123456+00` (see `PostgresTimestamp`).
    public init(postgresText: String) throws(PostgresError) {
        guard let value = PostgresTimestamp.parse(postgresText) else { throw mismatch("timestamp") }
        self = value
    }
}

extension UUID: PostgresDecodable {
    /// The canonical 8-4-4-4-12 hex form.
    public init(postgresText: String) throws(PostgresError) {
        guard let value = UUID(uuidString: postgresText) else { throw mismatch("UUID") }
        self = value
    }
}

extension Data: PostgresDecodable {
    /// bytea hex output: `\x` followed by two hex digits per byte.
    public init(postgresText: String) throws(PostgresError) {
        self = Data(try PostgresArrayLiteral.byteaBytes(postgresText))
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// A one-dimensional array's output (`{a,"b c"}`), each element decoded as `Element`.
    /// A NULL element throws `.decode`; read such arrays with `PostgresArrayLiteral.decode`.
    public init(postgresText: String) throws(PostgresError) {
        let texts = try PostgresArrayLiteral.decode(postgresText)
        var values: [Element] = []
        values.reserveCapacity(texts.count)
        for text in texts {
            guard let text else { throw PostgresError(.decode, "array has a NULL element") }
            values.append(try Element(postgresText: text))
        }
        self = values
    }
}
