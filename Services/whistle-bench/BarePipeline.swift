import Foundation
import Histogram
import WhistleAMQP
import WhistlePostgres

/// The ceiling of the flow's plumbing: the same durable hops as a demand's way to a department,
/// and no domain logic. Publish with confirms → quorum queue → consume a batch → one commit →
/// publish with confirms → quorum queue → consume → commit → publish to a quorum "department"
/// queue → consumed by the sink. Batches, prefetch and pool size are the services' defaults.
struct BarePipeline {
    var amqp: AMQPConfiguration
    var databaseURL: String
    var count: Int
    var batchSize = 200
    var prefetch = 500

    struct Result: Sendable {
        var messages: Int
        var seconds: Double
        var latencies: Histogram<UInt64>
        var rate: Double { Double(messages) / seconds }
    }

    static let exchange = "bench.bare"
    static let queues = ["bench.bare.intake", "bench.bare.events", "bench.bare.dept"]

    private var topology: Topology {
        Topology(
            exchanges: [.init(Self.exchange, type: "direct")],
            queues: Self.queues.map { name in
                .init(
                    name, arguments: Topology.quorumArguments(deliveryLimit: 5, deadLetterExchange: "whistle.dlx"),
                    bindings: [.init(Self.exchange, name)])
            })
    }

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL, poolSize: 4), logger: .init(label: "bench"))
        try await pool.withConnection { connection in
            try connection.execute(
                """
                DROP TABLE IF EXISTS bench_bare;
                CREATE TABLE bench_bare (id bigserial PRIMARY KEY, stage int NOT NULL, message_id text NOT NULL,
                                         at timestamptz NOT NULL DEFAULT now())
                """)
        }
        let admin = AMQPConnection(configuration: amqp, name: "bench-bare-admin", logger: .init(label: "bench"))
        for queue in Self.queues { try? await admin.deleteQueue(queue) }
        let sink = AMQPConsumer(
            configuration: amqp, name: "bench-bare-sink", queues: [Self.queues[2]], prefetch: prefetch, topology: topology,
            logger: .init(label: "bench"))
        try await sink.start()
        let started = ContinuousClock.now
        let result = try await withThrowingTaskGroup(of: Histogram<UInt64>?.self) { group in
            group.addTask {
                try await self.source(); return nil
            }
            group.addTask {
                try await self.stage(1, from: Self.queues[0], to: Self.queues[1], pool: pool); return nil
            }
            group.addTask {
                try await self.stage(2, from: Self.queues[1], to: Self.queues[2], pool: pool); return nil
            }
            group.addTask { try await self.drain(sink, progress: progress) }
            var histogram: Histogram<UInt64>?
            while let next = try await group.next() {
                if let next {
                    histogram = next
                    group.cancelAll()
                }
            }
            return histogram!
        }
        let seconds = (ContinuousClock.now - started).seconds
        await sink.close()
        for queue in Self.queues { try? await admin.deleteQueue(queue) }
        await admin.close()
        try? await pool.withConnection { try $0.execute("DROP TABLE IF EXISTS bench_bare") }
        await pool.close()
        return Result(messages: count, seconds: seconds, latencies: result)
    }

    /// Publishes `count` messages in confirmed windows, each stamped with its send time.
    private func source() async throws {
        let publisher = AMQPPublisher(configuration: amqp, name: "bench-bare-source", topology: topology, logger: .init(label: "bench"))
        try await publisher.connect()
        var sent = 0
        while sent < count {
            let now = DispatchTime.now().uptimeNanoseconds
            let window = (sent..<min(sent + 500, count)).map { i in
                OutboundMessage(
                    exchange: Self.exchange, routingKey: Self.queues[0],
                    body: Array("\(now) bare-\(i) \(String(repeating: "诉", count: 100))".utf8),
                    messageId: "bare-\(i)")
            }
            guard try await publisher.publish(window).allSatisfy({ $0 == .confirmed }) else { throw BenchError("bare source refused") }
            sent += window.count
        }
        await publisher.close()
    }

    /// Consumes a batch, commits one row per message in one transaction, publishes it on with
    /// confirms, then acknowledges the batch: a service's hop without its logic.
    private func stage(_ number: Int, from: String, to: String, pool: PostgresPool) async throws {
        let consumer = AMQPConsumer(
            configuration: amqp, name: "bench-bare-\(number)", queues: [from], prefetch: prefetch, topology: topology,
            logger: .init(label: "bench"))
        let publisher = AMQPPublisher(
            configuration: amqp, name: "bench-bare-\(number)-out", topology: topology, logger: .init(label: "bench"))
        try await consumer.start()
        try await publisher.connect()
        defer {
            Task {
                await consumer.close(); await publisher.close()
            }
        }
        while !Task.isCancelled {
            let batch = try await consumer.nextBatch(max: batchSize, waitMilliseconds: 250, lingerMilliseconds: 5)
            guard let last = batch.last else { continue }
            let ids = batch.map { $0.messageId ?? "" }
            _ = try await pool.withConnection { connection in
                try connection.transaction { connection in
                    try connection.query(
                        "INSERT INTO bench_bare (stage, message_id) SELECT $1, unnest($2::text[])", [number, ids])
                }
            }
            let out = batch.map { OutboundMessage(exchange: Self.exchange, routingKey: to, body: $0.body, messageId: $0.messageId ?? "") }
            guard try await publisher.publish(out).allSatisfy({ $0 == .confirmed }) else { throw BenchError("bare stage refused") }
            try await consumer.ack(through: last)
        }
    }

    /// Reads the department queue until every message arrived; returns send → arrival latencies.
    private func drain(_ sink: AMQPConsumer, progress: @Sendable (String) -> Void) async throws -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var arrived = 0
        var lastPrint = ContinuousClock.now
        var idleSince = ContinuousClock.now
        while arrived < count {
            let batch = try await sink.nextBatch(max: 2000, waitMilliseconds: 200, lingerMilliseconds: 2)
            let now = DispatchTime.now().uptimeNanoseconds
            for delivery in batch {
                let stamp = UInt64(String(decoding: delivery.body.prefix { $0 != 0x20 }, as: UTF8.self)) ?? now
                _ = histogram.record((now &- stamp) / 1000)
            }
            arrived += batch.count
            if let last = batch.last {
                try await sink.ack(through: last)
                idleSince = .now
            } else if ContinuousClock.now - idleSince > .seconds(30) {
                throw BenchError("bare pipeline stalled at \(arrived) of \(count)")
            }
            if ContinuousClock.now - lastPrint > .seconds(1) {
                lastPrint = .now
                progress("bare pipeline  \(arrived)/\(count) at the department queue")
            }
        }
        return histogram
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
