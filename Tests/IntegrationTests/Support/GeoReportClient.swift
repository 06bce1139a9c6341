import Foundation
import Testing

/// The real Open311 client of issue 16: the `georeport` package from PyPI (0.3.1), driven by
/// Tests/Open311Client/open311_client.py. Its interpreter is `WHISTLE_TEST_PYTHON` (deploy/test.sh
/// makes a venv at .build/python-open311 and sets it); when unset, the test makes that venv itself
/// with `python3 -m venv` and pip, so that `swift test` alone runs it too. Never skipped: a missing
/// Python is a failure.
enum GeoReportClient {
    static let package = "georeport==0.3.1"

    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static var script: URL { repository.appendingPathComponent("Tests/Open311Client/open311_client.py") }

    /// The interpreter that has `georeport` installed.
    static func python() async throws -> String {
        if let given = ProcessInfo.processInfo.environment["WHISTLE_TEST_PYTHON"], !given.isEmpty { return given }
        let venv = repository.appendingPathComponent(".build/python-open311")
        let python = venv.appendingPathComponent("bin/python").path
        if FileManager.default.isExecutableFile(atPath: python),
            try await run(python, ["-c", "import georeport"]).status == 0
        {
            return python
        }
        let made = try await run("/usr/bin/env", ["python3", "-m", "venv", venv.path])
        try #require(made.status == 0, "python3 -m venv failed (apt-get install python3-venv?): \(made.stderr)")
        let installed = try await run(python, ["-m", "pip", "install", "-q", "--disable-pip-version-check", package])
        try #require(installed.status == 0, "pip install \(package) failed: \(installed.stderr)")
        return python
    }

    /// Runs `calls` (`[{name, method, args}]`, methods of `georeport.GeoReport`) against `root`;
    /// each name's `{result}` or `{error: {status, body}}`.
    static func call(root: String, jurisdiction: String?, _ calls: [[String: Any]]) async throws -> [String: [String: Any]] {
        let input = try JSONSerialization.data(withJSONObject: calls)
        let outcome = try await run(try await python(), [script.path, root, jurisdiction ?? ""], input: input)
        try #require(outcome.status == 0, "open311_client.py failed (\(outcome.status)): \(outcome.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8))
        return try #require(parsed as? [String: [String: Any]], "open311_client.py printed \(outcome.stdout.prefix(300))")
    }

    /// Runs a program with `input` on stdin; its exit status, stdout and stderr (through files, so
    /// that a large answer never blocks on a pipe).
    static func run(
        _ program: String, _ arguments: [String], input: Data = Data()
    ) async throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-georeport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (inFile, outFile, errFile) = (
            folder.appendingPathComponent("in"), folder.appendingPathComponent("out"), folder.appendingPathComponent("err")
        )
        try input.write(to: inFile)
        for file in [outFile, errFile] { FileManager.default.createFile(atPath: file.path, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: inFile)
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        let deadline = ContinuousClock.now + .seconds(300)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                throw GeoReportClientError.timedOut(program)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (
            process.terminationStatus, try String(contentsOf: outFile, encoding: .utf8), try String(contentsOf: errFile, encoding: .utf8)
        )
    }
}

enum GeoReportClientError: Error {
    case timedOut(String)
}
