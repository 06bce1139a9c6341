import Foundation
import Testing

/// `whistlectl webhook-sink` running as a real local HTTP receiver, recording every request.
final class WebhookSinkProcess: @unchecked Sendable {
    let port: Int
    let secret: String
    let recordFile: URL
    fileprivate let process = Process()
    private let output: URL

    /// Starts the sink on a free port; `arguments` adds e.g. `--fail-first 3`.
    init(secret: String, arguments: [String] = [], port fixed: Int? = nil) throws {
        port = try fixed ?? FreePort.next()
        self.secret = secret
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        recordFile = scratch.appendingPathComponent("record.jsonl")
        output = scratch.appendingPathComponent("output.log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let bin = try #require(ProcessInfo.processInfo.environment["WHISTLE_TEST_BIN_DIR"])
        process.executableURL = URL(fileURLWithPath: bin).appendingPathComponent("whistlectl")
        process.arguments = ["webhook-sink", "--port", String(port), "--secret", secret, "--record", recordFile.path] + arguments
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Waits until the sink says it listens.
    func waitListening(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if log().contains("listening") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("webhook-sink did not start:\n\(log())")
        throw ServiceProcessError.notHealthy("webhook-sink")
    }

    func log() -> String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Every request recorded so far.
    func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOf: recordFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The verified, accepted (2xx) and first-seen deliveries' bodies.
    func delivered() -> [[String: Any]] {
        requests().filter { ($0["verified"] as? Bool) == true && ($0["status"] as? Int) == 200 && ($0["duplicate"] as? Bool) != true }
            .compactMap { $0["body"] as? [String: Any] }
    }

    /// Waits until `predicate` holds over the delivered bodies.
    @discardableResult
    func waitFor(
        _ what: String, timeout: Duration = .seconds(40), sourceLocation: SourceLocation = #_sourceLocation,
        _ predicate: ([[String: Any]]) -> Bool
    ) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if predicate(delivered()) { return delivered() }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("timed out waiting for \(what); \(requests().count) requests recorded", sourceLocation: sourceLocation)
        throw ServiceProcessError.notHealthy(what)
    }

    /// Stops the receiver, then scans what it received (CONTRACT §8): a text to a citizen, a
    /// supervisor or a grid worker never carries a phone or resident ID number in clear — only a
    /// ticket's lead department (and a petition bureau) reads them.
    func stop(sourceLocation: SourceLocation = #_sourceLocation) {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        for body in requests().compactMap({ $0["body"] as? [String: Any] }) {
            guard let audience = body["audience"] as? String, audience != "department", let text = body["text"] as? String else { continue }
            do {
                if let found = try PersonalDataScan.firstNumber(in: text) {
                    Issue.record("a notification to a \(audience) carries \(found) in clear: \(text)", sourceLocation: sourceLocation)
                }
            } catch {
                Issue.record(error, "the scan's patterns", sourceLocation: sourceLocation)
            }
        }
    }
}

extension WebhookSinkProcess {
    /// Stalls (SIGSTOP) or resumes (SIGCONT) the receiver: connections hang rather than fail.
    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }
}
