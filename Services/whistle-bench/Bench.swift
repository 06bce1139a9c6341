import ArgumentParser

/// The load generator and benchmark of Whistle. Speed and memory are measured here, never
/// asserted in a test.
@main
struct WhistleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whistle-bench",
        abstract: "Measures Whistle against this machine: throughput, latency and memory.",
        subcommands: [BurstCommand.self, WorkCommand.self, MemoryCommand.self])
}
