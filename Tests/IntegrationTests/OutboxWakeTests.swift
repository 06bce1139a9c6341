import Foundation
import Logging
import ServiceLifecycle
import Testing
import WhistleAMQP
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// The outbox relay and the reference cache without polling, on the real servers: a relay whose
/// safety sweep is minutes away publishes a row committed on another connection (its `NOTIFY`),
/// publishes a held-back row when its `not_before` passes, and stops at once on graceful
/// shutdown; a reference cache reloads when a reference table changes (migration 0020).
@Suite("Outbox relay and reference cache woken by NOTIFY")
struct OutboxWakeTests {
    /// Waits (up to 30 s) until a listener's connection on the pool's database has run `LISTEN`.
    static func waitListening(_ pool: PostgresPool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let listeners = try await pool.withConnection { connection in
                try connection.query(
                    """
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND application_name LIKE '% listener' AND query LIKE 'LISTEN%'
                    """)[0].decode(0, as: Int.self)
            }
            if listeners == 1 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("a sleeping relay is woken by another connection's commit and by a not_before that passes; shutdown ends its sleep")
    func wokenByNotify() async throws {
        let sandbox = try await TestSandbox("rel-wake")
        let relayPool = try sandbox.pool(size: 2)
        let writerPool = try sandbox.pool(size: 1)
        try await WhistleSchema.migrate(pool: writerPool, logger: .init(label: "test"))
        // A heartbeat of 20 minutes: the sweep (capped at half of it) is 10 minutes away.
        var configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        configuration.heartbeatSeconds = 1200
        var topology = WhistleTopology.base
        topology.queues.append(WhistleTopology.queue("wake.q", deliveryLimit: 5, bindings: [.init(Exchange.events, "wake")]))
        let outbox = Outbox(publisher: "waker")
        let relay = OutboxRelay(
            pool: relayPool,
            publisher: AMQPPublisher(configuration: configuration, name: "wake-relay", topology: topology, logger: .init(label: "test")),
            outbox: outbox, signal: OutboxSignal(), sweepInterval: .seconds(600), logger: .init(label: "test"))
        let admin = AMQPConnection(configuration: configuration, name: "admin", logger: .init(label: "test"))
        try await admin.declare(topology)
        let group = ServiceGroup(services: [relay], logger: Logger(label: "test"))

        @Sendable func message(_ n: Int) -> OutboundMessage {
            OutboundMessage(exchange: Exchange.events, routingKey: "wake", body: Array("{\"n\":\(n)}".utf8), messageId: "w-\(n)", type: "t")
        }
        /// Waits (up to 60 s, far less than the sweep) until `wake.q` holds `count` messages.
        func queued(_ count: Int) async throws -> Int {
            let deadline = ContinuousClock.now + .seconds(60)
            var messages = try await admin.queueStatus("wake.q").messages
            while messages < count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                messages = try await admin.queueStatus("wake.q").messages
            }
            return messages
        }

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Self.waitListening(writerPool)
            try await Task.sleep(for: .milliseconds(300))  // the relay's first (empty) round is over: it sleeps

            // Committed on another connection; the relay's own signal is never notified.
            try await writerPool.transaction { connection in
                try outbox.enqueue(connection, [message(1)])
                try outbox.enqueue(connection, [message(2)])
            }
            #expect(try await queued(2) == 2, "the NOTIFY of the commit woke the relay")
            #expect(try await sandbox.count("SELECT count(*) FROM outbox") == 0)

            // Held back for 2 s: the NOTIFY wakes the relay too early; it sleeps until not_before.
            try await writerPool.transaction { connection in
                try outbox.enqueue(connection, [message(3)])
                _ = try connection.query("UPDATE outbox SET not_before = now() + interval '2 seconds'")
            }
            #expect(try await queued(3) == 3, "the held-back row was published once due")

            let clock = ContinuousClock()
            let stopping = clock.now
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            #expect(clock.now - stopping < .seconds(30), "graceful shutdown ended the relay's 10-minute sleep")
        }
        #expect(try await admin.queueStatus("wake.q").messages == 3, "each message once")
        #expect(try await PostgresListenerTests.listenersGone(writerPool), "the relay's listener closed its connection")
        await admin.close()
        await relayPool.close()
        await writerPool.close()
        await sandbox.tearDown()
    }

    @Test("a reference cache whose safety refresh is minutes away reloads when a department is added, and stops on shutdown")
    func referenceCacheReloadsOnChange() async throws {
        let sandbox = try await TestSandbox("ref-wake")
        try await Fixtures.prepare(sandbox)
        let pool = try sandbox.pool(size: 2)
        let cache = ReferenceCache(pool: pool, interval: .seconds(600), logger: .init(label: "test"))
        try await cache.refresh()
        #expect(cache.current.departments.contains("T-CGJ") && !cache.current.departments.contains("T-NEW"))
        let group = ServiceGroup(services: [cache], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Self.waitListening(pool)
            try await Task.sleep(for: .milliseconds(300))  // the reload of `.listening` is over: it sleeps
            _ = try await pool.withConnection { connection in
                try connection.query(
                    """
                    INSERT INTO departments (code, name, level, kind, parent_code, area_code)
                    VALUES ('T-NEW', '测试区新局', 'district', 'bureau', 'T-ZHZX', 'D-T')
                    """)
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while !cache.current.departments.contains("T-NEW"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(cache.current.departments.contains("T-NEW"), "the trigger's NOTIFY made the cache reload")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await PostgresListenerTests.listenersGone(pool), "the cache's listener closed its connection")
        await pool.close()
        await sandbox.tearDown()
    }
}
