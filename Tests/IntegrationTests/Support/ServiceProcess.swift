import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One Whistle service running as a real process (the built binary), with its log in a file.
final class ServiceProcess: @unchecked Sendable {
    let name: String
    let port: Int
    let logFile: URL
    private let process = Process()

    /// Starts `name` from the test binaries with the sandbox's broker and database (as the
    /// service's own database role, which needs a migrated sandbox).
    init(_ name: String, sandbox: TestSandbox, extra: [String: String] = [:]) throws {
        self.name = name
        port = try FreePort.next()
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "whistle-\(name)-\(sandbox.vhost)-\(UUID().uuidString.prefix(4)).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: sandbox.servers.binDirectory).appendingPathComponent(name)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WHISTLE_") }
        environment["WHISTLE_AMQP_URL"] = sandbox.amqpURL
        // Each service connects as its own role (least privilege): every flow test also proves
        // that the role's grants are enough.
        environment["WHISTLE_DATABASE_URL"] = sandbox.databaseURL(role: "whistle_\(name)")
        environment["WHISTLE_HTTP_HOST"] = "127.0.0.1"
        environment["WHISTLE_HTTP_PORT"] = String(port)
        environment["WHISTLE_LOG_LEVEL"] = "info"
        // Most tests run every service and publisher as the sandbox's one broker user (the
        // operator): the user_id rule would refuse their events. Tests of the rule set `strict`
        // and run each service as its own user (SenderRuleTests, LeastPrivilegeTests).
        environment["WHISTLE_SENDERS"] = "any"
        environment["WHISTLE_API_JWT_SECRET"] = TestTokens.secret
        environment["WHISTLE_NOTIFY_ALLOW_HTTP"] = "true"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Waits until `/healthz` answers 200.
    func waitHealthy(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                Issue.record("\(name) exited early (\(process.terminationStatus)):\n\(logTail())")
                throw ServiceProcessError.exited(name)
            }
            if let (status, _) = try? await HTTP.get("http://127.0.0.1:\(port)/healthz"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(name) not healthy in time:\n\(logTail())")
        throw ServiceProcessError.notHealthy(name)
    }

    /// Sends a signal (SIGKILL, SIGTERM…).
    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to end; returns its exit status and how long that took.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> (status: Int32, took: Duration) {
        let started = ContinuousClock.now
        while process.isRunning {
            if ContinuousClock.now - started > timeout {
                process.interrupt()
                kill(process.processIdentifier, SIGKILL)
                throw ServiceProcessError.didNotExit(name)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (process.terminationStatus, ContinuousClock.now - started)
    }

    /// Ends the process if it still runs (SIGKILL; tests that want SIGTERM send it themselves).
    func stop() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = try? await waitForExit(timeout: .seconds(10))
    }

    /// The log's whole text.
    func log() -> String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// The last lines of the log, for failure messages.
    func logTail(_ lines: Int = 30) -> String { log().split(separator: "\n").suffix(lines).joined(separator: "\n") }
}

enum ServiceProcessError: Error {
    case exited(String)
    case notHealthy(String)
    case didNotExit(String)
}

/// A free TCP port on loopback, as the kernel hands one out.
enum FreePort {
    static func next() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw ServiceProcessError.notHealthy("no free port") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A minimal HTTP GET for the services' endpoints. The read API needs a bearer token: by
/// default the city command center's (it sees every ticket of the sample district, masked as a
/// non-lead sees them); access tests pass their own, or nil for none.
enum HTTP {
    static func get(_ url: String, token: String? = TestTokens.cityCommandCenter) async throws -> (Int, Data) {
        let (status, _, data) = try await response(url, token: token)
        return (status, data)
    }

    /// GET with the response's headers.
    static func response(_ url: String, token: String?, headers: [String: String] = [:]) async throws -> (Int, [String: String], Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 10
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { fields[String(describing: name).lowercased()] = String(describing: value) }
        PersonalDataScan.check(url: url, token: token, body: data)
        return (http?.statusCode ?? 0, fields, data)
    }

    /// GET and decode a JSON body.
    static func json(_ url: String, token: String? = TestTokens.cityCommandCenter) async throws -> (Int, Any) {
        let (status, data) = try await get(url, token: token)
        return (status, try JSONSerialization.jsonObject(with: data))
    }
}

/// The scan of every response the tests read (CONTRACT §8): a principal that is never a ticket's
/// lead nor a petition bureau — the city command center, whose token most tests use, and anyone
/// without a valid token — must never get a mobile number or a resident ID number in clear, in
/// any field of any response. The patterns are the test's own, not the product's masking code.
enum PersonalDataScan {
    static let patterns = [
        #"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])"#,
        #"(?<![0-9A-Za-z])[0-9]{6} ?(?:19|20)[0-9]{2}[01][0-9][0-3][0-9] ?[0-9]{3}[0-9Xx](?![0-9A-Za-z])"#,
    ]

    /// The first mobile or resident ID number in `text`, if any.
    static func firstNumber(in text: String) throws -> String? {
        for pattern in patterns {
            let expression = try NSRegularExpression(pattern: pattern)
            if let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                let range = Range(match.range, in: text)
            {
                return String(text[range])
            }
        }
        return nil
    }

    static func check(url: String, token: String?, body: Data, sourceLocation: SourceLocation = #_sourceLocation) {
        guard token == nil || token == TestTokens.cityCommandCenter, url.contains("/v1/") || url.contains("/open311/") || url.hasSuffix("/")
        else { return }
        let text = String(decoding: body, as: UTF8.self)
        do {
            if let found = try firstNumber(in: text) {
                Issue.record("a response to \(token == nil ? "no token" : "the city command center") carries \(found) in clear: \(url)")
            }
        } catch {
            Issue.record(error, "the scan's patterns")
        }
    }
}
