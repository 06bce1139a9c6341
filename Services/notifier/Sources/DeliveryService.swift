import Foundation
import Logging
import Metrics
import ServiceLifecycle
import WhistleAMQP
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Delivers stored notifications: claims due ones (`FOR UPDATE SKIP LOCKED`, so instances share
/// them; a claim is a lease, so a crashed notifier's claims come back), POSTs them concurrently,
/// and records each outcome: sent (never sent again), or retried with exponential backoff and
/// jitter, or — after the last attempt — failed, with `notification.failed` and an alert to the
/// supervisor. The state lives in the database: a receiver down for minutes or a restart loses
/// nothing.
///
/// It does not poll: after a round it sleeps until the earliest `next_attempt_at` of a pending
/// (or claimed) notification, at most `longestSleep`, and `wake` ends the sleep when this
/// service commits new notifications. Graceful shutdown ends the sleep at once.
final class DeliveryService: Service, @unchecked Sendable {
    private let pool: PostgresPool
    private let configuration: NotifierConfiguration
    private let client: WebhookClient
    private let outbox: Outbox
    private let signal: OutboxSignal
    private let wake: OutboxSignal
    private let longestSleep: Duration
    private let alerts: FailureAlerts
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let sent = Counter(label: "whistle_notifications_sent_total")
    private let failed = Counter(label: "whistle_notifications_failed_total")
    private let retried = Counter(label: "whistle_notifications_retried_total")

    init(
        pool: PostgresPool, configuration: NotifierConfiguration, outbox: Outbox, signal: OutboxSignal, wake: OutboxSignal,
        longestSleep: Duration, alerts: FailureAlerts, clock: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.pool = pool
        self.configuration = configuration
        client = WebhookClient(secrets: configuration.secrets, timeout: Double(configuration.timeoutMilliseconds) / 1000)
        self.outbox = outbox
        self.signal = signal
        self.wake = wake
        self.longestSleep = longestSleep
        self.alerts = alerts
        self.clock = clock
        self.logger = logger
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var sleep = longestSleep
            do {
                if try await deliverDue() >= configuration.concurrency { continue }
                if let due = try await untilNextDue() { sleep = min(sleep, due) }
            } catch {
                logger.warning("delivering notifications failed; retrying", metadata: ["error": "\(error)"])
                sleep = min(sleep, .seconds(1))
            }
            let milliseconds = Int(sleep.components.seconds * 1000 + sleep.components.attoseconds / 1_000_000_000_000_000)
            let wake = wake
            // Graceful shutdown (or cancellation) ends the sleep at once; the loop's condition then ends the loop.
            await cancelWhenGracefulShutdown { await wake.wait(milliseconds: max(20, milliseconds)) }
        }
    }

    /// How long until the earliest pending (or claimed, whose lease may run out) notification is
    /// due by the service's clock, through `notifications_due_idx`; nil when none is waiting.
    private func untilNextDue() async throws -> Duration? {
        let due = try await pool.withConnection { connection -> Date? in
            try connection.query("SELECT min(next_attempt_at) FROM notifications WHERE status IN ('pending', 'sending')")
                .first?.decodeIfPresent(0, as: Date.self)
        }
        guard let due else { return nil }
        return .milliseconds(Int(max(0, due.timeIntervalSince(clock()) * 1000).rounded(.up)))
    }

    /// One round: claim, deliver, record. Returns how many were attempted.
    func deliverDue() async throws -> Int {
        let now = clock()
        let lease = now.addingTimeInterval(Double(configuration.timeoutMilliseconds) / 1000 + 30)
        let limit = configuration.concurrency
        let claimed = try await pool.transaction { connection in
            try ClaimedNotification.claim(connection, now: now, lease: lease, limit: limit)
        }
        guard !claimed.isEmpty else { return 0 }
        let client = client
        let endpoints = configuration.endpoints
        let outcomes = await withTaskGroup(of: (ClaimedNotification, String?).self) { group in
            for item in claimed {
                group.addTask {
                    guard let endpoint = endpoints[item.body.audience] else { return (item, "no endpoint configured") }
                    return (item, await client.deliver(item.body, to: endpoint))
                }
            }
            var all: [(ClaimedNotification, String?)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        try await record(outcomes)
        return claimed.count
    }

    private func record(_ outcomes: [(ClaimedNotification, String?)]) async throws {
        let now = clock()
        let configuration = configuration
        let outbox = outbox
        let alerts = alerts
        try await pool.transaction { connection in
            // One statement for the whole round (DeliveryOutcomes), one for the alerts, one for the outbox.
            var round = DeliveryOutcomes(
                now: now, maxAttempts: configuration.maxAttempts, backoffMilliseconds: configuration.backoffMilliseconds)
            for (item, error) in outcomes { try round.add(item, error: error) }
            try round.update(connection)
            try alerts.raise(for: round.failed, on: connection, now: now)
            try outbox.enqueue(connection, round.events)
        }
        signal.notify()
        for (item, error) in outcomes {
            let metadata: Logger.Metadata = [
                "notification.id": "\(item.body.notificationId)", "ticket.no": "\(item.body.ticketNo ?? "")",
                "audience": "\(item.body.audience.rawValue)", "template": "\(item.body.template)", "attempt": "\(item.attempts)",
            ]
            if let error {
                (item.attempts < configuration.maxAttempts ? retried : failed).increment()
                logger.warning("notification not delivered", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            } else {
                sent.increment()
                logger.debug("notification delivered", metadata: metadata)
            }
        }
    }
}

/// Exponential backoff with full jitter: attempt n waits a random time up to base × 2^(n−1),
/// at most 10 minutes, at least a tenth of that bound.
enum Backoff {
    static func delay(attempt: Int, baseMilliseconds: Int) -> TimeInterval {
        let bound = min(600_000.0, Double(baseMilliseconds) * pow(2, Double(max(0, attempt - 1))))
        return Double.random(in: (bound / 10)...bound) / 1000
    }
}
