import Foundation
import Logging

/// What a service's `main.swift` does around its service group: a configuration error ends the
/// process with one line on standard error naming the variable and exit status 78 (`EX_CONFIG`),
/// any other failure with one line and exit status 1, never with a crash report.
public enum ServiceStartup {
    /// Reads the service's configuration; a bad or missing value ends the process with one line
    /// on standard error that names the variable, and exit status 78 (`EX_CONFIG`), instead of a
    /// crash report.
    public static func configuration<Configuration>(of service: String, _ read: () throws -> Configuration) -> Configuration {
        do {
            return try read()
        } catch {
            fail(service, error)
        }
    }

    /// Builds and runs the service (`body`: build the group, run it) until it ends. A
    /// `ConfigurationError` thrown while building or during the group's start-up (a bad URL, a
    /// database that cannot be reached) exits 78 with one line on standard error; any other error
    /// is logged and exits 1. Returns when the group has shut down gracefully.
    public static func run(_ service: String, logger: Logger, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch let error as ConfigurationError {
            fail(service, error)
        } catch {
            logger.critical("service stopped by an error", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("\(service): \(error)\n".utf8))
            exit(1)
        }
    }

    private static func fail(_ service: String, _ error: any Error) -> Never {
        FileHandle.standardError.write(Data("\(service): configuration error: \(error)\n".utf8))
        exit(78)
    }
}
