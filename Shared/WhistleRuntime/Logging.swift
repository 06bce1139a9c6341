import Foundation
import Logging
import NIOConcurrencyHelpers
import WhistleMessages

/// Sets up swift-log once per process: human-readable lines or one JSON object per line, on
/// standard error, with structured metadata (`ticket.no`, `message.id`, …).
public enum WhistleLogging {
    private static let bootstrapped = NIOLockedValueBox(false)

    /// Installs the log handler (later calls do nothing) and returns the service's logger.
    public static func bootstrap(_ configuration: ServiceConfiguration) -> Logger {
        bootstrapped.withLockedValue { bootstrapped in
            if !bootstrapped {
                bootstrapped = true
                let format = configuration.logFormat
                let level = configuration.logLevel
                LoggingSystem.bootstrap { label in
                    var handler: any LogHandler =
                        format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
                    handler.logLevel = level
                    return handler
                }
            }
        }
        var logger = Logger(label: "whistle.\(configuration.serviceName)")
        logger.logLevel = configuration.logLevel
        return logger
    }
}

/// One JSON object per line: `ts`, `level`, `logger`, `msg`, then the metadata keys.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [
            "ts": ISO8601DateFormatter.string(
                from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds]),
            "level": event.level.rawValue, "logger": label, "msg": "\(event.message)",
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { fields[key] = "\(value)" }
        var line = "{"
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { line += "," }
            line += JSONString.quoted(key) + ":" + JSONString.quoted(fields[key] ?? "")
        }
        line += "}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
