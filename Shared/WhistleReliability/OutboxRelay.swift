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
///
/// The relay does not poll. It wakes when a transaction of its own service commits outbox rows
/// (the in-process `OutboxSignal`), when a commit of another instance notifies the outbox's
/// channel (`PostgresListener` on `Outbox.channel`, one notification per transaction), when the
/// earliest `not_before` of a held-back row passes, and otherwise only for a safety sweep every
/// `sweepInterval` (which also keeps the publisher's broker connection alive).
public final class OutboxRelay: Service, @unchecked Sendable {
    private let pool: PostgresPool
    private let publisher: AMQPPublisher
    private let signal: OutboxSignal
    private let outbox: Outbox
    private let batchSize: Int
    private let sweepInterval: Duration
    private let listens: Bool
    private let logger: Logger
    private let published = Counter(label: "whistle_outbox_published_total")
    private let failures = Counter(label: "whistle_outbox_failures_total")

    /// - Parameter sweepInterval: the longest sleep without a signal (default 10 s): it catches
    ///   rows a lost notification did not announce. It is capped at half the broker heartbeat, so
    ///   that the idle publisher connection stays alive.
    /// - Parameter listen: whether to `LISTEN` for other instances' commits (default true).
    public init(
        pool: PostgresPool, publisher: AMQPPublisher, outbox: Outbox, signal: OutboxSignal, batchSize: Int = 500,
        sweepInterval: Duration = .seconds(10), listen: Bool = true, logger: Logger
    ) {
        self.pool = pool
        self.publisher = publisher
        self.outbox = outbox
        self.signal = signal
        self.batchSize = batchSize
        let heartbeat = publisher.heartbeatSeconds
        self.sweepInterval = heartbeat > 0 ? min(sweepInterval, .milliseconds(heartbeat * 500)) : sweepInterval
        self.listens = listen
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await publisher.connect()
        } catch {
            // Not fatal: each batch's publish reconnects, and a failure is retried with backoff.
            logger.warning("outbox relay could not connect yet; retrying", metadata: ["error": "\(error)"])
        }
        let listener = try startListener()
        await withTaskGroup(of: Void.self) { group in
            if let listener { group.addTask { await listener.run() } }
            await relayUntilShutdown()
            listener?.stop()
        }
        // Drain what the last batches committed before stopping.
        while let count = try? await relayOnce(), count > 0 {}
        await publisher.close()
    }

    /// The listener that turns other instances' notifications (and each new `LISTEN` after a
    /// lost connection) into a signal; nil when the relay does not listen.
    private func startListener() throws -> PostgresListener? {
        guard listens else { return nil }
        let signal = signal
        return try PostgresListener(configuration: pool.configuration, channels: [outbox.channel], logger: logger) { event in
            switch event {
            case .listening, .notification: signal.notify()
            case .disconnected: break  // logged by the listener; the sweep covers the gap
            }
        }
    }

    private func relayUntilShutdown() async {
        var policy = ReconnectPolicy(initialDelayMilliseconds: 50, maxDelayMilliseconds: 2000)
        var lastActivity = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var sleep = sweepInterval
            do {
                switch try await relayBatch() {
                case .published(let count):
                    policy.connected()
                    lastActivity = .now
                    if count > 0 { continue }
                    sleep = .milliseconds(100)  // rows, none confirmed (nacked): try again shortly
                case .idle(let due):
                    policy.connected()
                    if let due { sleep = min(sleep, max(due, .milliseconds(1))) }
                }
                if ContinuousClock.now - lastActivity >= .seconds(5) {
                    await publisher.keepAlive()
                    lastActivity = .now
                }
            } catch {
                failures.increment()
                let delay = policy.failed() ?? 2000
                logger.warning("outbox relay failed; retrying", metadata: ["error": "\(error)", "retry.ms": "\(delay)"])
                sleep = .milliseconds(delay)
            }
            let milliseconds = Int(sleep.components.seconds * 1000 + sleep.components.attoseconds / 1_000_000_000_000_000)
            let signal = signal
            // Graceful shutdown (or cancellation) ends the sleep at once; the loop's condition then ends the loop.
            await cancelWhenGracefulShutdown { await signal.wait(milliseconds: max(1, milliseconds)) }
        }
    }

    /// Publishes one batch; returns how many messages the broker confirmed.
    @discardableResult
    public func relayOnce() async throws -> Int {
        switch try await relayBatch() {
        case .published(let count): return count
        case .idle: return 0
        }
    }

    /// What one batch found.
    enum BatchOutcome {
        /// Rows were published; this many were confirmed.
        case published(Int)
        /// Nothing to publish now; a held-back row becomes due after the duration, if any.
        case idle(Duration?)
    }

    /// Publishes one batch, or finds when the earliest held-back row becomes due.
    func relayBatch() async throws -> BatchOutcome {
        let batch = batchSize
        let name = outbox.publisher
        return try await pool.withSession { session in
            let (rows, due) = try await session.run { connection in
                try connection.execute("BEGIN")
                let rows = try Self.lock(connection, publisher: name, limit: batch)
                var due: Duration?
                if rows.isEmpty {
                    due = try Self.nextHeldBack(connection, publisher: name)
                    try connection.execute("COMMIT")
                }
                return (rows, due)
            }
            guard !rows.isEmpty else { return .idle(due) }
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
                return .published(confirmed.count)
            } catch {
                _ = try? await session.run { connection in try connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// How long until the earliest row of `publisher` held back by `not_before` becomes due; nil
    /// when none is held back.
    private static func nextHeldBack(_ connection: PostgresConnection, publisher: String) throws -> Duration? {
        let rows = try connection.query(
            """
            SELECT ceil(extract(epoch FROM min(not_before) - now()) * 1000)::int8 FROM outbox
            WHERE publisher = $1 AND not_before > now()
            """, [publisher])
        guard let milliseconds = try rows.first?.decodeIfPresent(0, as: Int64.self) else { return nil }
        return .milliseconds(max(1, milliseconds))
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
