import Foundation
import NIOConcurrencyHelpers
import Testing
import WhistlePostgres

/// `PostgresListener` on the real server: notifications from another connection arrive, a
/// listener whose backend is killed comes back and listens again, and `stop()` ends its wait.
@Suite("PostgreSQL LISTEN/NOTIFY listener")
struct PostgresListenerTests {
    /// The events a listener reported, for a test to wait on.
    final class Recorder: Sendable {
        private let events = NIOLockedValueBox<[PostgresListenerEvent]>([])

        func record(_ event: PostgresListenerEvent) { events.withLockedValue { $0.append(event) } }

        var listenings: Int { events.withLockedValue { $0.filter { if case .listening = $0 { true } else { false } }.count } }
        var disconnections: Int {
            events.withLockedValue { $0.filter { if case .disconnected = $0 { true } else { false } }.count }
        }
        var notifications: [PostgresNotification] {
            events.withLockedValue { $0.compactMap { if case .notification(let n) = $0 { n } else { nil } } }
        }

        /// Waits (up to 20 s) until `condition` holds; returns whether it did.
        func wait(until condition: () -> Bool) async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(20)
            while !condition() {
                guard ContinuousClock.now < deadline else { return false }
                try await Task.sleep(for: .milliseconds(20))
            }
            return true
        }
    }

    /// Waits (up to 20 s: a backend ends a moment after its client closed) until no listener's
    /// connection is left on the pool's database; returns whether none is.
    static func listenersGone(_ pool: PostgresPool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let left = try await pool.withConnection { connection in
                try connection.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '% listener'"
                )[0].decode(0, as: Int.self)
            }
            if left == 0 { return true }
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("notifications committed on another connection arrive in order, with payload and channel; a rolled-back one never")
    func receives() async throws {
        let sandbox = try await TestSandbox("listen")
        let pool = try sandbox.pool(size: 1)
        let recorder = Recorder()
        let listener = try PostgresListener(
            configuration: pool.configuration, channels: ["whistle_test:a", "Other Channel"], logger: .init(label: "test")
        ) { recorder.record($0) }
        let running = Task { await listener.run() }
        #expect(try await recorder.wait { recorder.listenings == 1 })
        try await pool.transaction { connection in
            _ = try connection.query("SELECT pg_notify($1, $2)", ["whistle_test:a", "one"])
            _ = try connection.query("SELECT pg_notify($1, $2)", ["Other Channel", "two"])
            _ = try connection.query("SELECT pg_notify($1, $2)", ["not listened", "three"])
        }
        do {
            try await pool.transaction { connection in
                _ = try connection.query("SELECT pg_notify($1, $2)", ["whistle_test:a", "rolled back"])
                throw PostgresError(.query, "planned")
            }
        } catch let error as PostgresError where error.message == "planned" {}
        _ = try await pool.withConnection { try $0.query("SELECT pg_notify($1, $2)", ["whistle_test:a", "four"]) }
        #expect(try await recorder.wait { recorder.notifications.count >= 3 })
        let received = recorder.notifications
        #expect(received.map(\.payload) == ["one", "two", "four"], "\(received)")
        #expect(received.map(\.channel) == ["whistle_test:a", "Other Channel", "whistle_test:a"])
        listener.stop()
        await running.value
        await pool.close()
        await sandbox.tearDown()
    }

    @Test("a listener whose backend is terminated reconnects, listens again and receives what is sent afterwards")
    func survivesTerminatedBackend() async throws {
        let sandbox = try await TestSandbox("listen-kill")
        let pool = try sandbox.pool(size: 1)
        let recorder = Recorder()
        let listener = try PostgresListener(configuration: pool.configuration, channels: ["kill_test"], logger: .init(label: "test")) {
            recorder.record($0)
        }
        let running = Task { await listener.run() }
        #expect(try await recorder.wait { recorder.listenings == 1 })
        let listenerBackends = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '% listener'"
        let victims = try await pool.withConnection { try $0.query(listenerBackends).map { try $0.decode(0, as: Int32.self) } }
        #expect(victims.count == 1, "one listening connection: \(victims)")
        let terminated = try await pool.withConnection { connection in
            try connection.query("SELECT pg_terminate_backend($1)", [victims[0]])[0].decode(0, as: Bool.self)
        }
        #expect(terminated)
        #expect(try await recorder.wait { recorder.disconnections >= 1 && recorder.listenings == 2 }, "reconnected and listening again")
        let now = try await pool.withConnection { try $0.query(listenerBackends).map { try $0.decode(0, as: Int32.self) } }
        #expect(now.count == 1 && now != victims, "a new backend listens: \(now)")
        _ = try await pool.withConnection { try $0.query("SELECT pg_notify('kill_test', 'after')") }
        #expect(try await recorder.wait { recorder.notifications.map(\.payload) == ["after"] })
        listener.stop()
        await running.value
        await pool.close()
        await sandbox.tearDown()
    }

    @Test("stop() and task cancellation end an idle listener's wait at once, and a stopped listener does not start")
    func stopsAtOnce() async throws {
        let sandbox = try await TestSandbox("listen-stop")
        let pool = try sandbox.pool(size: 1)
        let recorder = Recorder()
        let listener = try PostgresListener(configuration: pool.configuration, channels: ["stop_test"], logger: .init(label: "test")) {
            recorder.record($0)
        }
        let stopped = Task { await listener.run() }
        #expect(try await recorder.wait { recorder.listenings == 1 })
        let clock = ContinuousClock()
        let took = await clock.measure {
            listener.stop()
            await stopped.value
        }
        // The wait is poll() with no timeout: only the wake pipe can have ended it.
        #expect(took < .seconds(10), "stop ended the wait: \(took)")
        await listener.run()  // stopped: returns without listening again
        #expect(recorder.listenings == 1)

        let second = try PostgresListener(configuration: pool.configuration, channels: ["stop_test"], logger: .init(label: "test")) {
            recorder.record($0)
        }
        let cancelled = Task { await second.run() }
        #expect(try await recorder.wait { recorder.listenings == 2 })
        cancelled.cancel()
        await cancelled.value
        #expect(try await Self.listenersGone(pool), "the listeners closed their connections")
        await pool.close()
        await sandbox.tearDown()
    }
}
