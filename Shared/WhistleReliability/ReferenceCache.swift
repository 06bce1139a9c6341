import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import WhistleDomain
import WhistlePostgres

/// The reference data a service decides with (`ReferenceSnapshot`), loaded from the database
/// and refreshed periodically, so that `whistlectl seed` takes effect without a restart.
///
/// The first load is a start-up step of the service group (`ServiceKit.serviceGroup`'s
/// `startup`), before any consumer starts; `run` then refreshes every `interval`.
public final class ReferenceCache: Service, Sendable {
    private let pool: PostgresPool
    private let interval: Duration
    private let timeZone: TimeZone
    private let logger: Logger
    private let state: NIOLockedValueBox<(snapshot: ReferenceSnapshot, loadedAt: ContinuousClock.Instant)>

    /// - Parameter timeZone: the calendar's zone when the settings name none.
    public init(pool: PostgresPool, interval: Duration = .seconds(15), timeZone: TimeZone = .gmt, logger: Logger) {
        self.pool = pool
        self.interval = interval
        self.timeZone = timeZone
        self.logger = logger
        state = NIOLockedValueBox((snapshot: .empty(timeZone: timeZone), loadedAt: ContinuousClock.now - .seconds(3600)))
    }

    /// The latest snapshot.
    public var snapshot: ReferenceSnapshot { state.withLockedValue { $0.snapshot } }

    /// The codes of the latest snapshot.
    public var current: ReferenceCodes { snapshot.codes }

    /// Loads the reference data now.
    public func refresh() async throws {
        let zone = timeZone
        let loaded = try await pool.withConnection { connection in try ReferenceSnapshot.load(connection, defaultTimeZone: zone) }
        store(loaded)
    }

    /// A snapshot no older than `maxAge`, re-read on `connection` when needed: before rejecting a
    /// message for an unknown code (or routing a ticket to triage), a consumer asks again, so that
    /// reference data seeded a moment ago counts.
    public func freshSnapshot(on connection: PostgresConnection, maxAge: Duration = .seconds(1)) throws -> ReferenceSnapshot {
        let (current, age) = state.withLockedValue { ($0.snapshot, ContinuousClock.now - $0.loadedAt) }
        guard age > maxAge else { return current }
        let loaded = try ReferenceSnapshot.load(connection, defaultTimeZone: timeZone)
        store(loaded)
        return loaded
    }

    private func store(_ loaded: ReferenceSnapshot) {
        state.withLockedValue { $0 = (snapshot: loaded, loadedAt: .now) }
    }

    /// Refreshes every `interval`; the first round comes at once unless a load happened less
    /// than an interval ago (the start-up step).
    public func run() async throws {
        let recent = state.withLockedValue { ContinuousClock.now - $0.loadedAt < interval }
        await PeriodicWork(interval: interval, failure: "reference data refresh failed", logger: logger).run(pauseFirst: recent) {
            try await refresh()
            return .pause
        }
    }
}
