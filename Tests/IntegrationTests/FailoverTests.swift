import Foundation
import Logging
import Testing
import WhistleAMQP
import WhistlePostgres

/// Lists of broker nodes and database hosts against the real test servers: a dead first node or
/// host is passed over, a connection the server closes moves on to the next node, and a pool
/// replaces terminated and read-only connections.
@Suite("Failover over node and host lists", .serialized)
struct FailoverTests {
    /// The sandbox's broker URL with its node replaced by `node` (same user, password and vhost).
    static func amqpURL(_ sandbox: TestSandbox, node: String) throws -> String {
        let real = try AMQPConfiguration(url: sandbox.amqpURL)
        let url = sandbox.amqpURL.replacingOccurrences(of: "@\(real.host):\(real.port)/", with: "@\(node)/")
        try #require(url != sandbox.amqpURL, "cannot find the node in \(real.redacted)")
        return url
    }

    @Test("an AMQP URL list whose first node is a closed port connects through the second, publishes and consumes")
    func amqpSkipsADeadNode() async throws {
        let sandbox = try await TestSandbox("failover-amqp")
        let log = LogRecorder()
        let list = try Self.amqpURL(sandbox, node: "127.0.0.1:\(try FreePort.next())") + "," + sandbox.amqpURL
        let configuration = try AMQPConfiguration(url: list)
        #expect(configuration.nodes.count == 2)
        let topology = AMQPTests.queue("q.failover")
        let publisher = AMQPPublisher(configuration: configuration, name: "p", topology: topology, logger: log.logger)
        let outcomes = try await publisher.publish((0..<50).map { AMQPTests.message("q.failover", $0) })
        #expect(outcomes.count == 50 && outcomes.allSatisfy { $0 == .confirmed })
        let consumer = AMQPConsumer(
            configuration: configuration, name: "c", queues: ["q.failover"], prefetch: 50, topology: topology, logger: log.logger)
        var seen = Set<String>()
        let deadline = ContinuousClock.now + .seconds(20)
        while seen.count < 50, ContinuousClock.now < deadline {
            let batch = try await consumer.nextBatch(max: 50)
            if let last = batch.last { try await consumer.ack(through: last) }
            seen.formUnion(batch.compactMap(\.messageId))
        }
        #expect(seen.count == 50)
        let real = try AMQPConfiguration(url: sandbox.amqpURL).nodes[0]
        #expect(log.nodes("AMQP connected") == [real.description, real.description], "both connections use the live node")
        #expect(log.nodes("AMQP node failed; trying the next").count == 2, "each passes over the dead node once: \(log.all)")
        await consumer.close()
        await publisher.close()
        await sandbox.tearDown()
    }

    @Test("when the broker closes a live connection, the consumer reconnects through the next node and loses nothing")
    func amqpMovesOnAfterALostConnection() async throws {
        let sandbox = try await TestSandbox("failover-next")
        let log = LogRecorder()  // the consumer's log only
        // Two names of the one test broker stand for two nodes of a cluster.
        let real = try AMQPConfiguration(url: sandbox.amqpURL)
        let list = sandbox.amqpURL + "," + (try Self.amqpURL(sandbox, node: "localhost:\(real.port)"))
        let configuration = try AMQPConfiguration(url: list)
        let topology = AMQPTests.queue("q.next")
        let publisher = AMQPPublisher(configuration: configuration, name: "p", topology: topology, logger: .init(label: "test"))
        _ = try await publisher.publish((0..<100).map { AMQPTests.message("q.next", $0) })
        let consumer = AMQPConsumer(
            configuration: configuration, name: "c", queues: ["q.next"], prefetch: 20, topology: topology,
            reconnectPolicy: ReconnectPolicy(initialDelayMilliseconds: 50, maxDelayMilliseconds: 500), logger: log.logger)
        var acked = Set<String>()
        let first = try await consumer.nextBatch(max: 20)
        try await consumer.ack(through: try #require(first.last))
        acked.formUnion(first.compactMap(\.messageId))
        #expect(log.nodes("AMQP connected").last == real.nodes[0].description)

        let closed = try await sandbox.servers.control("rabbitmqctl", "close_all_connections", "--vhost", sandbox.vhost, "failover test")
        #expect(closed == 0)
        _ = try await publisher.publish((100..<150).map { AMQPTests.message("q.next", $0) })
        let deadline = ContinuousClock.now + .seconds(30)
        while acked.count < 150, ContinuousClock.now < deadline {
            let batch = try await consumer.nextBatch(max: 50)
            guard let last = batch.last else { continue }
            do {
                try await consumer.ack(through: last)
                acked.formUnion(batch.compactMap(\.messageId))
            } catch let error as AMQPError where error.requiresReconnect {
                continue  // the batch came from the closed connection; the broker delivers it again
            }
        }
        #expect(acked.count == 150, "every message consumed after the connection was closed")
        #expect(log.nodes("AMQP connection lost").contains(real.nodes[0].description))
        #expect(log.nodes("AMQP connected").contains("localhost:\(real.port)"), "the reconnect went to the next node")
        await consumer.close()
        await publisher.close()
        await sandbox.tearDown()
    }

    /// The sandbox's database URL with `host:port` inserted before its own host.
    static func databaseURL(_ sandbox: TestSandbox, before server: String, query: String = "") throws -> String {
        let url = sandbox.databaseURL
        let at = url.index(after: try #require(url.lastIndex(of: "@")))
        return String(url[..<at]) + server + "," + String(url[at...]) + query
    }

    @Test("a multi-host database URL whose first host is a closed port connects to the second (read-write)")
    func postgresSkipsADeadHost() async throws {
        let sandbox = try await TestSandbox("failover-pg")
        let real = try PostgresConfiguration(url: sandbox.databaseURL)
        let url = try Self.databaseURL(sandbox, before: "127.0.0.1:\(try FreePort.next())", query: "?target_session_attrs=read-write")
        let configuration = try PostgresConfiguration(url: url, poolSize: 2)
        #expect(configuration.servers.count == 2 && configuration.servers[1] == real.servers[0])
        let pool = PostgresPool(configuration: configuration, logger: .init(label: "test"))
        let port = try await pool.withConnection { try $0.query("SELECT inet_server_port()")[0].decode(0, as: Int.self) }
        #expect(port == real.port)
        try await pool.withConnection { try $0.execute("CREATE TABLE failover_probe (n int); INSERT INTO failover_probe VALUES (1)") }
        await pool.close()
        await sandbox.tearDown()
    }

    @Test("a pool replaces connections terminated while idle, without an error to its callers")
    func poolReplacesTerminatedConnections() async throws {
        let sandbox = try await TestSandbox("failover-kill")
        let url = try Self.databaseURL(sandbox, before: "127.0.0.1:\(try FreePort.next())", query: "?target_session_attrs=read-write")
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: url, poolSize: 3), logger: .init(label: "test"))
        let before = Set(
            try await PostgresTests.concurrently(3) { _ in
                try await pool.withConnection { try $0.query("SELECT pg_backend_pid(), pg_sleep(0.1)")[0].decode(0, as: Int.self) }
            })
        #expect(before.count == 3)
        let database = sandbox.database
        let admin = PostgresPool(
            configuration: try PostgresConfiguration(url: sandbox.servers.databaseURL, poolSize: 1), logger: .init(label: "test"))
        let terminated = try await admin.withConnection {
            try $0.query(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE datname = $1 AND pid <> pg_backend_pid()",
                [database])[0].decode(0, as: Int.self)
        }
        #expect(terminated == 3)
        let gone = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < gone {
            let left = try await admin.withConnection {
                try $0.query("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", [database])[0].decode(0, as: Int.self)
            }
            if left == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await admin.close()
        let after = try await PostgresTests.concurrently(6) { n in
            try await pool.withConnection {
                try $0.query("SELECT pg_backend_pid(), $1::int, pg_sleep(0.05)", [n])[0].decode(0, as: Int.self)
            }
        }
        #expect(Set(after).isDisjoint(with: before), "every terminated connection was replaced")
        await pool.close()
        await sandbox.tearDown()
    }

    @Test("a connection that turns out read-only is not kept, and read-write attrs refuse a read-only server")
    func readOnlyConnectionsAreDropped() async throws {
        let sandbox = try await TestSandbox("failover-ro")
        let pool = try sandbox.pool(size: 1)
        let pid = try await pool.withConnection { connection in
            try connection.execute("SET default_transaction_read_only = on")  // as on a standby
            return try connection.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
        }
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { try $0.execute("CREATE TABLE failover_ro (n int)") }
        }
        #expect(error?.isReadOnlyServer == true && error?.isConnectionLoss == true, "\(String(describing: error))")
        let (newPid, readOnly) = try await pool.withConnection { connection in
            let row = try connection.query("SELECT pg_backend_pid(), current_setting('transaction_read_only')")[0]
            return (try row.decode(0, as: Int.self), try row.decode(1, as: String.self))
        }
        #expect(newPid != pid && readOnly == "off", "the read-only connection was replaced by a writable one")
        await pool.close()

        let name = sandbox.database
        try await sandbox.withDatabase { try $0.execute("ALTER DATABASE \(name) SET default_transaction_read_only = on") }
        let strict = PostgresPool(
            configuration: try PostgresConfiguration(url: sandbox.databaseURL + "?target_session_attrs=read-write", poolSize: 1),
            logger: .init(label: "test"))
        let refused = await #expect(throws: PostgresError.self) { try await strict.withConnection { _ in } }
        #expect(refused?.code == .connection && refused?.message.contains("read-only") == true, "\(String(describing: refused))")
        await strict.close()
        let any = PostgresPool(
            configuration: try PostgresConfiguration(url: sandbox.databaseURL + "?target_session_attrs=any", poolSize: 1),
            logger: .init(label: "test"))
        #expect(try await any.withConnection { try $0.query("SHOW transaction_read_only")[0].decode(0, as: String.self) } == "on")
        await any.close()
        await sandbox.tearDown()
    }
}

/// Keeps what a logger logs, for checks on which node a connection used.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(message: String, node: String?)] = []

    var logger: Logger {
        Logger(label: "test-failover") { _ in Handler(recorder: self) }
    }

    /// The `amqp.node` of every entry logged with `message`, in order.
    func nodes(_ message: String) -> [String] {
        lock.withLock { entries.filter { $0.message == message }.compactMap(\.node) }
    }

    /// Every entry, for failure messages.
    var all: [String] { lock.withLock { entries.map { "\($0.message) [\($0.node ?? "-")]" } } }

    fileprivate func record(_ message: String, node: String?) {
        lock.withLock { entries.append((message, node)) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record("\(event.message)", node: event.metadata?["amqp.node"].map { "\($0)" })
        }
    }
}
