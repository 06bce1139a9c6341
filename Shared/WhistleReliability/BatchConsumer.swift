import Foundation
import Logging
import Metrics
import ServiceLifecycle
import WhistleAMQP
import WhistlePostgres

/// A consumer's work on one batch: apply the messages' effects and write what must be sent to
/// the outbox, all on the given connection inside the batch's transaction. Messages the inbox has
/// already seen are not passed in. Throwing rolls the whole batch back.
public protocol BatchHandler: Sendable {
    func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws
}

/// Consumes a queue in batches with exactly-once effects:
/// take a batch → one transaction (inbox, effects, outbox) → commit → ack `multiple`.
///
/// - The database down: the same batch is retried with backoff, unacknowledged, while heartbeats
///   keep the broker connection alive; nothing is returned to the queue, so a database outage
///   does not use up delivery attempts.
/// - A handler error: the batch is split and each message applied on its own; one that still
///   fails is rejected with requeue, counted by the quorum queue, and dead-lettered to
///   `whistle.dlx` at the delivery limit. The consumer goes on.
/// - A message its `screen` refuses (a sender the `user_id` rule does not allow) changes nothing:
///   the reason goes to `message_failures` and the message straight to `whistle.dlx`.
public final class BatchConsumer: Service, @unchecked Sendable {
    public let name: String
    private let consumer: AMQPConsumer
    private let pool: PostgresPool
    private let handler: any BatchHandler
    private let screen: Screen?
    private let signal: OutboxSignal?
    private let batchSize: Int
    private let logger: Logger
    private let consumed: Counter
    private let poison: Counter
    private let refused: Counter
    private let batchTimer: Metrics.Timer

    /// Why a message must not be applied at all (nil when it may be): it is dead-lettered at once.
    public typealias Screen = @Sendable (InboundMessage) -> String?

    /// - Parameter name: the inbox's consumer name (one per logical consumer, shared by instances).
    /// - Parameter screen: refuses messages before they reach `handler` (see the type's notes).
    public init(
        name: String, consumer: AMQPConsumer, pool: PostgresPool, handler: any BatchHandler, signal: OutboxSignal?,
        batchSize: Int, logger: Logger, screen: Screen? = nil
    ) {
        self.name = name
        self.consumer = consumer
        self.pool = pool
        self.handler = handler
        self.screen = screen
        self.signal = signal
        self.batchSize = batchSize
        self.logger = logger
        consumed = Counter(label: "whistle_messages_consumed_total", dimensions: [("consumer", name)])
        poison = Counter(label: "whistle_messages_rejected_total", dimensions: [("consumer", name)])
        refused = Counter(label: "whistle_messages_refused_total", dimensions: [("consumer", name)])
        batchTimer = Metrics.Timer(label: "whistle_batch_duration_seconds", dimensions: [("consumer", name)])
    }

    /// True while the broker connection is up.
    public var isConnected: Bool { consumer.isConnected }

    public func run() async throws {
        do {
            try await consumer.start()
        } catch {
            // Not fatal: `nextBatch` reconnects with backoff until the broker is back.
            logger.warning("consumer could not connect yet; retrying", metadata: ["consumer": "\(name)", "error": "\(error)"])
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let batch: [Delivery]
            do {
                // An idle consumer wakes once a second (a delivery returns at once): graceful
                // shutdown waits at most that long for the wait in rabbitmq-c to end.
                batch = try await consumer.nextBatch(max: batchSize, waitMilliseconds: 1000)
            } catch is CancellationError {
                break
            }
            guard !batch.isEmpty else { continue }
            let started = ContinuousClock.now
            await process(batch.map(InboundMessage.init))
            let took = (ContinuousClock.now - started).components
            batchTimer.recordNanoseconds(took.seconds * 1_000_000_000 + took.attoseconds / 1_000_000_000)
        }
        await consumer.close()
        logger.info("consumer stopped", metadata: ["consumer": "\(name)"])
    }

    /// Applies a batch in one transaction, then acknowledges it; see the type's notes on failure.
    func process(_ batch: [InboundMessage]) async {
        let messages = await admitted(batch)
        guard !messages.isEmpty else { return }
        switch await commit(messages) {
        case .done:
            consumed.increment(by: Int64(messages.count))
            await acknowledge { try await self.consumer.ack(through: messages[messages.count - 1].delivery) }
        case .abandoned:
            return
        case .failed(let error):
            guard messages.count > 1 else {
                await reject(messages[0], error: error)
                return
            }
            logger.warning("batch failed; applying its messages one by one", metadata: ["consumer": "\(name)", "error": "\(error)"])
            for message in messages {
                switch await commit([message]) {
                case .done:
                    consumed.increment()
                    await acknowledge { try await self.consumer.ack(message.delivery) }
                case .abandoned:
                    return
                case .failed(let error):
                    await reject(message, error: error)
                }
            }
        }
    }

    private enum CommitResult {
        case done
        /// Shutting down while the database was unreachable: leave the messages to the broker.
        case abandoned
        case failed(any Error)
    }

    /// One transaction: inbox, effects, outbox. Retries transient database failures.
    private func commit(_ messages: [InboundMessage]) async -> CommitResult {
        var policy = ReconnectPolicy(initialDelayMilliseconds: 50, maxDelayMilliseconds: 2000)
        var conflicts = 0
        let consumerName = name
        let handler = handler
        while true {
            do {
                try await pool.transaction { connection in
                    let fresh = try Inbox.claim(connection, consumer: consumerName, messageIds: messages.map(\.inboxKey))
                    var seen = Set<String>()
                    let unseen = messages.filter { fresh.contains($0.inboxKey) && seen.insert($0.inboxKey).inserted }
                    if !unseen.isEmpty { try handler.apply(unseen, on: connection) }
                }
                signal?.notify()
                return .done
            } catch let error as PostgresError where error.isConnectionLoss || error.code == .poolClosed {
                if Task.isShuttingDownGracefully || Task.isCancelled || error.code == .poolClosed { return .abandoned }
                let delay = policy.failed() ?? 2000
                logger.warning(
                    "database unavailable; retrying batch", metadata: ["consumer": "\(name)", "error": "\(error)", "retry.ms": "\(delay)"])
                await consumer.keepAlive()
                try? await Task.sleep(for: .milliseconds(delay))
            } catch let error as PostgresError where (error.isUniqueViolation || error.isSerializationFailure) && conflicts < 3 {
                // A concurrent instance committed the same key first: the retry sees its row.
                conflicts += 1
                logger.debug("transaction conflict; retrying", metadata: ["consumer": "\(name)", "error": "\(error)"])
            } catch {
                return .failed(error)
            }
        }
    }

    private func reject(_ message: InboundMessage, error: any Error) async {
        poison.increment()
        await recordFailure(message, error: error)
        logger.error(
            "message failed; returned to the queue (dead-lettered at the delivery limit)",
            metadata: [
                "consumer": "\(name)", "message.id": "\(message.messageId)", "routing.key": "\(message.routingKey)",
                "delivery.count": "\(message.delivery.deliveryCount)", "error": "\(error)",
            ])
        await acknowledge { try await self.consumer.nack(message.delivery, requeue: true) }
    }

    /// The messages the screen lets through; the others are refused on the way.
    private func admitted(_ batch: [InboundMessage]) async -> [InboundMessage] {
        guard let screen else { return batch }
        var admitted: [InboundMessage] = []
        for message in batch {
            if let reason = screen(message) { await refuse(message, reason: reason) } else { admitted.append(message) }
        }
        return admitted
    }

    /// Dead-letters a message the screen refused, with the reason recorded first.
    private func refuse(_ message: InboundMessage, reason: String) async {
        refused.increment()
        await recordFailure(message, error: SenderRefused(reason: reason))
        logger.warning(
            "message refused; dead-lettered",
            metadata: [
                "consumer": "\(name)", "message.id": "\(message.messageId)", "routing.key": "\(message.routingKey)",
                "user.id": "\(message.delivery.userId ?? "")", "reason": "\(reason)",
            ])
        await acknowledge { try await self.consumer.nack(message.delivery, requeue: false) }
    }

    /// Keeps the error in `message_failures` (best effort: a database that is down only costs
    /// the reason, never the message), so that the dead letter can be explained later.
    private func recordFailure(_ message: InboundMessage, error: any Error) async {
        let consumerName = name
        let text = String(describing: error).prefix(2000)
        do {
            _ = try await pool.withConnection { connection in
                try connection.query(
                    """
                    INSERT INTO message_failures (consumer, routing_key, message_id, error, deliveries)
                    VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (consumer, routing_key, message_id)
                    DO UPDATE SET error = EXCLUDED.error, deliveries = EXCLUDED.deliveries, failed_at = now()
                    """, [consumerName, message.routingKey, message.messageId, String(text), message.delivery.deliveryCount + 1])
            }
        } catch {
            logger.warning("could not record why a message failed", metadata: ["consumer": "\(name)", "error": "\(error)"])
        }
    }

    private func acknowledge(_ action: @escaping @Sendable () async throws -> Void) async {
        do {
            try await action()
        } catch {
            // The connection dropped: the broker redelivers, and the inbox makes that harmless.
            logger.warning("ack failed; the broker will redeliver", metadata: ["consumer": "\(name)", "error": "\(error)"])
        }
    }
}

/// A message refused by a consumer's screen: its sender may not send it.
struct SenderRefused: Error, CustomStringConvertible {
    let reason: String
    var description: String { "refused: \(reason)" }
}
