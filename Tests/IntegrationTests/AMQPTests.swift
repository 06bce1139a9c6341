import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// WhistleAMQP against the real broker.
@Suite("AMQP over rabbitmq-c", .serialized)
struct AMQPTests {
    static func queue(_ name: String, deliveryLimit: Int = 5) -> Topology {
        var topology = WhistleTopology.base
        topology.queues.append(WhistleTopology.queue(name, deliveryLimit: deliveryLimit, bindings: [.init(Exchange.events, name)]))
        return topology
    }

    static func message(_ queue: String, _ i: Int, mandatory: Bool = false) -> OutboundMessage {
        OutboundMessage(
            exchange: Exchange.events, routingKey: queue, body: Array("{\"n\":\(i),\"text\":\"街道吹哨\"}".utf8), messageId: "id-\(i)",
            type: "test.message", mandatory: mandatory)
    }

    @Test("streamed confirms settle 5,000 persistent messages; a consumer reads them back intact")
    func publishAndConsume() async throws {
        let sandbox = try await TestSandbox("amqp-basic")
        let configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        let topology = Self.queue("q.basic")
        let publisher = AMQPPublisher(configuration: configuration, name: "p", topology: topology, logger: .init(label: "test"))
        let outcomes = try await publisher.publish((0..<5000).map { Self.message("q.basic", $0) })
        #expect(outcomes.count == 5000 && outcomes.allSatisfy { $0 == .confirmed })
        let consumer = AMQPConsumer(
            configuration: configuration, name: "c", queues: ["q.basic"], prefetch: 500, topology: topology, logger: .init(label: "test"))
        var seen: [Int: Delivery] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        while seen.count < 5000 && ContinuousClock.now < deadline {
            let batch = try await consumer.nextBatch(max: 200)
            for delivery in batch {
                let n = Int(delivery.messageId?.dropFirst(3) ?? "") ?? -1
                seen[n] = delivery
            }
            if let last = batch.last { try await consumer.ack(through: last) }
        }
        #expect(seen.count == 5000)
        let sample = try #require(seen[42])
        #expect(sample.body == Self.message("q.basic", 42).body)
        #expect(sample.type == "test.message" && sample.contentType == "application/json" && sample.routingKey == "q.basic")
        #expect(sample.exchange == Exchange.events && !sample.redelivered)
        let connection = AMQPConnection(configuration: configuration, name: "admin", logger: .init(label: "test"))
        #expect(try await connection.queueStatus("q.basic").messages == 0)
        await connection.close()
        await consumer.close()
        await publisher.close()
        await sandbox.tearDown()
    }

    @Test("a mandatory message with no queue bound comes back as returned; others are confirmed")
    func returned() async throws {
        let sandbox = try await TestSandbox("amqp-return")
        let configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        let publisher = AMQPPublisher(configuration: configuration, name: "p", topology: Self.queue("q.ret"), logger: .init(label: "test"))
        let outcomes = try await publisher.publish([
            Self.message("q.ret", 1, mandatory: true), Self.message("nowhere", 2, mandatory: true), Self.message("nowhere", 3),
        ])
        #expect(outcomes == [.confirmed, .returned, .confirmed])
        await publisher.close()
        await sandbox.tearDown()
    }

    @Test("a wrong password or a closed port is a connection error, not a crash")
    func refused() async throws {
        let sandbox = try await TestSandbox("amqp-refused")
        var configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        configuration.password = "wrong"
        let publisher = AMQPPublisher(
            configuration: configuration, name: "p", reconnectPolicy: ReconnectPolicy(initialDelayMilliseconds: 10, maxAttempts: 2),
            logger: .init(label: "test"))
        await #expect(throws: AMQPError.self) { try await publisher.publish([Self.message("x", 1)], timeout: .seconds(5)) }
        var closed = configuration
        closed.port = try FreePort.next()
        let nobody = AMQPConnection(configuration: closed, name: "none", logger: .init(label: "test"))
        await #expect(throws: AMQPError.self) { try await nobody.queueStatus("x") }
        #expect(!nobody.isConnected)
        await nobody.close()
        await publisher.close()
        await sandbox.tearDown()
    }

    @Test("after a broker restart the consumer reconnects, consumes again, and nothing is lost")
    func consumerSurvivesRestart() async throws {
        let sandbox = try await TestSandbox("amqp-restart")
        let configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        let topology = Self.queue("q.restart")
        let publisher = AMQPPublisher(configuration: configuration, name: "p", topology: topology, logger: .init(label: "test"))
        _ = try await publisher.publish((0..<200).map { Self.message("q.restart", $0) })
        let consumer = AMQPConsumer(
            configuration: configuration, name: "c", queues: ["q.restart"], prefetch: 50, topology: topology,
            reconnectPolicy: ReconnectPolicy(initialDelayMilliseconds: 100, maxDelayMilliseconds: 1000), logger: .init(label: "test"))
        var acked = Set<String>()
        let first = try await consumer.nextBatch(max: 50)
        try await consumer.ack(through: try #require(first.last))
        acked.formUnion(first.compactMap(\.messageId))
        let unacked = try await consumer.nextBatch(max: 20)
        #expect(!unacked.isEmpty)
        let restarted = try await sandbox.servers.control("rabbitmq-restart")
        #expect(restarted == 0)
        // The old deliveries' tags are void now: acking them fails (or is a no-op once the consumer
        // has reconnected), and the broker delivers them again.
        _ = try? await consumer.ack(through: try #require(unacked.last))
        _ = try await publisher.publish((200..<300).map { Self.message("q.restart", $0) })
        let deadline = ContinuousClock.now + .seconds(60)
        while acked.count < 300 && ContinuousClock.now < deadline {
            let batch = try await consumer.nextBatch(max: 100)
            if let last = batch.last {
                try await consumer.ack(through: last)
                acked.formUnion(batch.compactMap(\.messageId))
            }
        }
        #expect(acked.count == 300, "all 300 messages consumed after the restart")
        await consumer.close()
        await publisher.close()
        await sandbox.tearDown()
    }

    @Test("a message rejected up to the delivery limit is dead-lettered to whistle.dlx")
    func deliveryLimit() async throws {
        let sandbox = try await TestSandbox("amqp-dlx")
        let configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        let topology = Self.queue("q.poison", deliveryLimit: 2)
        let publisher = AMQPPublisher(configuration: configuration, name: "p", topology: topology, logger: .init(label: "test"))
        _ = try await publisher.publish([Self.message("q.poison", 7)])
        let consumer = AMQPConsumer(
            configuration: configuration, name: "c", queues: ["q.poison"], prefetch: 10, topology: topology, logger: .init(label: "test"))
        var deliveries = 0
        var counts: [Int] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let batch = try await consumer.nextBatch(max: 1, waitMilliseconds: 500)
            guard let delivery = batch.first else {
                if deliveries > 0 { break } else { continue }
            }
            deliveries += 1
            counts.append(delivery.deliveryCount)
            try await consumer.nack(delivery, requeue: true)
        }
        #expect(deliveries == 3, "first delivery plus two redeliveries, then the limit")
        #expect(counts == [0, 1, 2])
        let admin = AMQPConnection(configuration: configuration, name: "admin", logger: .init(label: "test"))
        #expect(try await admin.queueStatus(WhistleTopology.deadLetterQueue).messages == 1)
        #expect(try await admin.queueStatus("q.poison").messages == 0)
        await admin.close()
        await consumer.close()
        await publisher.close()
        await sandbox.tearDown()
    }
}
