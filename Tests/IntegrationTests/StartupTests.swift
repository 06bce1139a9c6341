import Foundation
import Testing

/// A service's start-up runs inside its service group: a bad URL exits 78 with one line naming the
/// variable, and SIGTERM while the start-up waits for the database is a graceful shutdown.
@Suite("Service start-up")
struct StartupTests {
    @Test("a bad database URL ends the service with exit status 78 and one line naming the variable")
    func badDatabaseURL() async throws {
        let sandbox = try await TestSandbox("startup-url")
        let intake = try ServiceProcess("intake", sandbox: sandbox, extra: ["WHISTLE_DATABASE_URL": "mysql://nobody@127.0.0.1/none"])
        let (status, _) = try await intake.waitForExit(timeout: .seconds(30))
        let log = intake.log()
        #expect(status == 78, "exit status \(status):\n\(log)")
        #expect(log.contains("WHISTLE_DATABASE_URL"), "\(log)")
        #expect(!log.contains("Fatal error"), "\(log)")
        await intake.stop()
        await sandbox.tearDown()
    }

    @Test("SIGTERM while the start-up waits for an unreachable database stops the service gracefully")
    func sigtermDuringStartup() async throws {
        let sandbox = try await TestSandbox("startup-term")
        // Port 1 on loopback: nothing listens, so the schema step keeps waiting for the database.
        let dispatcher = try ServiceProcess(
            "dispatcher", sandbox: sandbox, extra: ["WHISTLE_DATABASE_URL": "postgres://whistle@127.0.0.1:1/whistle"])
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, !dispatcher.log().contains("database not reachable yet") {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(dispatcher.isRunning, "still starting up:\n\(dispatcher.logTail())")
        dispatcher.signal(SIGTERM)
        let (status, _) = try await dispatcher.waitForExit(timeout: .seconds(20))
        #expect(status == 0, "graceful exit, status \(status):\n\(dispatcher.logTail())")
        #expect(dispatcher.log().contains("shut down during start-up"), "\(dispatcher.logTail())")
        await dispatcher.stop()
        await sandbox.tearDown()
    }
}
