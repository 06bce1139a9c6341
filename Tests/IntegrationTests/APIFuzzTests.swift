import Foundation
import Testing

/// Fuzzing of evaluator's HTTP API from docs/openapi.json (issue 12's "must show"):
/// deploy/api-fuzz.sh seeds a district of its own on the test servers, starts the services and
/// runs schemathesis with every check, bounded in examples and time. Any 5xx, any response that
/// the document does not allow (status, content type, headers, body schema), an input the
/// document calls invalid that the server accepts, or a route that ignores its token fails here
/// with schemathesis's own account of it.
@Suite("API fuzzing", .serialized)
struct APIFuzzTests {
    @Test("schemathesis finds no 5xx and no response that violates docs/openapi.json", .timeLimit(.minutes(8)))
    func fuzz() async throws {
        let servers = try TestServers.fromEnvironment()
        let script = URL(fileURLWithPath: servers.script).deletingLastPathComponent().appendingPathComponent("api-fuzz.sh").path
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-api-fuzz-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathComponent("output.log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        // Foundation sees the child's exit through a descriptor the child inherits: bash closes
        // every descriptor above stderr first, so that no service the script starts holds it.
        let closeAndExec = #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done; exec "$@""#
        process.arguments = ["-c", closeAndExec, "api-fuzz", script]
        var environment = ProcessInfo.processInfo.environment
        environment["WHISTLE_TEST_BIN_DIR"] = servers.binDirectory
        environment["FUZZ_REPORT_DIR"] = scratch.appendingPathComponent("report").path
        process.environment = environment
        process.standardInput = nil
        let log = try FileHandle(forWritingTo: output)
        process.standardOutput = log
        process.standardError = log
        let started = ContinuousClock.now
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        try log.close()
        let text = try String(contentsOf: output, encoding: .utf8)
        let summary = Self.summary(of: text)
        print("api-fuzz.sh: exit \(status) after \(ContinuousClock.now - started)\n\(summary)")
        #expect(status == 0, "schemathesis found problems (deploy/api-fuzz.sh, exit \(status)):\n\(summary)")
        #expect(text.contains(" generated, "), "schemathesis did not run:\n\(summary)")
    }

    /// The part of the output a reader needs: schemathesis's failures and summary, or the end of
    /// the output when it did not get that far; at most 12,000 characters.
    static func summary(of text: String) -> String {
        let start = text.range(of: "FAILURES")?.lowerBound ?? text.range(of: "SUMMARY")?.lowerBound
        let part =
            start.map { String(text[(text[..<$0].lastIndex(of: "\n") ?? text.startIndex)...]) }
            ?? text.split(separator: "\n", omittingEmptySubsequences: false).suffix(60).joined(separator: "\n")
        return part.count > 12_000 ? String(part.prefix(6_000)) + "\n…\n" + String(part.suffix(6_000)) : part
    }
}
