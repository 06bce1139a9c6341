import Foundation
import Histogram
import WhistleAMQP
import WhistlePostgres

/// The ceiling of the flow's plumbing: durable hops and row writes, and no domain logic.
///
/// By default the same three hops as a demand's way to a department: publish with confirms →
/// quorum queue → consume a batch → one commit → publish with confirms → quorum queue → consume →
/// commit → publish to a quorum "department" queue → consumed by the sink. The like-for-like
/// pipeline is the same chain with as many hops (quorum-queue deliveries) and row writes per
/// message as the flow made per demand, measured in the same run: each stage inserts its share of
/// the rows in its batch's one transaction. Batches, prefetch and pool size are the services' defaults.
struct BarePipeline {
    var amqp: AMQPConfiguration
    var databaseURL: String
    var count: Int
    var batchSize = 200
    var prefetch = 500
    /// Quorum queues a message passes through (at least 2).
    var hops = 3
    /// Rows each stage (every hop but the last) inserts per message, in its batch's one commit.
    var rowsPerStage = [1, 1]
    /// Names the queues (`<name>.hop<i>`), the exchange and the scratch table.
    var name = "bench.bare"

    struct Result: Sendable {
        var messages: Int
        var seconds: Double
        var latencies: Histogram<UInt64>
        var hops = 3
        var rowsPerMessage = 2
        var rate: Double { Double(messages) / seconds }
    }

    private var exchange: String { name }
    private var queues: [String] { (0..<max(2, hops)).map { "\(name).hop\($0)" } }
    private var table: String { name.replacingOccurrences(of: ".", with: "_") }

    private var topology: Topology {
        Topology(
            exchanges: [.init(exchange, type: "direct")],
            queues: queues.map { name in
                .init(
                    name, arguments: Topology.quorumArguments(deliveryLimit: 5, deadLetterExchange: "whistle.dlx"),
                    bindings: [.init(exchange, name)])
            })
    }

    func run(progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL, poolSize: 4), logger: .init(label: "bench"))
        try await pool.withConnection { connection in
            try connection.execute(
                """
                DROP TABLE IF EXISTS \(table);
                CREATE TABLE \(table) (id bigserial PRIMARY KEY, stage int NOT NULL, message_id text NOT NULL,
                                         at timestamptz NOT NULL DEFAULT now())
                """)
        }
        let admin = AMQPConnection(configuration: amqp, name: "\(name)-admin", logger: .init(label: "bench"))
        for queue in queues { try? await admin.deleteQueue(queue) }
        let sink = AMQPConsumer(
            configuration: amqp, name: "\(name)-sink", queues: [queues.last!], prefetch: prefetch, topology: topology,
            logger: .init(label: "bench"))
        try await sink.start()
        let started = ContinuousClock.now
        let result = try await withThrowingTaskGroup(of: Histogram<UInt64>?.self) { group in
            group.addTask {
                try await self.source(); return nil
            }
            let queues = self.queues
            for index in 0..<queues.count - 1 {
                let stageRows = index < rowsPerStage.count ? rowsPerStage[index] : 0
                group.addTask {
                    try await self.stage(index + 1, from: queues[index], to: queues[index + 1], rows: stageRows, pool: pool); return nil
                }
            }
            group.addTask { try await self.drain(sink, progress: progress) }
            // Once the sink has every message the stages are cancelled; a stage cancelled inside a
            // commit or a confirm throws `CancellationError`, which is the end, not a failure.
            var histogram: Histogram<UInt64>?
            while true {
                do {
                    guard let next = try await group.next() else { break }
                    if let next {
                        histogram = next
                        group.cancelAll()
                    }
                } catch is CancellationError where histogram != nil {
                    continue
                }
            }
            guard let histogram else { throw BenchError("\(name) pipeline ended without its sink") }
            return histogram
        }
        let seconds = (ContinuousClock.now - started).seconds
        await sink.close()
        for queue in queues { try? await admin.deleteQueue(queue) }
        await admin.close()
        try? await pool.withConnection { try $0.execute("DROP TABLE IF EXISTS \(table)") }
        await pool.close()
        return Result(messages: count, seconds: seconds, latencies: result, hops: queues.count, rowsPerMessage: rowsPerStage.reduce(0, +))
    }

    /// Publishes `count` messages in confirmed windows, each stamped with its send time.
    private func source() async throws {
        let publisher = AMQPPublisher(configuration: amqp, name: "\(name)-source", topology: topology, logger: .init(label: "bench"))
        try await publisher.connect()
        var sent = 0
        while sent < count {
            let now = DispatchTime.now().uptimeNanoseconds
            let window = (sent..<min(sent + 500, count)).map { i in
                OutboundMessage(
                    exchange: exchange, routingKey: queues[0],
                    body: Array("\(now) bare-\(i) \(String(repeating: "诉", count: 100))".utf8),
                    messageId: "bare-\(i)")
            }
            guard try await publisher.publish(window).allSatisfy({ $0 == .confirmed }) else { throw BenchError("bare source refused") }
            sent += window.count
        }
        await publisher.close()
    }

    /// Consumes a batch, commits `rows` rows per message in one transaction (none: no commit),
    /// publishes it on with confirms, then acknowledges the batch: a service's hop without its logic.
    private func stage(_ number: Int, from: String, to: String, rows: Int, pool: PostgresPool) async throws {
        let consumer = AMQPConsumer(
            configuration: amqp, name: "\(name)-\(number)", queues: [from], prefetch: prefetch, topology: topology,
            logger: .init(label: "bench"))
        let publisher = AMQPPublisher(
            configuration: amqp, name: "\(name)-\(number)-out", topology: topology, logger: .init(label: "bench"))
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
            if rows > 0 {
                _ = try await pool.withConnection { connection in
                    try connection.transaction { connection in
                        try connection.query(
                            "INSERT INTO \(table) (stage, message_id) SELECT $1, m FROM unnest($2::text[]) AS m, generate_series(1, $3)",
                            [number, ids, rows])
                    }
                }
            }
            let out = batch.map { OutboundMessage(exchange: exchange, routingKey: to, body: $0.body, messageId: $0.messageId ?? "") }
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
                throw BenchError("\(name) pipeline stalled at \(arrived) of \(count)")
            }
            if ContinuousClock.now - lastPrint > .seconds(1) {
                lastPrint = .now
                progress("\(name) (\(queues.count) hops)  \(arrived)/\(count) at the last queue")
            }
        }
        return histogram
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
