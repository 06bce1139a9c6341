import Foundation
import Logging

/// Consumes one or more queues with a prefetch window and manual acknowledgement, in batches.
///
/// `nextBatch` waits for a first delivery, then gathers whatever else arrives within a short
/// linger, up to `max`. After a broker restart or a dropped connection it reconnects with
/// backoff, declares the topology, sets the prefetch and consumes again; deliveries of the old
/// connection carry an older `generation` and are not acknowledged (the broker redelivers them).
public final class AMQPConsumer: @unchecked Sendable {
    private let connection: AMQPConnection
    private let logger: Logger
    private let reconnectPolicy: ReconnectPolicy

    public init(
        configuration: AMQPConfiguration, name: String, queues: [String], prefetch: Int, topology: Topology,
        reconnectPolicy: ReconnectPolicy = ReconnectPolicy(), logger: Logger
    ) {
        self.logger = logger
        self.reconnectPolicy = reconnectPolicy
        self.connection = AMQPConnection(configuration: configuration, name: name, logger: logger) { handle in
            try topology.declare(on: handle)
            try handle.qos(prefetch: prefetch)
            for queue in queues { _ = try handle.consume(queue: queue) }
        }
    }

    /// True while the broker connection is up.
    public var isConnected: Bool { connection.isConnected }

    /// Connects (declaring and consuming) without waiting for a message.
    public func start() async throws {
        try await connection.withHandle { _, _ in }
    }

    /// The next batch of deliveries; empty when nothing arrived within `waitMilliseconds`.
    /// Connection failures are retried with backoff until the task is cancelled.
    public func nextBatch(max: Int, waitMilliseconds: Int = 250, lingerMilliseconds: Int = 5) async throws -> [Delivery] {
        var policy = reconnectPolicy
        while true {
            try Task.checkCancellation()
            do {
                let batch = try await connection.withHandle { handle, generation in
                    try Self.gather(from: handle, generation: generation, max: max, wait: waitMilliseconds, linger: lingerMilliseconds)
                }
                return batch
            } catch let error as AMQPError where error.requiresReconnect {
                guard let delay = policy.failed() else { throw error }
                logger.warning("AMQP consume failed; reconnecting", metadata: ["error": "\(error)", "retry.ms": "\(delay)"])
                try await Task.sleep(for: .milliseconds(delay))
            }
        }
    }

    /// Acknowledges `delivery` and every earlier delivery of the same connection.
    public func ack(through delivery: Delivery) async throws {
        try await connection.withHandle { handle, generation in
            guard generation == delivery.generation else { return }
            try handle.ack(delivery.deliveryTag, multiple: true)
        }
    }

    /// Acknowledges one delivery.
    public func ack(_ delivery: Delivery) async throws {
        try await connection.withHandle { handle, generation in
            guard generation == delivery.generation else { return }
            try handle.ack(delivery.deliveryTag, multiple: false)
        }
    }

    /// Rejects one delivery; with `requeue` it comes back (counted against the delivery limit),
    /// without it the queue dead-letters it.
    public func nack(_ delivery: Delivery, requeue: Bool) async throws {
        try await connection.withHandle { handle, generation in
            guard generation == delivery.generation else { return }
            try handle.nack(delivery.deliveryTag, multiple: false, requeue: requeue)
        }
    }

    /// Sends a heartbeat while the owner is busy elsewhere (e.g. waiting for the database).
    public func keepAlive() async { await connection.keepAlive() }

    /// Closes the connection; unacknowledged deliveries return to their queues.
    public func close() async { await connection.close() }

    private static func gather(from handle: AMQPHandle, generation: UInt64, max: Int, wait: Int, linger: Int) throws -> [Delivery] {
        guard let first = try handle.nextDelivery(timeoutMilliseconds: wait, generation: generation) else { return [] }
        var batch = [first]
        let deadline = Date().addingTimeInterval(Double(linger) / 1000)
        while batch.count < max {
            let remaining = Swift.max(0, Int(deadline.timeIntervalSinceNow * 1000))
            guard let next = try handle.nextDelivery(timeoutMilliseconds: remaining, generation: generation) else { break }
            batch.append(next)
        }
        return batch
    }
}
