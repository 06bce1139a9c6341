import ArgumentParser
import Logging

/// The load generator and benchmark of Whistle. Speed and memory are measured here, never
/// asserted in a test.
@main
struct WhistleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whistle-bench",
        abstract: "Measures Whistle against this machine: throughput, latency and memory.",
        subcommands: [
            RunCommand.self, BurstCommand.self, WorkCommand.self, MemoryCommand.self, APICommand.self, DrillCommand.self, JSONCommand.self,
            PlacementCommand.self,
        ])
}

extension WhistleBench {
    /// Only warnings and errors of the clients reach standard error: the progress line and the
    /// report stay readable.
    static func quietLogs() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
    }
}
