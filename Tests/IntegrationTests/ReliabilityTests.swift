import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// The reliability backbone in-process against the real servers: inbox, outbox relay, poison.
@Suite("Inbox, outbox and poison messages", .serialized)
struct ReliabilityTests {
    /// Records each message's body in `event_journal`-like form; throws on bodies saying "poison".
    struct Recorder: BatchHandler {
        func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
            for message in messages where String(decoding: message.body, as: UTF8.self).contains("poison") {
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
        let amqp = AMQPConsumer(configuration: configuration, name: "c", queues: ["rel.q"], prefetch: 100, topology: topology, logger: .init(label: "test"))
        let consumer = BatchConsumer(name: "rel", consumer: amqp, pool: pool, handler: Recorder(), signal: nil, batchSize: 50, logger: .init(label: "test"))
        let publisher = AMQPPublisher(configuration: configuration, name: "p", topology: topology, logger: .init(label: "test"))
        var messages = (0..<100).map { OutboundMessage(exchange: Exchange.events, routingKey: "rel", body: Array("ok \($0)".utf8), messageId: "rel-\($0)") }
        messages.insert(OutboundMessage(exchange: Exchange.events, routingKey: "rel", body: Array("poison".utf8), messageId: "rel-poison"), at: 37)
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
            await admin.close()
            group.cancelAll()
        }
        #expect(try await sandbox.count("SELECT count(*) FROM settings WHERE value = 'seen'") == 100, "every other message applied once")
        #expect(try await sandbox.count("SELECT count(*) FROM inbox WHERE consumer = 'rel'") == 100)
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
            OutboundMessage(exchange: Exchange.events, routingKey: "relay", body: Array("{\"n\":\($0)}".utf8), messageId: "o-\($0)", type: "t")
        }
        try await pool.transaction { connection in try Outbox(publisher: "rel").enqueue(connection, messages) }
        let relays = (0..<2).map { i in
            OutboxRelay(
                pool: pool, publisher: AMQPPublisher(configuration: configuration, name: "relay-\(i)", topology: topology, logger: .init(label: "test")),
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
        #expect(try await admin.queueStatus("relay.q").messages == 2000, "each message once: rows locked by one relay are skipped by the other")
        await admin.close()
        await pool.close()
        await sandbox.tearDown()
    }
}
