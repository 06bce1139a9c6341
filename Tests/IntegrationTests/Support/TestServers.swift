import Foundation
import Testing
import WhistleAMQP
import WhistlePostgres

/// The servers the test command started, from `WHISTLE_TEST_*` variables. A missing variable
/// fails the test (integration tests never skip).
struct TestServers {
    let amqpURL: String
    let databaseURL: String
    let binDirectory: String
    let script: String
    let profile: String

    static func fromEnvironment(sourceLocation: SourceLocation = #_sourceLocation) throws -> TestServers {
        let env = ProcessInfo.processInfo.environment
        func need(_ name: String) throws -> String {
            try #require(env[name], "\(name) is not set: run the tests with ./deploy/test.sh", sourceLocation: sourceLocation)
        }
        return TestServers(
            amqpURL: try need("WHISTLE_TEST_AMQP_URL"), databaseURL: try need("WHISTLE_TEST_DATABASE_URL"),
            binDirectory: try need("WHISTLE_TEST_BIN_DIR"), script: try need("WHISTLE_TEST_SERVERS"),
            profile: try need("WHISTLE_TEST_PROFILE"))
    }

    /// Runs the servers script (`rabbitmq-restart`, `rabbitmqctl add_vhost …`); returns its status.
    @discardableResult
    func control(_ arguments: String...) async throws -> Int32 {
        try await Self.run(script, [arguments[0], profile] + arguments.dropFirst())
    }

    /// Runs a program without blocking a cooperative thread; returns its exit status. On Linux,
    /// Foundation sees a child exit through a descriptor the child inherits; a server the script
    /// starts would hold it open forever, so bash first closes every descriptor above stderr.
    static func run(_ path: String, _ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let closeAndExec = #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done; exec "$@""#
        process.arguments = ["-c", closeAndExec, "whistle-test-run", path] + arguments
        process.standardInput = nil
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
    }

    /// A URL for `vhost` with the same credentials and broker (every node of a URL list).
    func amqpURL(vhost: String) -> String {
        AMQPConfiguration.splitList(amqpURL).map { url in
            guard let slash = url.range(of: "/", options: .backwards, range: url.range(of: "://")!.upperBound..<url.endIndex) else {
                return url + "/" + vhost
            }
            return String(url[..<slash.upperBound]) + vhost
        }.joined(separator: ",")
    }

    /// A URL for database `name` with the same credentials and server.
    func databaseURL(database name: String) -> String {
        var base = databaseURL
        if let query = base.firstIndex(of: "?") { base = String(base[..<query]) }
        guard let slash = base.range(of: "/", options: .backwards), slash.lowerBound > base.range(of: "://")!.upperBound else {
            return base + "/" + name
        }
        return String(base[..<slash.upperBound]) + name
    }
}

/// A private vhost and database for one test, removed afterwards.
final class TestSandbox: @unchecked Sendable {
    let servers: TestServers
    let vhost: String
    let database: String
    let amqpURL: String
    let databaseURL: String

    init(_ label: String) async throws {
        servers = try TestServers.fromEnvironment()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        vhost = "t-\(label)-\(suffix)"
        database = "whistle_t_\(label.replacingOccurrences(of: "-", with: "_"))_\(suffix)"
        amqpURL = servers.amqpURL(vhost: vhost)
        databaseURL = servers.databaseURL(database: database)
        let user = try AMQPConfiguration(url: servers.amqpURL).user
        let created = try await servers.control("rabbitmqctl", "add_vhost", vhost)
        #expect(created == 0, "cannot create vhost \(vhost)")
        let permitted = try await servers.control("rabbitmqctl", "set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        #expect(permitted == 0)
        let name = database
        try await Self.admin(servers) { connection in _ = try connection.query("CREATE DATABASE \(name)") }
    }

    /// Drops the vhost and the database.
    func tearDown() async {
        _ = try? await servers.control("rabbitmqctl", "delete_vhost", vhost)
        let name = database
        try? await Self.admin(servers) { connection in _ = try connection.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    /// The sandbox database as `role` (a service role of deploy/postgres/roles.sh, whose local
    /// password is its name).
    func databaseURL(role: String) -> String {
        guard let scheme = databaseURL.range(of: "://"), let at = databaseURL[scheme.upperBound...].firstIndex(of: "@") else {
            return databaseURL
        }
        return String(databaseURL[..<scheme.upperBound]) + "\(role):\(role)" + String(databaseURL[at...])
    }

    /// A pool on the sandbox database.
    func pool(size: Int = 2) throws -> PostgresPool {
        PostgresPool(configuration: try PostgresConfiguration(url: databaseURL, poolSize: size), logger: .init(label: "test"))
    }

    /// Runs `body` on the sandbox database.
    func withDatabase<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let pool = try pool(size: 1)
        do {
            let result = try await pool.withConnection(body)
            await pool.close()
            return result
        } catch {
            await pool.close()
            throw error
        }
    }

    private static func admin(_ servers: TestServers, _ body: @escaping @Sendable (PostgresConnection) throws -> Void) async throws {
        let pool = PostgresPool(
            configuration: try PostgresConfiguration(url: servers.databaseURL, poolSize: 1), logger: .init(label: "test"))
        try await pool.withConnection(body)
        await pool.close()
    }
}
