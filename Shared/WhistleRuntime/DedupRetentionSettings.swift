/// How long a service keeps its bookkeeping rows — the messages it applied (`inbox`), the events
/// it journaled or counted (`event_journal`, `evaluator_applied`) and the timers it fired — and
/// how its retention pass (`DedupRetention`) deletes the older ones.
///
/// | variable | default |
/// |---|---|
/// | `WHISTLE_DEDUP_DAYS` | `7` (1–3650): days a bookkeeping row is kept |
/// | `WHISTLE_DEDUP_BATCH` | `2000` (1–50000): rows one retention transaction deletes at most |
/// | `WHISTLE_DEDUP_PAUSE_MS` | `200` (0–60000): pause between two transactions of a pass |
/// | `WHISTLE_DEDUP_INTERVAL_MS` | `3600000` (hourly; 10–86400000): pause between two passes |
///
/// Why 7 days: an inbox row is what makes a second delivery of an applied message a no-op, so it
/// must outlive every way a copy can come back. Redeliveries of an unacknowledged batch come back
/// within seconds; a copy the outbox published twice sits behind its twin in the same queue; a
/// consumer that was down for days finds both copies in its backlog and applies the first. What
/// can come back much later is a dead letter an operator replays (`whistlectl dlq replay`): a
/// replay within the window is still deduplicated. Seven days covers a long weekend of outage
/// plus the operator's reaction; the figures, tickets and timelines do not depend on these rows.
public struct DedupRetentionSettings: Sendable, Equatable {
    /// Days a bookkeeping row is kept (`WHISTLE_DEDUP_DAYS`).
    public var days: Int
    /// Rows deleted per transaction at most (`WHISTLE_DEDUP_BATCH`).
    public var batch: Int
    /// Milliseconds between two transactions of one pass (`WHISTLE_DEDUP_PAUSE_MS`).
    public var pauseMilliseconds: Int
    /// Milliseconds between two passes (`WHISTLE_DEDUP_INTERVAL_MS`).
    public var intervalMilliseconds: Int

    /// The defaults: 7 days, 2,000 rows a transaction, 200 ms between transactions, hourly passes.
    public static let standard = DedupRetentionSettings(days: 7, batch: 2000, pauseMilliseconds: 200, intervalMilliseconds: 3_600_000)

    public init(days: Int, batch: Int, pauseMilliseconds: Int, intervalMilliseconds: Int) {
        self.days = days
        self.batch = batch
        self.pauseMilliseconds = pauseMilliseconds
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// Reads the four variables; a value out of range is an error naming its variable.
    public init(environment: [String: String]) throws {
        let env = ConfigurationReader(environment: environment)
        let standard = Self.standard
        days = try env.int("WHISTLE_DEDUP_DAYS", default: standard.days, in: 1...3650)
        batch = try env.int("WHISTLE_DEDUP_BATCH", default: standard.batch, in: 1...50_000)
        pauseMilliseconds = try env.int("WHISTLE_DEDUP_PAUSE_MS", default: standard.pauseMilliseconds, in: 0...60_000)
        intervalMilliseconds = try env.int("WHISTLE_DEDUP_INTERVAL_MS", default: standard.intervalMilliseconds, in: 10...86_400_000)
    }
}
