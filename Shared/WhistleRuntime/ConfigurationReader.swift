/// A problem with a `WHISTLE_*` environment variable; names the variable and what was wrong.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var variable: String
    public var message: String
    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }
    public var description: String { "\(variable): \(message)" }
}

/// Reads typed values from an environment dictionary, with defaults and range checks.
public struct ConfigurationReader: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String]) { self.environment = environment }

    /// A string, or `fallback` when the variable is unset or empty.
    public func string(_ name: String, default fallback: String) -> String {
        guard let value = environment[name], !value.isEmpty else { return fallback }
        return value
    }

    /// An optional string (unset or empty is nil).
    public func optionalString(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// An integer within `range`.
    public func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = environment[name], !text.isEmpty else { return fallback }
        guard let value = Int(text) else {
            throw ConfigurationError(variable: name, message: "expected a whole number, got \(text)")
        }
        guard range.contains(value) else {
            throw ConfigurationError(variable: name, message: "\(value) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// A boolean: true/false, 1/0, yes/no, on/off.
    public func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let text = environment[name]?.lowercased(), !text.isEmpty else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, message: "expected true or false, got \(text)")
        }
    }

    /// One of the given words.
    public func choice(_ name: String, default fallback: String, from allowed: [String]) throws -> String {
        let value = string(name, default: fallback).lowercased()
        guard allowed.contains(value) else {
            throw ConfigurationError(variable: name, message: "expected one of \(allowed.joined(separator: ", ")), got \(value)")
        }
        return value
    }
}
