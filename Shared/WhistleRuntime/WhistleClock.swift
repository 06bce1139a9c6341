import Foundation

/// The time source of a service: the system clock, or — for tests and drills — an instant read
/// from a file, so that a test moves time across a weekend without sleeping
/// (`WHISTLE_CLOCK=file:/path/to/now`, the file holding one RFC 3339 timestamp).
///
/// A file clock that cannot be read (missing file, bad text) falls back to the system clock
/// rather than stopping the service; the file is re-read on every call, so a test may rewrite
/// it at any moment.
public struct WhistleClock: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case system
        case file(String)
    }

    public let source: Source

    public init(_ source: Source) { self.source = source }

    /// The system clock.
    public static let system = WhistleClock(.system)

    /// Reads a `WHISTLE_CLOCK` value: `system` (or empty) or `file:<path>`; nil for anything else.
    public init?(setting: String) {
        let text = setting.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text == "system" {
            source = .system
        } else if text.hasPrefix("file:"), text.count > 5 {
            source = .file(String(text.dropFirst(5)))
        } else {
            return nil
        }
    }

    /// The current instant.
    public func now() -> Date {
        switch source {
        case .system:
            return Date()
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path),
                let text = String(data: data, encoding: .utf8),
                let instant = Self.parse(text.trimmingCharacters(in: .whitespacesAndNewlines))
            else { return Date() }
            return instant
        }
    }

    /// The function form, for code that takes `@Sendable () -> Date`.
    public var function: @Sendable () -> Date {
        let clock = self
        return { clock.now() }
    }

    private static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
