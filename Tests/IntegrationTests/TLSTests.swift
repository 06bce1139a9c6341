import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistlePostgres

/// TLS to the broker (`amqps://`, rabbitmq-c's OpenSSL socket) and to PostgreSQL (`sslmode`),
/// against the test profile's TLS listener and `ssl=on`, with the throw-away CA that
/// `deploy/servers.sh start test` generated (WHISTLE_TEST_CA_FILE, WHISTLE_TEST_AMQPS_URL).
@Suite("TLS to the broker and to PostgreSQL")
struct TLSTests {
    struct Setting {
        let amqpsURL: String
        let caFile: String
        /// The client certificate the same CA signed (next to the CA).
        var clientCert: String { (caFile as NSString).deletingLastPathComponent + "/client.pem" }
        var clientKey: String { (caFile as NSString).deletingLastPathComponent + "/client.key" }

        static func fromEnvironment() throws -> Setting {
            let env = ProcessInfo.processInfo.environment
            return Setting(
                amqpsURL: try #require(
                    env["WHISTLE_TEST_AMQPS_URL"], "WHISTLE_TEST_AMQPS_URL is not set: run the tests with ./deploy/test.sh"),
                caFile: try #require(env["WHISTLE_TEST_CA_FILE"], "WHISTLE_TEST_CA_FILE is not set: run the tests with ./deploy/test.sh"))
        }

        /// The TLS broker URL's settings on the sandbox's vhost.
        func amqps(_ sandbox: TestSandbox) throws -> AMQPConfiguration {
            var configuration = try AMQPConfiguration(url: amqpsURL)
            configuration.vhost = sandbox.vhost
            return configuration
        }
    }

    /// A second CA, made now, that signed nothing the servers hold.
    static func otherCA() async throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-other-ca-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let ca = folder.appendingPathComponent("ca.pem").path
        let made = try await TestServers.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Not the Whistle CA",
                "-keyout", folder.appendingPathComponent("ca.key").path, "-out", ca,
            ])
        try #require(made == 0, "openssl could not make a CA")
        return ca
    }

    /// Deletes the folder of a CA that `otherCA` made (a leftover in the temporary folder is harmless).
    static func removeCA(_ path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    /// The rows (one column, unaligned) of `sql` run by `servers.sh psql` as the superuser; the
    /// values of `variables` are quoted by psql (`:'name'`).
    static func superuser(_ servers: TestServers, variables: [String: String], _ sql: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: servers.script)
        process.arguments = ["psql", servers.profile, "-At"] + variables.flatMap { ["-v", "\($0.key)=\($0.value)"] }
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data((sql + ";\n").utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "psql failed on: \(sql)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("over amqps with verify_peer: 300 messages published with confirms and consumed intact; a client certificate too")
    func amqpsRoundTrip() async throws {
        let setting = try Setting.fromEnvironment()
        let sandbox = try await TestSandbox("tls-amqps")
        let configuration = try setting.amqps(sandbox)
        #expect(configuration.tls?.verifyPeer == true && configuration.tls?.caFile == setting.caFile)
        let topology = AMQPTests.queue("q.tls")
        let publisher = AMQPPublisher(configuration: configuration, name: "p", topology: topology, logger: .init(label: "test"))
        let outcomes = try await publisher.publish((0..<300).map { AMQPTests.message("q.tls", $0) })
        #expect(outcomes.count == 300 && outcomes.allSatisfy { $0 == .confirmed })
        let consumer = AMQPConsumer(
            configuration: configuration, name: "c", queues: ["q.tls"], prefetch: 100, topology: topology, logger: .init(label: "test"))
        var seen: [String: [UInt8]] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        while seen.count < 300 && ContinuousClock.now < deadline {
            let batch = try await consumer.nextBatch(max: 100)
            for delivery in batch { seen[delivery.messageId ?? ""] = delivery.body }
            if let last = batch.last { try await consumer.ack(through: last) }
        }
        #expect(seen.count == 300)
        #expect(seen["id-7"] == AMQPTests.message("q.tls", 7).body)
        // The broker verifies a client certificate when one is sent: one its CA signed is let in.
        var withCertificate = configuration
        withCertificate.tls?.certFile = setting.clientCert
        withCertificate.tls?.keyFile = setting.clientKey
        let client = AMQPConnection(configuration: withCertificate, name: "client-cert", logger: .init(label: "test"))
        #expect(try await client.queueStatus("q.tls").messages == 0)
        await client.close()
        await consumer.close()
        await publisher.close()
        await sandbox.tearDown()
    }

    @Test(
        "a CA that did not sign the broker's certificate, or a host it does not name, is refused clearly; verify_none connects; plain AMQP on the TLS port fails"
    )
    func amqpsWrongCA() async throws {
        let setting = try Setting.fromEnvironment()
        let sandbox = try await TestSandbox("tls-wrong-ca")
        let otherCA = try await Self.otherCA()
        var wrong = try setting.amqps(sandbox)
        wrong.tls?.caFile = otherCA
        let refused = AMQPConnection(configuration: wrong, name: "wrong-ca", logger: .init(label: "test"))
        do {
            _ = try await refused.queueStatus("q.none")
            Issue.record("a broker certificate from another CA was accepted")
        } catch let error as AMQPError {
            #expect(error.code == .connection)
            #expect(error.message.contains("not signed by a CA in \(otherCA)"), "\(error.message)")
        }
        #expect(!refused.isConnected)
        await refused.close()

        // rabbitmq-c matches the host against the certificate's DNS names: 127.0.0.1 is not one.
        var byAddress = try setting.amqps(sandbox)
        byAddress.host = "127.0.0.1"
        let mismatch = AMQPConnection(configuration: byAddress, name: "by-address", logger: .init(label: "test"))
        do {
            _ = try await mismatch.queueStatus("q.none")
            Issue.record("a certificate without the host's name was accepted")
        } catch let error as AMQPError {
            #expect(error.message.contains("does not name host 127.0.0.1"), "\(error.message)")
        }
        await mismatch.close()

        var unverified = wrong
        unverified.tls?.verifyPeer = false
        let lenient = AMQPConnection(configuration: unverified, name: "verify-none", logger: .init(label: "test"))
        try await lenient.declare(AMQPTests.queue("q.lenient"))
        #expect(try await lenient.queueStatus("q.lenient").messages == 0)
        await lenient.close()

        var plain = try setting.amqps(sandbox)
        plain.tls = nil
        plain.connectTimeoutMilliseconds = 2000
        let cleartext = AMQPConnection(configuration: plain, name: "plain-on-tls", logger: .init(label: "test"))
        await #expect(throws: AMQPError.self) { try await cleartext.queueStatus("q.lenient") }
        await cleartext.close()
        Self.removeCA(otherCA)
        await sandbox.tearDown()
    }

    @Test("intake as a process over amqps (verify_peer) and PostgreSQL verify-full: a demand is accepted")
    func intakeOverTLS() async throws {
        let setting = try Setting.fromEnvironment()
        let sandbox = try await TestSandbox("tls-intake")
        try await Fixtures.prepare(sandbox)
        let vhostURL = setting.amqpsURL.replacingOccurrences(of: "/%2F?", with: "/\(sandbox.vhost)?")
        #expect(try AMQPConfiguration(url: vhostURL).vhost == sandbox.vhost)
        let intake = try ServiceProcess(
            "intake", sandbox: sandbox,
            extra: [
                "WHISTLE_AMQP_URL": vhostURL,
                "WHISTLE_DATABASE_URL": sandbox.databaseURL(role: "whistle_intake") + "?sslmode=verify-full&sslrootcert=\(setting.caFile)",
            ])
        let events = try await EventCollector(sandbox: sandbox)
        let adapter = try TestAdapter(sandbox: sandbox)
        do {
            try await intake.waitHealthy()
            try await adapter.publish(.grid, Fixtures.demand(.grid, externalId: "TLS-1"), messageId: "m-tls-1")
            let all = try await events.waitFor("the outcome of m-tls-1") { $0.contains { $0.sourceMessageId == "m-tls-1" } }
            #expect(all.first { $0.sourceMessageId == "m-tls-1" }?["type"] as? String == "ticket.accepted")
            // Only a superuser sees another role's TLS state.
            let sessions = try Self.superuser(
                sandbox.servers, variables: ["db": sandbox.database],
                "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = :'db' AND a.usename = 'whistle_intake'"
            )
            #expect(!sessions.isEmpty && sessions.allSatisfy { $0 == "t" }, "intake's database sessions are encrypted: \(sessions)")
            #expect(!intake.log().contains(setting.caFile), "the log names no TLS file")
        } catch {
            Issue.record("\(error)\n\(intake.logTail())")
        }
        await adapter.close()
        await events.close()
        await intake.stop()
        await sandbox.tearDown()
    }

    @Test("PostgreSQL with sslmode=verify-full is encrypted (pg_stat_ssl); a wrong root certificate is refused clearly")
    func postgresVerifyFull() async throws {
        let setting = try Setting.fromEnvironment()
        let sandbox = try await TestSandbox("tls-pg")
        let url = sandbox.databaseURL + "?sslmode=verify-full&sslrootcert=\(setting.caFile)"
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: url, poolSize: 1), logger: .init(label: "test"))
        let row = try await pool.withConnection { connection in
            let rows = try connection.query("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            return (try rows[0].decode(0, as: Bool.self), try rows[0].decode(1, as: String.self))
        }
        #expect(row.0, "the session is encrypted")
        #expect(row.1.hasPrefix("TLSv1."))
        await pool.close()

        let otherCA = try await Self.otherCA()
        let wrong = try PostgresConfiguration(url: sandbox.databaseURL + "?sslmode=verify-full&sslrootcert=\(otherCA)", poolSize: 1)
        let refused = PostgresPool(configuration: wrong, logger: .init(label: "test"))
        do {
            try await refused.withConnection { connection in _ = try connection.query("SELECT 1") }
            Issue.record("a server certificate from another CA was accepted")
        } catch let error as PostgresError {
            #expect(error.code == .connection)
            #expect(error.message.contains("certificate verify failed"), "\(error.message)")
        }
        await refused.close()
        Self.removeCA(otherCA)
        await sandbox.tearDown()
    }
}
