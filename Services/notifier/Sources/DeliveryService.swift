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
final class DeliveryService: Service, @unchecked Sendable {
    private let pool: PostgresPool
    private let configuration: NotifierConfiguration
    private let client: WebhookClient
    private let outbox: Outbox
    private let signal: OutboxSignal
    private let alerts: FailureAlerts
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let sent = Counter(label: "whistle_notifications_sent_total")
    private let failed = Counter(label: "whistle_notifications_failed_total")
    private let retried = Counter(label: "whistle_notifications_retried_total")

    init(
        pool: PostgresPool, configuration: NotifierConfiguration, outbox: Outbox, signal: OutboxSignal, alerts: FailureAlerts,
        clock: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.pool = pool
        self.configuration = configuration
        client = WebhookClient(secrets: configuration.secrets, timeout: Double(configuration.timeoutMilliseconds) / 1000)
        self.outbox = outbox
        self.signal = signal
        self.alerts = alerts
        self.clock = clock
        self.logger = logger
    }

    func run() async throws {
        await PeriodicWork(interval: .milliseconds(200), failure: "delivering notifications failed; retrying", logger: logger).run {
            try await deliverDue() >= configuration.concurrency ? .runAgain : .pause
        }
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
            var events: [OutboundMessage] = []
            for (item, error) in outcomes {
                let outcome = NotificationOutcome(
                    notificationId: item.body.notificationId, audience: item.body.audience.rawValue, template: item.body.template,
                    eventId: item.eventId, attempts: item.attempts, error: error)
                if error == nil {
                    _ = try connection.query(
                        "UPDATE notifications SET status = 'sent', sent_at = $2, last_error = NULL WHERE id = $1 AND status = 'sending'",
                        [item.id, now])
                    events.append(
                        try Outbox.event(
                            EventEnvelope(type: .notificationSent, occurredAt: now, ticketNo: item.body.ticketNo, data: outcome)))
                } else if item.attempts < configuration.maxAttempts {
                    let due = now.addingTimeInterval(
                        Backoff.delay(attempt: item.attempts, baseMilliseconds: configuration.backoffMilliseconds))
                    _ = try connection.query(
                        "UPDATE notifications SET status = 'pending', next_attempt_at = $2, last_error = $3 WHERE id = $1 AND status = 'sending'",
                        [item.id, due, error])
                } else {
                    _ = try connection.query(
                        "UPDATE notifications SET status = 'failed', last_error = $2 WHERE id = $1 AND status = 'sending'",
                        [item.id, error])
                    events.append(
                        try Outbox.event(
                            EventEnvelope(type: .notificationFailed, occurredAt: now, ticketNo: item.body.ticketNo, data: outcome)))
                    try alerts.raise(for: item, on: connection, now: now)
                }
            }
            try outbox.enqueue(connection, events)
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
