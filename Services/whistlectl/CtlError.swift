import Foundation
import WhistleAMQP
import WhistlePostgres

/// The one error type of whistlectl: a stable code and a one-line message for the operator.
struct CtlError: Error, CustomStringConvertible {
    enum Code: String {
        /// A flag or argument is wrong in a way the parser cannot see (e.g. an unknown status).
        case usage
        /// A file could not be read.
        case io
        /// The seed files have errors (already printed one per line).
        case invalidSeed = "invalid_seed"
        /// The database could not be reached or refused a statement.
        case database
        /// The broker could not be reached or refused a message.
        case broker
        /// The thing asked for does not exist.
        case notFound = "not_found"
        /// Waited for something that did not happen in time.
        case timeout
        /// The system received a message and refused it (e.g. `reply.rejected`).
        case rejected
    }

    var code: Code
    var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { message }

    /// The operator's line: `whistlectl: error: <message>`, always a single line.
    var line: String { "whistlectl: error: " + Self.oneLine(message) }

    /// Any error of the libraries as a `CtlError`; nil for errors that ArgumentParser reports
    /// itself (usage errors, `--help`, `ExitCode`).
    static func from(_ error: any Error) -> CtlError? {
        switch error {
        case let error as CtlError:
            return error
        case let error as PostgresError:
            return CtlError(.database, "database: \(error)")
        case let error as AMQPError:
            return CtlError(.broker, "broker: \(error)")
        case let error as CocoaError:
            return CtlError(.io, error.localizedDescription)
        default:
            return nil
        }
    }

    /// Collapses line breaks and runs of blanks (libpq messages span lines) into single spaces.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isNewline || $0 == "\t" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
