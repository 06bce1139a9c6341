/// A stable machine word naming what is wrong with a field (CONTRACT §2 "Errors").
public struct ErrorCode: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let required: ErrorCode = "required"
    public static let tooLong: ErrorCode = "too_long"
    public static let tooShort: ErrorCode = "too_short"
    public static let outOfRange: ErrorCode = "out_of_range"
    public static let unknownCode: ErrorCode = "unknown_code"
    public static let invalidJSON: ErrorCode = "invalid_json"
    public static let invalidValue: ErrorCode = "invalid_value"
    public static let invalidType: ErrorCode = "invalid_type"
    public static let invalidFormat: ErrorCode = "invalid_format"
    public static let notAllowed: ErrorCode = "not_allowed"
    public static let tooMany: ErrorCode = "too_many"
    public static let tooLarge: ErrorCode = "too_large"
}

/// One problem found in an inbound message: `field` is a JSON path (`location.lat`,
/// `attachments[2].url`) or nil for the message as a whole.
public struct FieldError: Codable, Sendable, Hashable, CustomStringConvertible {
    public var field: String?
    public var code: ErrorCode
    public var message: String

    public init(field: String?, code: ErrorCode, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }

    public var description: String { "\(field ?? "(message)"): \(code) — \(message)" }

    // `field` is always present in JSON, as null for the whole message.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(field, forKey: .field)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
    }

    private enum CodingKeys: String, CodingKey { case field, code, message }
}
