import Foundation
import Logging
import Metrics
import ServiceLifecycle
import WhistleAMQP
import WhistlePostgres

/// Publishes one service's outbox with publisher confirms and deletes what the broker confirmed.
///
/// One transaction per batch: lock up to `batchSize` rows (`FOR UPDATE SKIP LOCKED`, so that
/// instances of the service share the outbox), publish them, delete the confirmed ones, commit.
/// A relay that dies mid-batch drops its connection and with it the locks: another relay (or
/// this one, restarted) publishes those rows again at once, and receivers deduplicate.
public final class OutboxRelay: Service, @unchecked Sendable {
    private let pool: PostgresPool
    private let publisher: AMQPPublisher
    private let signal: OutboxSignal
    private let outbox: Outbox
    private let batchSize: Int
    private let logger: Logger
    private let published = Counter(label: "whistle_outbox_published_total")
    private let failures = Counter(label: "whistle_outbox_failures_total")

    public init(pool: PostgresPool, publisher: AMQPPublisher, outbox: Outbox, signal: OutboxSignal, batchSize: Int = 500, logger: Logger) {
        self.pool = pool
        self.publisher = publisher
        self.outbox = outbox
        self.signal = signal
        self.batchSize = batchSize
        self.logger = logger
    }

    public func run() async throws {
        var policy = ReconnectPolicy(initialDelayMilliseconds: 50, maxDelayMilliseconds: 2000)
        var lastActivity = ContinuousClock.now
        do {
            try await publisher.connect()
        } catch {
            // Not fatal: each batch's publish reconnects, and a failure is retried with backoff.
            logger.warning("outbox relay could not connect yet; retrying", metadata: ["error": "\(error)"])
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let count = try await relayOnce()
                policy.connected()
                if count > 0 {
                    lastActivity = .now
                    continue
                }
                if ContinuousClock.now - lastActivity > .seconds(5) {
                    await publisher.keepAlive()
                    lastActivity = .now
                }
                // Woken by the signal when a transaction wrote to the outbox; the 100 ms timeout
                // is the fallback sweep (rows of other instances, rows whose `not_before` passed).
                await signal.wait(milliseconds: 100)
            } catch {
                failures.increment()
                let delay = policy.failed() ?? 2000
                logger.warning("outbox relay failed; retrying", metadata: ["error": "\(error)", "retry.ms": "\(delay)"])
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
        // Drain what the last batches committed before stopping.
        while let count = try? await relayOnce(), count > 0 {}
        await publisher.close()
    }

    /// Publishes one batch; returns how many messages the broker confirmed.
    @discardableResult
    public func relayOnce() async throws -> Int {
        let batch = batchSize
        let name = outbox.publisher
        return try await pool.withSession { session in
            let rows = try await session.run { connection in
                try connection.execute("BEGIN")
                let rows = try Self.lock(connection, publisher: name, limit: batch)
                if rows.isEmpty { try connection.execute("COMMIT") }
                return rows
            }
            guard !rows.isEmpty else { return 0 }
            do {
                let outcomes = try await publisher.publish(rows.map(\.message), timeout: .seconds(5))
                var done: [Int64] = []
                var returned: [Int64] = []
                for (row, outcome) in zip(rows, outcomes) {
                    switch outcome {
                    case .confirmed:
                        done.append(row.id)
                    case .returned:
                        logger.error(
                            "message unroutable: no queue bound; kept in the outbox and tried again in 5 s",
                            metadata: [
                                "message.id": "\(row.message.messageId)", "exchange": "\(row.message.exchange)",
                                "routing.key": "\(row.message.routingKey)",
                            ])
                        returned.append(row.id)
                    case .nacked:
                        break  // stays in the outbox for the next batch
                    }
                }
                let confirmed = done
                let unroutable = returned
                try await session.run { connection in
                    _ = try connection.query("DELETE FROM outbox WHERE id = ANY($1::int8[])", [confirmed])
                    if !unroutable.isEmpty {
                        _ = try connection.query(
                            "UPDATE outbox SET not_before = now() + interval '5 seconds' WHERE id = ANY($1::int8[])", [unroutable])
                    }
                    try connection.execute("COMMIT")
                }
                published.increment(by: Int64(confirmed.count))
                return confirmed.count
            } catch {
                _ = try? await session.run { connection in try connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// The oldest rows of `publisher` not locked by another relay. Ordered by (publisher, id), the
    /// order of `outbox_publisher_idx`: ordered by id alone, the planner walked the primary key
    /// through every publisher's rows and the dead ones (6 ms a poll under load).
    private static func lock(
        _ connection: PostgresConnection, publisher: String, limit: Int
    ) throws -> [(id: Int64, message: OutboundMessage)] {
        let result = try connection.query(
            """
            SELECT id, exchange, routing_key, message_id, type, body, mandatory FROM outbox
            WHERE publisher = $1 AND (not_before IS NULL OR not_before <= now())
            ORDER BY publisher, id LIMIT $2 FOR UPDATE SKIP LOCKED
            """, [publisher, limit])
        return try result.map { row in
            (
                id: try row.decode(0, as: Int64.self),
                message: OutboundMessage(
                    exchange: try row.decode(1), routingKey: try row.decode(2), body: Array(try row.decode(5, as: String.self).utf8),
                    messageId: try row.decode(3), type: try row.decodeIfPresent(4, as: String.self), mandatory: try row.decode(6))
            )
        }
    }
}
