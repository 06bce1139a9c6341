import Foundation

/// What a service's `main.swift` does before it has a logger.
public enum ServiceStartup {
    /// Reads the service's configuration; a bad or missing value ends the process with one line
    /// on standard error that names the variable, and exit status 78 (`EX_CONFIG`), instead of a
    /// crash report.
    public static func configuration<Configuration>(of service: String, _ read: () throws -> Configuration) -> Configuration {
        do {
            return try read()
        } catch {
            FileHandle.standardError.write(Data("\(service): configuration error: \(error)\n".utf8))
            exit(78)
        }
    }
}
