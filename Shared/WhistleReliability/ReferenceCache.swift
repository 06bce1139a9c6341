import Foundation
import Logging
import ServiceLifecycle
import WhistleDomain
import WhistlePostgres

/// The reference codes validators check against, loaded from the database and refreshed
/// periodically (so `whistlectl seed` takes effect without a restart).
public final class ReferenceCache: Service, @unchecked Sendable {
    private let pool: PostgresPool
    private let interval: Duration
    private let logger: Logger
    private let lock = NSLock()
    private var codes = ReferenceCodes.empty
    private var loadedAt = ContinuousClock.now - .seconds(3600)

    public init(pool: PostgresPool, interval: Duration = .seconds(15), logger: Logger) {
        self.pool = pool
        self.interval = interval
        self.logger = logger
    }

    /// The latest snapshot.
    public var current: ReferenceCodes { lock.withLock { codes } }

    /// Loads the codes now.
    public func refresh() async throws {
        let loaded = try await pool.withConnection { connection in try Self.load(connection) }
        store(loaded)
    }

    /// A snapshot no older than `maxAge`, re-read on `connection` when needed: before rejecting a
    /// message for an unknown code, a consumer asks again, so that codes seeded a moment ago count.
    public func fresh(on connection: PostgresConnection, maxAge: Duration = .seconds(1)) throws -> ReferenceCodes {
        let (snapshot, age) = lock.withLock { (codes, ContinuousClock.now - loadedAt) }
        guard age > maxAge else { return snapshot }
        let loaded = try Self.load(connection)
        store(loaded)
        return loaded
    }

    private func store(_ loaded: ReferenceCodes) {
        lock.withLock {
            codes = loaded
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

    /// Reads every code of the reference tables.
    public static func load(_ connection: PostgresConnection) throws -> ReferenceCodes {
        var codes = ReferenceCodes()
        for row in try connection.query("SELECT code FROM categories") { codes.categories.insert(try row.decode(0)) }
        for row in try connection.query("SELECT code FROM areas WHERE level = 'grid'") { codes.grids.insert(try row.decode(0)) }
        for row in try connection.query("SELECT code, kind FROM departments WHERE active") {
            let code: String = try row.decode(0)
            codes.departments.insert(code)
            if try row.decode(1, as: String.self) == "street_office" { codes.streetOffices.insert(code) }
        }
        return codes
    }
}
