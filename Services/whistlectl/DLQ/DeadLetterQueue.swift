import Foundation
import Logging
import WhistleAMQP
import WhistlePostgres
import WhistleReliability

/// The dead letters of `whistle.dead-letters`, as `whistlectl dlq` reads them: every message is
/// taken, then either kept (handed back to the queue), replayed or dropped, so that nothing is
/// lost when the command stops half-way.
final class DeadLetterQueue {
    struct Letter: Sendable {
        var delivery: Delivery
        /// The error the consuming service recorded in `message_failures`, when it did.
        var error: String?
        var consumer: String?
        var deliveries: Int?
    }

    private let consumer: AMQPConsumer
    private var held: [Delivery] = []

    init(configuration: AMQPConfiguration, logger: Logger) {
        consumer = AMQPConsumer(
            configuration: configuration, name: "whistlectl-dlq", queues: [WhistleTopology.deadLetterQueue], prefetch: 1000,
            topology: Topology(exchanges: WhistleTopology.exchanges, queues: WhistleTopology.base.queues),
            reconnectPolicy: ReconnectPolicy(maxAttempts: 3), logger: logger)
    }

    /// Takes up to `limit` dead letters (waiting `quietMilliseconds` for more), each held until
    /// `keep`, `done` or `close`.
    func take(limit: Int, quietMilliseconds: Int = 700) async throws -> [Delivery] {
        try await consumer.start()
        var taken: [Delivery] = []
        while taken.count < limit {
            let batch = try await consumer.nextBatch(max: min(1000, limit - taken.count), waitMilliseconds: quietMilliseconds)
            if batch.isEmpty { break }
            taken += batch
        }
        held += taken
        return taken
    }

    /// The recorded reasons of these letters (`message_failures`), by message id and routing key.
    static func explain(_ deliveries: [Delivery], pool: PostgresPool) async throws -> [Letter] {
        let ids = deliveries.compactMap(\.messageId)
        let found: [String: (String, String, Int)] = try await pool.withConnection { connection in
            var out: [String: (String, String, Int)] = [:]
            guard !ids.isEmpty else { return out }
            for row in try connection.query(
                """
                SELECT routing_key, message_id, consumer, error, deliveries FROM message_failures
                WHERE message_id = ANY($1::text[]) ORDER BY failed_at
                """, [ids])
            {
                let key = "\(try row.decode(0, as: String.self))|\(try row.decode(1, as: String.self))"
                out[key] = (try row.decode(2), try row.decode(3), try row.decode(4, as: Int.self))
            }
            return out
        }
        return deliveries.map { delivery in
            let reason = found["\(delivery.routingKey)|\(delivery.messageId ?? "")"]
            return Letter(delivery: delivery, error: reason?.1, consumer: reason?.0, deliveries: reason?.2)
        }
    }

    /// Hands a letter back to the queue.
    func keep(_ delivery: Delivery) async throws {
        try await consumer.nack(delivery, requeue: true)
        held.removeAll { $0.deliveryTag == delivery.deliveryTag }
    }

    /// Removes a letter from the queue (after it was replayed, or to drop it).
    func done(_ delivery: Delivery) async throws {
        try await consumer.ack(delivery)
        held.removeAll { $0.deliveryTag == delivery.deliveryTag }
    }

    /// Hands back every letter still held, and disconnects.
    func close() async {
        for delivery in held { try? await consumer.nack(delivery, requeue: true) }
        held = []
        await consumer.close()
    }

    /// The message to publish again: the original exchange, routing key, id and type.
    static func replay(_ delivery: Delivery) -> OutboundMessage? {
        guard let exchange = delivery.deadLetter?.exchange, !exchange.isEmpty else { return nil }
        return OutboundMessage(
            exchange: exchange, routingKey: delivery.routingKey, body: delivery.body, messageId: delivery.messageId ?? UUID().uuidString,
            type: delivery.type, contentType: delivery.contentType ?? "application/json", mandatory: true)
    }
}
