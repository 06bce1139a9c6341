import Foundation
import Logging
import Metrics
import ServiceLifecycle
import WhistleDomain
import WhistlePostgres
import WhistleReliability

/// Retention of raw bodies and identities (`WHISTLE_RAW_BODY_DAYS`, `RetentionPolicy`): every
/// `interval`, clears the demands that are due — their ticket closed (or rejected) longer ago
/// than the policy's days and they arrived before that too, or they opened no ticket and are that
/// old — at most `batchSize` per transaction, until none is left. A demand is cleared by setting
/// its raw body and normalized form to NULL, deleting its `demand_reporters` row and stamping
/// `identity_cleared_at`; the ticket, its timeline and its figures stay.
///
/// The pass is set-based and takes its demands `FOR UPDATE SKIP LOCKED`, so several intake
/// instances share the work without waiting on each other; a crash before commit leaves the
/// demands for the next pass. `whistle_demands_cleared_total` counts the cleared demands.
final class RetentionService: Service, Sendable {
    private let pool: PostgresPool
    private let policy: RetentionPolicy
    private let interval: Duration
    private let batchSize: Int
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let cleared = Counter(label: "whistle_demands_cleared_total")

    init(
        pool: PostgresPool, policy: RetentionPolicy, interval: Duration, batchSize: Int, clock: @escaping @Sendable () -> Date,
        logger: Logger
    ) {
        self.pool = pool
        self.policy = policy
        self.interval = interval
        self.batchSize = batchSize
        self.clock = clock
        self.logger = logger
    }

    func run() async throws {
        await PeriodicWork(interval: interval, failure: "retention pass failed; retrying at the next interval", logger: logger).run {
            let count = try await clearDue()
            if count > 0 {
                cleared.increment(by: Int64(count))
                logger.info(
                    "cleared raw bodies and reporters past retention", metadata: ["demands": "\(count)", "days": "\(policy.days)"])
            }
            return count >= batchSize ? .runAgain : .pause
        }
    }

    /// One transaction: clears up to `batchSize` due demands and returns how many it cleared.
    /// The `WHERE` is `RetentionPolicy.isDue` over the demands not yet cleared.
    func clearDue() async throws -> Int {
        let now = clock()
        let cutoff = policy.cutoff(now: now)
        let limit = batchSize
        return try await pool.transaction { connection in
            try connection.query(
                """
                WITH due AS (
                    SELECT d.id FROM demands d LEFT JOIN tickets t ON t.ticket_no = d.ticket_no
                    WHERE d.identity_cleared_at IS NULL AND d.received_at < $1
                      AND (d.ticket_no IS NULL OR (t.status IN ('closed', 'rejected') AND t.closed_at < $1))
                    ORDER BY d.id LIMIT $2
                    FOR UPDATE OF d SKIP LOCKED
                ), reporters AS (
                    DELETE FROM demand_reporters r USING due WHERE r.demand_id = due.id
                )
                UPDATE demands d SET raw_body = NULL, normalized = NULL, identity_cleared_at = $3
                FROM due WHERE d.id = due.id
                RETURNING d.id
                """, [cutoff, limit, now]
            ).count
        }
    }
}
