import Foundation
import Testing

/// Headless Chromium (the Debian `chromium` package, installed by deploy/test.sh): the page as a
/// browser renders it, and a screenshot.
enum Chromium {
    static var binary: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let path = try #require(binary, "chromium is not installed (deploy/test.sh installs it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-chromium-\(UUID().uuidString)")
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                "--user-data-dir=\(profile.path)",
            ] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        async let output = Task.detachedRead(out)
        async let errors = Task.detachedRead(err)
        let (stdout, stderr) = await (output, errors)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: profile)
        return (process.terminationStatus, stdout, stderr)
    }

    /// The DOM after rendering, serialized.
    static func dom(_ url: String) async throws -> String {
        let result = try await run(["--virtual-time-budget=2000", "--dump-dom", url])
        #expect(result.status == 0, "chromium failed: \(result.stderr.suffix(500))")
        return result.stdout
    }

    /// A PNG of the page at `width`×`height`.
    static func screenshot(_ url: String, to file: URL, width: Int = 1400, height: Int = 1800) async throws {
        let result = try await run(["--screenshot=\(file.path)", "--window-size=\(width),\(height)", url])
        #expect(result.status == 0, "chromium failed: \(result.stderr.suffix(500))")
    }
}

extension Task where Success == String, Failure == Never {
    /// Reads a pipe to its end off the cooperative pool.
    static func detachedRead(_ pipe: Pipe) async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
    }
}
