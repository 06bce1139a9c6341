import Foundation
import Logging
import ServiceLifecycle
import WhistleDomain
import WhistlePostgres

/// The reference data a service decides with (`ReferenceSnapshot`), loaded from the database
/// and refreshed periodically, so that `whistlectl seed` takes effect without a restart.
public final class ReferenceCache: Service, @unchecked Sendable {
    private let pool: PostgresPool
    private let interval: Duration
    private let timeZone: TimeZone
    private let logger: Logger
    private let lock = NSLock()
    private var snapshotValue: ReferenceSnapshot
    private var loadedAt = ContinuousClock.now - .seconds(3600)

    /// - Parameter timeZone: the calendar's zone when the settings name none.
    public init(pool: PostgresPool, interval: Duration = .seconds(15), timeZone: TimeZone = .gmt, logger: Logger) {
        self.pool = pool
        self.interval = interval
        self.timeZone = timeZone
        self.logger = logger
        snapshotValue = .empty(timeZone: timeZone)
    }

    /// The latest snapshot.
    public var snapshot: ReferenceSnapshot { lock.withLock { snapshotValue } }

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
        let (current, age) = lock.withLock { (snapshotValue, ContinuousClock.now - loadedAt) }
        guard age > maxAge else { return current }
        let loaded = try ReferenceSnapshot.load(connection, defaultTimeZone: timeZone)
        store(loaded)
        return loaded
    }

    private func store(_ loaded: ReferenceSnapshot) {
        lock.withLock {
            snapshotValue = loaded
            loadedAt = .now
        }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await refresh()
            } catch {
                logger.warning("reference data refresh failed", metadata: ["error": "\(error)"])
            }
            let interval = interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
