import Foundation
import Logging

/// Publishes persistent messages with streamed publisher confirms.
///
/// `publish` sends a whole batch without waiting, then reads `basic.ack`/`basic.nack` frames
/// (with `multiple`) until every message is settled. When the connection fails mid-batch it
/// reconnects with backoff (declaring the topology again) and resends what was not confirmed;
/// receivers deduplicate on `message_id`, so a resend is harmless.
public final class AMQPPublisher: @unchecked Sendable {
    private let connection: AMQPConnection
    private let logger: Logger
    private let reconnectPolicy: ReconnectPolicy
    // Confined to the connection's thread: tags continue across batches on one channel.
    private var tracker = ConfirmTracker<Int>()
    private var trackerGeneration: UInt64 = 0

    public init(
        configuration: AMQPConfiguration, name: String, topology: Topology = Topology(),
        reconnectPolicy: ReconnectPolicy = ReconnectPolicy(), logger: Logger
    ) {
        self.logger = logger
        self.reconnectPolicy = reconnectPolicy
        self.connection = AMQPConnection(configuration: configuration, name: name, logger: logger) { handle in
            try topology.declare(on: handle)
            try handle.confirmSelect()
        }
    }

    /// Connects now (declaring the topology) rather than on the first publish.
    public func connect() async throws {
        try await connection.withHandle { _, _ in }
    }

    /// True while the broker connection is up.
    public var isConnected: Bool { connection.isConnected }

    /// The heartbeat interval asked of the broker (0: none); an idle owner calls `keepAlive()`
    /// more often than that.
    public var heartbeatSeconds: Int { connection.configuration.heartbeatSeconds }

    /// Publishes every message and waits until the broker has settled each one, reconnecting
    /// and resending as needed until `timeout` has passed. The outcomes are in input order.
    public func publish(_ messages: [OutboundMessage], timeout: Duration = .seconds(30)) async throws -> [PublishOutcome] {
        guard !messages.isEmpty else { return [] }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var outcomes = [PublishOutcome?](repeating: nil, count: messages.count)
        var pending = Array(messages.indices)
        var policy = reconnectPolicy
        while !pending.isEmpty {
            try Task.checkCancellation()
            let remaining = deadline - clock.now
            let budget = max(1, Int(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            do {
                let indices = pending
                let settled = try await connection.withHandle { [self] handle, generation in
                    try publishAndConfirm(messages, indices: indices, on: handle, generation: generation, budgetMilliseconds: budget)
                }
                for (index, outcome) in settled { outcomes[index] = outcome }
                policy.connected()
                pending = pending.filter { outcomes[$0] == nil }
                if !pending.isEmpty, clock.now >= deadline {
                    throw AMQPError(.timeout, "\(pending.count) of \(messages.count) messages not confirmed in time")
                }
            } catch let error as AMQPError where error.requiresReconnect {
                guard clock.now < deadline, let delay = policy.failed() else { throw error }
                logger.warning(
                    "AMQP publish failed; retrying", metadata: ["error": "\(error)", "retry.ms": "\(delay)", "pending": "\(pending.count)"])
                try await Task.sleep(for: .milliseconds(min(delay, max(1, Int((deadline - clock.now).components.seconds * 1000)))))
            }
        }
        return outcomes.map { $0 ?? .nacked }
    }

    /// Sends a heartbeat while the owner is busy elsewhere (e.g. waiting for the database).
    public func keepAlive() async { await connection.keepAlive() }

    /// Closes the connection.
    public func close() async { await connection.close() }

    /// Runs on the connection's thread: publish, then read confirms until settled or out of time.
    private func publishAndConfirm(
        _ messages: [OutboundMessage], indices: [Int], on handle: AMQPHandle, generation: UInt64, budgetMilliseconds: Int
    ) throws -> [Int: PublishOutcome] {
        if trackerGeneration != generation {
            _ = tracker.connectionLost()
            trackerGeneration = generation
        }
        var settled: [Int: PublishOutcome] = [:]
        var returned = Set<String>()
        for index in indices {
            tracker.published(index)
            try handle.publish(messages[index])
        }
        let deadline = Date().addingTimeInterval(Double(budgetMilliseconds) / 1000)
        while tracker.outstandingCount > 0 {
            let wait = Int(deadline.timeIntervalSinceNow * 1000)
            guard wait > 0, let frame = try handle.nextConfirmFrame(timeoutMilliseconds: min(wait, 1000)) else {
                if Date() < deadline { continue }
                // Out of time: the tags of this channel are now ambiguous, so start a new one.
                handle.markBroken()
                throw AMQPError(.timeout, "publisher confirms did not arrive in time")
            }
            switch frame {
            case .ack(let tag, let multiple):
                for index in tracker.acked(tag, multiple: multiple) {
                    settled[index] = returned.contains(messages[index].messageId) ? .returned : .confirmed
                }
            case .nack(let tag, let multiple):
                for index in tracker.nacked(tag, multiple: multiple) { settled[index] = .nacked }
            case .returned(let messageId):
                if let messageId { returned.insert(messageId) }
            }
        }
        return settled
    }
}
