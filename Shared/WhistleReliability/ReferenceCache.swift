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
/// `startup`), before any consumer starts. `run` then reloads when the data changes: every
/// statement that writes a reference table notifies channel `whistle_reference` (migration
/// 0020's triggers), which a `PostgresListener` receives; after a lost listening connection it
/// reloads too (a change may have been missed), and every `interval` as a safety net.
public final class ReferenceCache: Service, Sendable {
    /// The channel a change of the reference tables is announced on.
    public static let channel = "whistle_reference"

    private let pool: PostgresPool
    private let interval: Duration
    private let timeZone: TimeZone
    private let logger: Logger
    private let state: NIOLockedValueBox<(snapshot: ReferenceSnapshot, loadedAt: ContinuousClock.Instant)>

    /// - Parameter timeZone: the calendar's zone when the settings name none.
    /// - Parameter interval: the safety refresh, for changes whose notification was lost.
    public init(pool: PostgresPool, interval: Duration = .seconds(300), timeZone: TimeZone = .gmt, logger: Logger) {
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

    /// Reloads when a change is announced (or the listener has just begun listening, or
    /// `interval` has passed), until graceful shutdown. The first reload comes at once unless a
    /// load happened less than an interval ago (the start-up step).
    public func run() async throws {
        let changed = OutboxSignal()
        let listener = try PostgresListener(configuration: pool.configuration, channels: [Self.channel], logger: logger) { event in
            switch event {
            case .listening, .notification: changed.notify()
            case .disconnected: break  // logged by the listener; it reloads when listening again
            }
        }
        let interval = interval
        let recent = state.withLockedValue { ContinuousClock.now - $0.loadedAt < interval }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run() }
            var first = !recent
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                if !first {
                    let milliseconds = Int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)
                    // Graceful shutdown ends the wait at once; the loop's condition then ends the loop.
                    await cancelWhenGracefulShutdown { await changed.wait(milliseconds: milliseconds) }
                    if Task.isShuttingDownGracefully || Task.isCancelled { break }
                }
                first = false
                do {
                    try await refresh()
                } catch {
                    logger.warning("reference data refresh failed", metadata: ["error": "\(error)"])
                }
            }
            listener.stop()
        }
    }
}
