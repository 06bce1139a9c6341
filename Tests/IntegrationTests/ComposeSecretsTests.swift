import Foundation
import Testing

/// docker-compose.yml refuses to start without every password and secret, naming the one that is
/// missing; publishes the read API on 127.0.0.1 unless told otherwise; and deploy/secrets.sh makes
/// a complete set without ever overwriting one. Runs the real `docker-compose config` (no engine
/// needed).
@Suite("docker-compose secrets", .serialized)
struct ComposeSecretsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every variable compose requires (`${VAR:?…}`).
    static let required = [
        "WHISTLE_DB_PASSWORD_OWNER", "WHISTLE_DB_PASSWORD_INTAKE", "WHISTLE_DB_PASSWORD_DISPATCHER", "WHISTLE_DB_PASSWORD_NOTIFIER",
        "WHISTLE_DB_PASSWORD_EVALUATOR", "WHISTLE_AMQP_PASSWORD_ADMIN", "WHISTLE_AMQP_PASSWORD_INTAKE", "WHISTLE_AMQP_PASSWORD_DISPATCHER",
        "WHISTLE_AMQP_PASSWORD_NOTIFIER", "WHISTLE_AMQP_PASSWORD_EVALUATOR", "WHISTLE_API_JWT_SECRET", "WHISTLE_NOTIFY_SECRET",
    ]

    /// A complete set: a distinct value for every required variable.
    static func complete() -> [String: String] {
        var variables: [String: String] = [:]
        for name in required { variables[name] = "v-" + UUID().uuidString.lowercased() }
        return variables
    }

    @Test func theRequiredListIsExactlyWhatComposeRequiresAndEachIsDocumented() throws {
        let compose = try String(contentsOf: Self.repository.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"\$\{([A-Z0-9_]+):\?"#)
        let found = Set(
            pattern.matches(in: compose, range: NSRange(compose.startIndex..., in: compose)).compactMap {
                Range($0.range(at: 1), in: compose).map { String(compose[$0]) }
            })
        #expect(found == Set(Self.required))
        #expect(compose.firstMatch(of: /(PASSWORD_[A-Z]+|SECRET):-[^}]/) == nil, "a fallback password or secret is back")
        #expect(compose.firstMatch(of: /(amqp|postgres):\/\/[^:\/]+:(?!\$\{)/) == nil, "a password written into a URL")
        let example = try String(contentsOf: Self.repository.appendingPathComponent("deploy/compose.env.example"), encoding: .utf8)
        let operations = try String(contentsOf: Self.repository.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let all = Set(Self.required + compose.matches(of: /\$\{([A-Z0-9_]+):-/).map { String($0.output.1) })
        for name in all {
            #expect(example.contains("\n\(name)="), "deploy/compose.env.example lacks \(name)")
            #expect(operations.contains("`\(name)`"), "docs/operations.md does not describe \(name)")
        }
    }

    @Test func aCompleteSetValidatesAndPublishesTheAPIOnLoopbackOnly() async throws {
        let result = try await Self.config(Self.complete(), quiet: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("- 127.0.0.1:8080:8080/tcp"), "\(result.stdout)")
        #expect(!result.stdout.contains("whistle-intake:whistle-intake@"), "the broker's development password")
        #expect(result.stdout.contains("WHISTLE_RAW_BODY_DAYS: '30'") && result.stdout.contains(#"WHISTLE_NOTIFY_ALLOW_HTTP: "false""#))

        var open = Self.complete()
        open["WHISTLE_PUBLISH_HOST"] = "0.0.0.0"
        open["WHISTLE_API_PORT"] = "9080"
        let published = try await Self.config(open, quiet: false)
        #expect(published.status == 0 && published.stdout.contains("- 0.0.0.0:9080:8080/tcp"), "\(published.stderr)")
    }

    @Test(arguments: required)
    func composeRefusesToStartWithoutTheVariableAndNamesIt(_ variable: String) async throws {
        for missing in ["unset", "empty"] {
            var variables = Self.complete()
            variables[variable] = missing == "unset" ? nil : ""
            let result = try await Self.config(variables, quiet: true)
            #expect(result.status != 0, "docker-compose config accepted a set without \(variable) (\(missing))")
            // "Missing mandatory value … in service "x": set VARIABLE, …"
            let message = result.stderr.components(separatedBy: "\": ").last ?? ""
            #expect(message.hasPrefix("set \(variable),") || message.hasPrefix("set \(variable) "), "\(result.stderr)")
        }
    }

    @Test func secretsScriptWritesACompleteSetOnceAndNeverOverwritesIt() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("whistle.env")
        let script = Self.repository.appendingPathComponent("deploy/secrets.sh").path
        let first = try await Self.run(script, [file.path])
        #expect(first.status == 0, "\(first.stderr)")
        let written = try String(contentsOf: file, encoding: .utf8)
        let permissions = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        var values: [String: String] = [:]
        for line in written.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        for name in Self.required {
            #expect(values[name]?.wholeMatch(of: /[0-9a-f]{64}/) != nil, "\(name) = \(values[name] ?? "nothing")")
        }
        #expect(Set(values.values.filter { !$0.isEmpty }).count == values.values.filter { !$0.isEmpty }.count, "every value differs")

        let again = try await Self.run(script, [file.path])
        #expect(again.status != 0 && again.stderr.contains("not overwritten"), "\(again.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == written)

        // Complete as written.
        let check = try await Self.config(values, quiet: true)
        #expect(check.status == 0, "\(check.stderr)")
    }

    /// `secrets.sh --accounts`: a password for every adapter and department of a seed, added once
    /// (a new department adds one line, the others stay), the file named in the env file, and the
    /// seed service given them as variables.
    @Test func accountsAreAddedForNewDepartmentsOnlyAndReachTheSeedService() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accounts-" + UUID().uuidString)
        let seed = folder.appendingPathComponent("seed")
        try FileManager.default.createDirectory(at: seed, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let departments = try String(contentsOf: Self.repository.appendingPathComponent("deploy/seed/departments.yaml"), encoding: .utf8)
        try departments.write(to: seed.appendingPathComponent("departments.yaml"), atomically: true, encoding: .utf8)
        let env = folder.appendingPathComponent("whistle.env"), accounts = folder.appendingPathComponent("broker-accounts.env")
        let script = Self.repository.appendingPathComponent("deploy/secrets.sh").path
        #expect(try await Self.run(script, [env.path]).status == 0)
        let first = try await Self.run(script, ["--env-file", env.path, "--accounts", seed.path])
        #expect(first.status == 0, "\(first.stderr)")
        let written = try String(contentsOf: accounts, encoding: .utf8)
        let lines = written.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let codes = departments.matches(of: /\bcode:\s*([A-Za-z0-9_-]+)/).count
        #expect(lines.count == codes + 4, "one per department and adapter")
        #expect(lines.allSatisfy { $0.wholeMatch(of: /WHISTLE_AMQP_PASSWORD_(ADAPTER|DEPT)_[A-Z0-9_]+=[0-9a-f]{64}/) != nil })
        #expect(try FileManager.default.attributesOfItem(atPath: accounts.path)[.posixPermissions] as? Int == 0o600)
        #expect(try String(contentsOf: env, encoding: .utf8).contains("\nWHISTLE_BROKER_ACCOUNTS=\(accounts.path)\n"))

        try (departments + "  - {code: XS-NEW, name: 新部门, level: district, kind: bureau, parent: XS-ZHZX, area: D-XS}\n")
            .write(to: seed.appendingPathComponent("departments.yaml"), atomically: true, encoding: .utf8)
        #expect(try await Self.run(script, ["--env-file", env.path, "--accounts", seed.path]).status == 0)
        let again = try String(contentsOf: accounts, encoding: .utf8)
        #expect(again.hasPrefix(written), "an existing password changed")
        #expect(again.dropFirst(written.count).wholeMatch(of: /WHISTLE_AMQP_PASSWORD_DEPT_XS_NEW=[0-9a-f]{64}\n/) != nil)

        var variables: [String: String] = [:]
        for line in try String(contentsOf: env, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { variables[parts[0]] = parts[1] }
        }
        let password = try #require(again.firstMatch(of: /WHISTLE_AMQP_PASSWORD_DEPT_XS_NEW=([0-9a-f]{64})/)?.output.1)
        let compose = Self.repository.appendingPathComponent("docker-compose.yml").path
        let envFile = folder.appendingPathComponent("compose.env")
        try Data(variables.map { "\($0.key)=\($0.value)\n" }.joined().utf8).write(to: envFile)
        let config = try await Self.run(
            "/usr/bin/env", ["docker-compose", "--env-file", envFile.path, "-f", compose, "--profile", "seed", "config"])
        #expect(config.status == 0, "\(config.stderr)")
        #expect(config.stdout.contains("WHISTLE_AMQP_PASSWORD_DEPT_XS_NEW: \(password)"))
    }

    // MARK: - Running docker-compose

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `docker-compose --env-file F -f docker-compose.yml config [-q]` with only `variables` (and
    /// PATH) in its environment and its env file: a developer's own .env or shell plays no part.
    static func config(_ variables: [String: String], quiet: Bool) async throws -> Output {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("compose-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let envFile = folder.appendingPathComponent("env")
        try Data(variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined().utf8).write(to: envFile)
        let compose = repository.appendingPathComponent("docker-compose.yml").path
        return try await run(
            "/usr/bin/env", ["docker-compose", "--env-file", envFile.path, "-f", compose, "config"] + (quiet ? ["-q"] : []))
    }

    /// Runs `executable` in the repository with PATH alone in its environment; output through files.
    static func run(_ executable: String, _ arguments: [String]) async throws -> Output {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("run-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = repository
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let stderr = try String(contentsOf: err, encoding: .utf8)
        try #require(status != 127, "\(executable) \(arguments.first ?? "") is not installed: \(stderr)")
        return Output(status: status, stdout: try String(contentsOf: out, encoding: .utf8), stderr: stderr)
    }
}
