import Foundation
import IntakeService
import Testing
import WhistleMessages
import WhistleRuntime

/// The services' build functions, used in-process with a configuration struct made by the test.
@Suite("Service build functions in-process", .serialized)
struct InProcessTests {
    @Test("IntakeApp.build gives a service group that accepts a demand and stops when cancelled")
    func intakeInProcess() async throws {
        let sandbox = try await TestSandbox("inproc")
        try await Fixtures.prepare(sandbox)
        let port = try FreePort.next()
        let configuration = IntakeConfiguration(
            service: ServiceConfiguration(
                serviceName: "intake", amqpURL: sandbox.amqpURL, databaseURL: sandbox.databaseURL, httpPort: port,
                logLevel: .warning, prefetch: 50, batchSize: 20))
        let group = try await IntakeApp.build(configuration: configuration, logger: .init(label: "in-process"))
        let events = try await EventCollector(sandbox: sandbox)
        let adapter = try TestAdapter(sandbox: sandbox)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Healthy means the consumer is connected, so its queue exists and is bound.
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline, (try? await HTTP.get("http://127.0.0.1:\(port)/healthz"))?.0 != 200 {
                try await Task.sleep(for: .milliseconds(100))
            }
            try await adapter.publish(.twelve345, Fixtures.demand(.twelve345, externalId: "IP-1"), messageId: "ip-1")
            try await events.waitFor("ticket.accepted") {
                $0.contains { $0.sourceMessageId == "ip-1" && $0["type"] as? String == "ticket.accepted" }
            }
            tasks.cancelAll()
            while let _ = try? await tasks.next() {}
        }
        #expect(try await sandbox.count("SELECT count(*) FROM tickets") == 1)
        await adapter.close()
        await events.close()
        await sandbox.tearDown()
    }

    @Test("a bad WHISTLE_* value stops a service before it starts, naming the variable")
    func badConfiguration() {
        #expect(throws: ConfigurationError.self) { try IntakeConfiguration(environment: ["WHISTLE_TIMEZONE": "Mars/Olympus"]) }
        do {
            _ = try IntakeConfiguration(environment: ["WHISTLE_TIMEZONE": "Mars/Olympus"])
        } catch let error as ConfigurationError {
            #expect(error.variable == "WHISTLE_TIMEZONE")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
