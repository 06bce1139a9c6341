import ArgumentParser
import Foundation
import WhistleAMQP
import WhistleMessages
import WhistleReliability
import WhistleRuntime

/// `whistle-bench drill`: the steady stream of the high-availability drill (deploy/ha-drill.sh).
///
/// Publishes demands at a fixed rate through a list of broker nodes (it fails over with them),
/// reads intake's outcome events from its own quorum queue and the assignments from every
/// department queue, and writes one line per fact to `--log`, with the wall-clock time in
/// milliseconds, for the drill script to set against its faults:
///
///     C <ms> <message_id>                 the broker confirmed a demand
///     U <ms> <message_id>                 a demand the broker did not confirm (not counted)
///     O <ms> <type> <message_id>          an outcome event (a repeat on the wire appears again)
///     A <ms> <assignment_id> <ticket_no>  an assignment in a department queue (repeats appear again)
///
/// It publishes until `--stop-file` exists (or `--duration` has passed), then reads until every
/// confirmed demand has its outcome and assignments stopped arriving for `--settle` seconds.
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "The HA drill's stream: demands at a fixed rate, outcomes and assignments logged with their times.")

    @Option(help: "Demands per second.") var rate = 20.0
    @Option(help: "Most seconds to publish (the stop file ends it sooner).") var duration = 600.0
    @Option(help: "Publishing ends when this file exists.") var stopFile: String?
    @Option(help: "The log of confirmations, outcomes and assignments.") var log: String
    @Option(help: "Seconds without a new assignment (after every outcome arrived) that end the run.") var settle = 15.0
    @Option(help: "Most seconds to wait for outcomes after publishing ended.") var drainTimeout = 180.0
    @Option(help: "The seed departments.yaml whose dept.<code> queues to read.") var departments = "deploy/seed/departments.yaml"
    @Option(help: "Folder of sample demand bodies.") var samples = "deploy/samples/demands"
    @Option(name: .customLong("amqp-url"), help: "Broker node list (default: $WHISTLE_AMQP_URL).") var amqpURL: String?

    func validate() throws {
        guard rate > 0, duration > 0, settle > 0, drainTimeout > 0 else {
            throw ValidationError("--rate, --duration, --settle and --drain-timeout must be positive")
        }
    }

    func run() async throws {
        WhistleBench.quietLogs()
        let url = amqpURL ?? ProcessInfo.processInfo.environment["WHISTLE_AMQP_URL"] ?? ServiceConfiguration.defaultAMQPURL
        let amqp = try AMQPConfiguration(url: url)
        let run = "drill-\(UUID().uuidString.prefix(8).lowercased())"
        guard FileManager.default.createFile(atPath: log, contents: nil), let handle = FileHandle(forWritingAtPath: log) else {
            throw BenchError("cannot write \(log)")
        }
        let sink = DrillLog(handle)
        let templates = try SampleDemands.load(from: samples)
        let codes = try AssignmentObserver.departmentCodes(in: departments)
        let stream = DrillStream(amqp: amqp, run: run, departments: codes, sink: sink)
        try await stream.start()
        let confirmed = try await stream.publish(
            templates: templates, rate: rate, until: Date().addingTimeInterval(duration), stopFile: stopFile)
        FileHandle.standardError.write(Data("drill: publishing ended, \(confirmed) demands confirmed; draining\n".utf8))
        let drained = try await stream.drain(
            confirmed: confirmed, settle: .milliseconds(Int(settle * 1000)), timeout: .milliseconds(Int(drainTimeout * 1000)))
        await stream.close()
        sink.close()
        print(
            "run \(run): \(confirmed) confirmed, \(stream.outcomeCount) with an outcome, \(stream.assignmentCount) assignments\(drained ? "" : " (not drained)")"
        )
    }
}

/// The drill's log file: one line per fact, written as it happens.
final class DrillLog: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()

    init(_ handle: FileHandle) { self.handle = handle }

    func write(_ kind: String, _ fields: String...) {
        let ms = Int64(Date().timeIntervalSince1970 * 1000)
        let line = ([kind, String(ms)] + fields).joined(separator: " ") + "\n"
        lock.withLock { handle.write(Data(line.utf8)) }
    }

    func close() {
        lock.withLock {
            do {
                try handle.synchronize()
                try handle.close()
            } catch {
                FileHandle.standardError.write(Data("drill: closing the log failed: \(error)\n".utf8))
            }
        }
    }
}
