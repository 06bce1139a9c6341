import Foundation

/// The database's own ceiling for durable writes: pgbench with one INSERT per transaction
/// (synchronous commit, as the services use), on a scratch table it creates and drops.
///
/// pgbench runs a fixed number of transactions per client (`-t`), not a duration: started from
/// a Swift program it inherits a signal mask that blocks the alarm `-T` relies on, and would
/// never stop.
struct PgBench {
    var databaseURL: String
    var clients = 4
    var transactionsPerClient = 10_000

    struct Result: Sendable {
        var transactionsPerSecond: Double
        var latencyMilliseconds: Double
    }

    /// Runs pgbench; throws when it is missing or fails.
    func run() throws -> Result {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-pgbench-\(getpid()).sql")
        try "INSERT INTO bench_pgbench (payload) VALUES (repeat('x', 200));\n".write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        _ = try Self.execute([
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", databaseURL, "-c",
            "DROP TABLE IF EXISTS bench_pgbench; CREATE TABLE bench_pgbench (id bigserial PRIMARY KEY, payload text, at timestamptz DEFAULT now())",
        ])
        defer { _ = try? Self.execute(["psql", "-X", "-q", databaseURL, "-c", "DROP TABLE IF EXISTS bench_pgbench"]) }
        let output = try Self.execute([
            "pgbench", "-n", "-c", String(clients), "-j", String(min(clients, 2)), "-t", String(transactionsPerClient), "-f", script.path,
            databaseURL,
        ])
        guard let tps = Self.number(after: "tps = ", in: output) else {
            throw BenchError("pgbench printed no tps:\n\(output)")
        }
        return Result(transactionsPerSecond: tps, latencyMilliseconds: Self.number(after: "latency average = ", in: output) ?? 0)
    }

    static func number(after prefix: String, in text: String) -> Double? {
        guard let range = text.range(of: prefix) else { return nil }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    /// Runs a program found on PATH; returns its standard output, throws on a non-zero exit.
    static func execute(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        do { try process.run() } catch { throw BenchError("cannot run \(arguments[0]): \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw BenchError("\(arguments[0]) failed (exit \(process.terminationStatus)): \(text.suffix(500))")
        }
        return text
    }
}
