import Foundation
import Logging
import Testing
import WhistleAMQP
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Runs the binary and prepares what the tests need around it.
struct Ctl {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    var databaseURL: String
    /// More environment for the command (e.g. `WHISTLE_API_JWT_SECRET`).
    var extra: [String: String] = [:]
    /// The program of the test binaries to run (`whistle-bench` for its database commands).
    var binary = "whistlectl"

    static func environment(_ name: String) throws -> String {
        try #require(
            ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }, "\(name) is not set (deploy/test.sh sets it)")
    }

    static func amqp() throws -> AMQPConfiguration { try AMQPConfiguration(url: try environment("WHISTLE_TEST_AMQP_URL")) }

    /// Runs `whistlectl` with `arguments`; stdout and stderr go through files (no pipe to fill).
    func run(_ arguments: [String]) async throws -> Result {
        let binary = URL(fileURLWithPath: try Self.environment("WHISTLE_TEST_BIN_DIR")).appendingPathComponent(binary)
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "\(binary.path) is not built: run swift build first")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("whistlectl-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout"), err = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["WHISTLE_DATABASE_URL"] = databaseURL
        environment["WHISTLE_AMQP_URL"] = try Self.environment("WHISTLE_TEST_AMQP_URL")
        environment["WHISTLE_TIMEZONE"] = "Asia/Shanghai"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        // No command may hang the suite: stop it after 90 seconds.
        let box = ProcessBox(process)
        let watchdog = Task {
            try await Task.sleep(for: .seconds(90))
            if box.process.isRunning { box.process.terminate() }
        }
        defer { watchdog.cancel() }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        #expect(process.terminationReason == .exit, "whistlectl \(arguments) was killed (signal \(status))")
        return Result(
            status: status, stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// A fresh database `whistlectl_t_<random>` for `body`, dropped afterwards.
    static func withDatabase(_ body: (Ctl, PostgresPool) async throws -> Void) async throws {
        let adminURL = try environment("WHISTLE_TEST_DATABASE_URL")
        let admin = PostgresPool(configuration: try PostgresConfiguration(url: adminURL, poolSize: 1), logger: WhistlectlTests.logger)
        // An identifier cannot be a parameter; this one is made here, never taken from input.
        let name = "whistlectl_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await admin.withConnection { try $0.execute("CREATE DATABASE \(name)") }
        var components = try #require(URLComponents(string: adminURL))
        components.path = "/" + name
        let url = try #require(components.string)
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: url, poolSize: 2), logger: WhistlectlTests.logger)
        do {
            try await body(Ctl(databaseURL: url), pool)
        } catch {
            await pool.close()
            _ = try? await admin.withConnection { try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            await admin.close()
            throw error
        }
        await pool.close()
        _ = try? await admin.withConnection { try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        await admin.close()
    }

    /// Row counts and the latest `updated_at` of every reference table.
    static func snapshot(_ pool: PostgresPool) async throws -> [String: Int] {
        try await pool.withConnection { connection in
            let rows = try connection.query(
                """
                SELECT 'areas.' || level, count(*) FROM areas GROUP BY level
                UNION ALL SELECT 'departments', count(*) FROM departments
                UNION ALL SELECT 'categories', count(*) FROM categories
                UNION ALL SELECT 'categories.leaf', count(*) FROM categories WHERE parent_code IS NOT NULL
                UNION ALL SELECT 'routing_rules', count(*) FROM routing_rules
                UNION ALL SELECT 'routing_rules.default', count(*) FROM routing_rules WHERE area_code IS NULL
                UNION ALL SELECT 'deadline_policies', count(*) FROM deadline_policies
                UNION ALL SELECT 'calendar_days', count(*) FROM calendar_days
                UNION ALL SELECT 'settings.timezone', count(*) FROM settings WHERE key = 'calendar.timezone' AND value = 'Asia/Shanghai'
                UNION ALL SELECT 'updated_at', coalesce((extract(epoch FROM max(u)) * 1000000)::bigint, 0) FROM (
                    SELECT max(updated_at) AS u FROM areas UNION ALL SELECT max(updated_at) FROM departments
                    UNION ALL SELECT max(updated_at) FROM categories UNION ALL SELECT max(updated_at) FROM routing_rules
                    UNION ALL SELECT max(updated_at) FROM deadline_policies UNION ALL SELECT max(updated_at) FROM settings) AS m
                UNION ALL SELECT 'names', count(*) FROM categories WHERE code = 'SRHJ' AND name = '市容环境'
                """)
            var counts: [String: Int] = [:]
            for row in rows { counts[try row.decode(0)] = try row.decode(1) }
            return counts
        }
    }

    /// A copy of deploy/seed with an unknown parent, a bad duration, a duplicate code and a
    /// changed name (to catch a partial write); `places` are the `file:line:` each must produce.
    static func brokenSeedCopy() throws -> (folder: String, places: [String]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistlectl-seed-" + UUID().uuidString).path
        try FileManager.default.copyItem(atPath: WhistlectlTests.seedFolder, toPath: folder)
        var places: [String] = []
        func edit(_ file: String, _ find: String, _ replace: String, append: Bool = false) throws {
            let path = folder + "/" + file
            var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
            let index = try #require(lines.firstIndex { $0.contains(find) }, "\(find) not in \(file)")
            let changed = lines[index].replacingOccurrences(of: find, with: replace)
            if append {
                let last = try #require(lines.lastIndex { !$0.isEmpty })
                lines.insert(changed, at: last + 1)
                places.append("\(path):\(last + 2):")
            } else {
                lines[index] = changed
                places.append("\(path):\(index + 1):")
            }
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        try edit("areas.yaml", "level: community, parent: S-QS}", "level: community, parent: S-NOWHERE}")
        try edit("deadlines.yaml", "acknowledge: 1h,", "acknowledge: 1hr,")
        try edit("departments.yaml", "{code: XS-SWJ,", "{code: XS-SWJ,", append: true)
        try edit("categories.yaml", "{code: SRHJ, name: 市容环境,", "{code: SRHJ, name: 市容环境X,")
        places.removeLast()  // the name change is valid: it only must not be written
        return (folder, places)
    }

    /// A private queue bound to `whistle.intake` with `keys`, consumed for `body`, then deleted.
    static func withPrivateQueue(keys: [String], _ body: (AMQPConsumer) async throws -> Void) async throws {
        let name = "whistlectl-test-" + UUID().uuidString.lowercased()
        let queue = WhistleTopology.queue(name, deliveryLimit: 5, bindings: keys.map { .init(Exchange.intake, $0) })
        let consumer = AMQPConsumer(
            configuration: try amqp(), name: name, queues: [name], prefetch: 50,
            topology: Topology(exchanges: WhistleTopology.exchanges, queues: [queue]), logger: WhistlectlTests.logger)
        try await retrying { try await consumer.start() }
        let admin = AMQPConnection(configuration: try amqp(), name: name + "-admin", logger: WhistlectlTests.logger)
        func cleanUp() async {
            await consumer.close()
            _ = try? await admin.deleteQueue(name)
            await admin.close()
        }
        do {
            try await body(consumer)
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    /// The delivery with `messageId`, within 15 seconds.
    static func receive(_ messageId: String, from consumer: AMQPConsumer) async throws -> Delivery {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            for delivery in try await consumer.nextBatch(max: 50, waitMilliseconds: 500) {
                try await consumer.ack(delivery)
                if delivery.messageId == messageId { return delivery }
            }
        }
        throw CtlTestFailure("no message \(messageId) arrived within 15 s")
    }

    /// Retries a broker call a few times: a shared dev broker may be restarting.
    static func retrying<T>(_ call: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await call()
            } catch let error as AMQPError where error.code == .connection && attempt < 10 {
                attempt += 1
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Terminal columns of `text` (CJK and fullwidth characters take two), to check alignment.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            let wide = (0x2E80...0x9FFF).contains(scalar.value) || (0xFF00...0xFF60).contains(scalar.value)
            return width + (wide ? 2 : 1)
        }
    }
}

/// A `Process` handed to the watchdog task.
final class ProcessBox: @unchecked Sendable {
    let process: Process
    init(_ process: Process) { self.process = process }
}

struct CtlTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
