import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// The reliability backbone in-process against the real servers: inbox, outbox relay, poison.
@Suite("Inbox, outbox and poison messages", .serialized)
struct ReliabilityTests {
    /// Whether the recorder refuses poison, switched off to "fix the cause" before a replay.
    final class Refusal: @unchecked Sendable {
        private let lock = NSLock()
        private var on = true
        var isOn: Bool {
            get { lock.withLock { on } }
            set { lock.withLock { on = newValue } }
        }
    }

    /// Records each message's body in `event_journal`-like form; throws on bodies saying "poison"
    /// while `refusal` is on.
    struct Recorder: BatchHandler {
        var refusal = Refusal()
        func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
            for message in messages where refusal.isOn && String(decoding: message.body, as: UTF8.self).contains("poison") {
                throw PostgresError(.query, "handler refuses \(message.messageId)")
            }
            _ = try connection.query(
                "INSERT INTO settings (key, value) SELECT unnest($1::text[]), 'seen'",
                [messages.map(\.messageId)])
        }
    }

    @Test("a failing message is retried to the delivery limit and dead-lettered while the rest go on; repeats have one effect")
    func poison() async throws {
        let sandbox = try await TestSandbox("rel-poison")
        let pool = try sandbox.pool(size: 2)
        try await WhistleSchema.migrate(pool: pool, logger: .init(label: "test"))
        let configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        var topology = WhistleTopology.base
        topology.queues.append(WhistleTopology.queue("rel.q", deliveryLimit: 3, bindings: [.init(Exchange.events, "rel")]))
        let amqp = AMQPConsumer(
            configuration: configuration, name: "c", queues: ["rel.q"], prefetch: 100, topology: topology, logger: .init(label: "test"))
        let recorder = Recorder()
        let consumer = BatchConsumer(
            name: "rel", consumer: amqp, pool: pool, handler: recorder, signal: nil, batchSize: 50, logger: .init(label: "test"))
        let publisher = AMQPPublisher(configuration: configuration, name: "p", topology: topology, logger: .init(label: "test"))
        var messages = (0..<100).map {
            OutboundMessage(exchange: Exchange.events, routingKey: "rel", body: Array("ok \($0)".utf8), messageId: "rel-\($0)")
        }
        messages.insert(
            OutboundMessage(exchange: Exchange.events, routingKey: "rel", body: Array("poison".utf8), messageId: "rel-poison"), at: 37)
        messages += messages.prefix(10)  // the same message ids again
        _ = try await publisher.publish(messages)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            let deadline = ContinuousClock.now + .seconds(30)
            let admin = AMQPConnection(configuration: configuration, name: "admin", logger: .init(label: "test"))
            while ContinuousClock.now < deadline {
                if try await admin.queueStatus(WhistleTopology.deadLetterQueue).messages == 1,
                    try await sandbox.count("SELECT count(*) FROM settings WHERE value = 'seen'") == 100
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(try await admin.queueStatus(WhistleTopology.deadLetterQueue).messages == 1, "the poison message is dead-lettered")
            #expect(
                try await sandbox.count("SELECT count(*) FROM settings WHERE value = 'seen'") == 100, "every other message applied once")
            #expect(try await sandbox.count("SELECT count(*) FROM inbox WHERE consumer = 'rel'") == 100)

            // whistlectl dlq: the letter with both reasons, kept by list; replayed once the cause is fixed.
            let ctl = Ctl(databaseURL: sandbox.databaseURL)
            let listed = try await ctl.run(["dlq", "list", "--json", "--amqp-url", sandbox.amqpURL])
            #expect(listed.status == 0, "\(listed.stderr)")
            let letter = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
            #expect(letter["message_id"] as? String == "rel-poison" && letter["exchange"] as? String == Exchange.events)
            #expect(letter["routing_key"] as? String == "rel" && letter["queue"] as? String == "rel.q")
            #expect(letter["broker_reason"] as? String == "delivery_limit" && letter["consumer"] as? String == "rel")
            #expect(
                (letter["error"] as? String)?.contains("handler refuses rel-poison") == true && letter["deliveries"] as? Int == 4,
                "the first delivery and 3 more: \(letter)")
            // The requeue reaches the quorum queue after whistlectl has exited: wait for it to land.
            let requeued = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < requeued, try await admin.queueStatus(WhistleTopology.deadLetterQueue).messages < 1 {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await admin.queueStatus(WhistleTopology.deadLetterQueue).messages == 1, "list leaves the letter where it was")
            let refused = try await ctl.run(["dlq", "replay", "--amqp-url", sandbox.amqpURL])
            #expect(refused.status != 0 && refused.stderr.contains("--message-id"), "replay names its letters")
            recorder.refusal.isOn = false
            let replayed = try await ctl.run(["dlq", "replay", "--message-id", "rel-poison", "--amqp-url", sandbox.amqpURL])
            #expect(replayed.status == 0 && replayed.stdout.contains("replayed 1 dead letter"), "\(replayed.stdout) \(replayed.stderr)")
            let applied = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < applied, try await sandbox.count("SELECT count(*) FROM settings WHERE value = 'seen'") < 101 {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(
                try await sandbox.count("SELECT count(*) FROM settings WHERE key = 'rel-poison'") == 1,
                "the replayed letter is applied once")
            #expect(try await admin.queueStatus(WhistleTopology.deadLetterQueue).messages == 0)

            // Another poison while refusing: dead-lettered, then purged for good.
            recorder.refusal.isOn = true
            _ = try await publisher.publish([
                OutboundMessage(exchange: Exchange.events, routingKey: "rel", body: Array("poison 2".utf8), messageId: "rel-poison-2")
            ])
            let dead = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < dead, try await admin.queueStatus(WhistleTopology.deadLetterQueue).messages < 1 {
                try await Task.sleep(for: .milliseconds(200))
            }
            let purged = try await ctl.run(["dlq", "purge", "--all", "--amqp-url", sandbox.amqpURL])
            #expect(purged.status == 0 && purged.stdout.contains("dropped 1 dead letter"), "\(purged.stdout) \(purged.stderr)")
            #expect(try await admin.queueStatus(WhistleTopology.deadLetterQueue).messages == 0)
            await admin.close()
            group.cancelAll()
        }
        await publisher.close()
        await pool.close()
        await sandbox.tearDown()
    }

    @Test("the relay publishes the outbox with confirms, deletes what was confirmed, and two relays share it")
    func relay() async throws {
        let sandbox = try await TestSandbox("rel-outbox")
        let pool = try sandbox.pool(size: 3)
        try await WhistleSchema.migrate(pool: pool, logger: .init(label: "test"))
        let configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        var topology = WhistleTopology.base
        topology.queues.append(WhistleTopology.queue("relay.q", deliveryLimit: 5, bindings: [.init(Exchange.events, "relay")]))
        let messages = (0..<2000).map {
            OutboundMessage(
                exchange: Exchange.events, routingKey: "relay", body: Array("{\"n\":\($0)}".utf8), messageId: "o-\($0)", type: "t")
        }
        try await pool.transaction { connection in try Outbox(publisher: "rel").enqueue(connection, messages) }
        let relays = (0..<2).map { i in
            OutboxRelay(
                pool: pool,
                publisher: AMQPPublisher(
                    configuration: configuration, name: "relay-\(i)", topology: topology, logger: .init(label: "test")),
                outbox: Outbox(publisher: "rel"), signal: OutboxSignal(), batchSize: 300, logger: .init(label: "test"))
        }
        let published = try await withThrowingTaskGroup(of: Int.self) { group in
            for relay in relays {
                group.addTask {
                    var total = 0
                    while true {
                        let n = try await relay.relayOnce()
                        if n == 0 { return total }
                        total += n
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(published == 2000)
        #expect(try await sandbox.count("SELECT count(*) FROM outbox") == 0)
        let admin = AMQPConnection(configuration: configuration, name: "admin", logger: .init(label: "test"))
        #expect(
            try await admin.queueStatus("relay.q").messages == 2000, "each message once: rows locked by one relay are skipped by the other")
        await admin.close()
        await pool.close()
        await sandbox.tearDown()
    }
}
