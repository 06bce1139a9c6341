import Foundation
import Logging
import Metrics
import ServiceLifecycle
import WhistleAMQP
import WhistlePostgres

/// Publishes the outbox with publisher confirms and deletes what the broker confirmed.
///
/// Rows are claimed with a short lease (`FOR UPDATE SKIP LOCKED`), so several relays share one
/// outbox; a relay that dies mid-batch leaves its rows to be claimed again when the lease ends.
/// A message published twice that way is deduplicated by its receiver's inbox.
public final class OutboxRelay: Service, @unchecked Sendable {
    private let pool: PostgresPool
    private let publisher: AMQPPublisher
    private let signal: OutboxSignal
    private let batchSize: Int
    private let leaseSeconds: Int
    private let logger: Logger
    private let published = Counter(label: "whistle_outbox_published_total")
    private let failures = Counter(label: "whistle_outbox_failures_total")

    public init(pool: PostgresPool, publisher: AMQPPublisher, signal: OutboxSignal, batchSize: Int = 500, leaseSeconds: Int = 5, logger: Logger) {
        self.pool = pool
        self.publisher = publisher
        self.signal = signal
        self.batchSize = batchSize
        self.leaseSeconds = leaseSeconds
        self.logger = logger
    }

    public func run() async throws {
        var policy = ReconnectPolicy(initialDelayMilliseconds: 50, maxDelayMilliseconds: 2000)
        var lastActivity = ContinuousClock.now
        try? await publisher.connect()
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
                await signal.wait(milliseconds: 100)
            } catch {
                failures.increment()
                let delay = policy.failed() ?? 2000
                logger.warning("outbox relay failed; retrying", metadata: ["error": "\(error)", "retry.ms": "\(delay)"])
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
        // Drain what the last batches committed before stopping.
        _ = try? await relayOnce()
        await publisher.close()
    }

    /// Claims, publishes and deletes one batch; returns how many messages were published.
    @discardableResult
    public func relayOnce() async throws -> Int {
        let batch = batchSize
        let lease = leaseSeconds
        let rows = try await pool.withConnection { connection in
            let result = try connection.query(
                """
                UPDATE outbox SET claimed_until = now() + make_interval(secs => $2)
                WHERE id IN (
                    SELECT id FROM outbox WHERE claimed_until IS NULL OR claimed_until < now()
                    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
                RETURNING id, exchange, routing_key, message_id, type, body, mandatory
                """, [batch, lease])
            return try result.map { row in
                (
                    id: try row.decode(0, as: Int64.self),
                    message: OutboundMessage(
                        exchange: try row.decode(1), routingKey: try row.decode(2), body: Array(try row.decode(5, as: String.self).utf8),
                        messageId: try row.decode(3), type: try row.decodeIfPresent(4, as: String.self), mandatory: try row.decode(6))
                )
            }.sorted { $0.id < $1.id }
        }
        guard !rows.isEmpty else { return 0 }
        let outcomes: [PublishOutcome]
        do {
            outcomes = try await publisher.publish(rows.map(\.message), timeout: .seconds(5))
        } catch {
            try? await release(rows.map(\.id))
            throw error
        }
        var done: [Int64] = []
        var retry: [Int64] = []
        for (row, outcome) in zip(rows, outcomes) {
            switch outcome {
            case .confirmed:
                done.append(row.id)
            case .returned:
                logger.error(
                    "message unroutable: no queue bound",
                    metadata: ["message.id": "\(row.message.messageId)", "exchange": "\(row.message.exchange)", "routing.key": "\(row.message.routingKey)"])
                done.append(row.id)
            case .nacked:
                retry.append(row.id)
            }
        }
        let confirmed = done
        try await pool.withConnection { connection in
            _ = try connection.query("DELETE FROM outbox WHERE id = ANY($1::int8[])", [confirmed])
        }
        if !retry.isEmpty { try? await release(retry) }
        published.increment(by: Int64(confirmed.count))
        return confirmed.count
    }

    private func release(_ ids: [Int64]) async throws {
        try await pool.withConnection { connection in
            _ = try connection.query("UPDATE outbox SET claimed_until = NULL WHERE id = ANY($1::int8[])", [ids])
        }
    }
}
