import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import WhistleConcurrency

/// One place in a `PostgresPool`: a dedicated thread and the connection that lives on it.
///
/// The connection is opened lazily on first use and reopened after a loss, with capped
/// exponential backoff between attempts (50 ms doubling to 2 s). A connection whose server went
/// away (restart, failover, `pg_terminate_backend`) or turned out read-only (a write failed with
/// SQLSTATE 25006 on a standby) is dropped, and the next use opens a new one: with several hosts
/// in the URL, libpq then tries them in order and finds the current primary. Everything below `thread` is
/// touched only by jobs running on `thread`, which is what makes the `@unchecked Sendable` sound.
///
/// A task cancelled while its job waits for the thread skips the job; cancelled while its
/// statement runs, it sends `PQcancel` (see `StatementCancellation`) and gets `CancellationError`.
/// A transaction that a cancelled user left open is rolled back before the next user's first job.
final class PostgresPoolSlot: @unchecked Sendable {
    let index: Int
    private let thread: ConnectionThread
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let cancellation = StatementCancellation()
    /// Counts the times the pool handed this slot out (`beginLease`).
    private let leases = NIOLockedValueBox<UInt64>(0)

    // Thread-confined state.
    private var connection: PostgresConnection?
    private var consecutiveFailures = 0
    private var nextAttemptNanos: UInt64 = 0
    private var closed = false
    private var servedLease: UInt64 = 0

    static let firstBackoffNanos: UInt64 = 50_000_000
    static let maxBackoffNanos: UInt64 = 2_000_000_000

    init(index: Int, configuration: PostgresConfiguration, logger: Logger) {
        self.index = index
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "pg.connection"] = "\(index)"
        self.logger = logger
        self.thread = ConnectionThread(name: "postgres-\(configuration.applicationName)-\(index)")
    }

    /// Called by the pool each time it hands the slot to a new user.
    func beginLease() { leases.withLockedValue { $0 &+= 1 } }

    /// Runs `body` with this slot's connection on this slot's thread.
    ///
    /// A connection loss inside `body` drops the connection (reopened on next use) and the error
    /// propagates: the call is never replayed here. When the awaiting task is cancelled, `body`
    /// does not start, or its running statement is cancelled on the server, and the call throws
    /// `CancellationError`.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        cancellation.prepare()
        do {
            return try await withTaskCancellationHandler {
                try await thread.run { try self.runOnThread(body) }
            } onCancel: {
                cancellation.cancel(logger: logger)
            }
        } catch is ConnectionThreadError {
            throw PostgresError(.poolClosed, "the pool is closed")
        } catch let error as PostgresError where error.sqlState == "57014" && Task.isCancelled {
            throw CancellationError()
        }
    }

    /// Closes the connection after any work already queued, then ends the thread (joined).
    func close() async {
        do {
            try await thread.run { self.closeOnThread() }
        } catch {
            // Cancelled or shut down already: the connection is finished with this object.
            logger.debug("closing the connection was skipped", metadata: ["error": "\(error)"])
        }
        await thread.shutdown()
    }

    private func closeOnThread() {
        closed = true
        cancellation.use(nil)
        connection?.close()
        connection = nil
    }

    private func runOnThread<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard !closed else { throw PostgresError(.poolClosed, "the pool is closed") }
        guard cancellation.start() else { throw CancellationError() }
        defer { cancellation.end() }
        let connection = try usableConnection()
        try rollBackLeftoverTransaction(connection)
        do {
            let value = try body(connection)
            if !connection.isUsable { dropConnection(reason: "connection lost") }
            return value
        } catch {
            if (error as? PostgresError)?.isReadOnlyServer == true {
                // A standby (or a server not yet promoted): keep no connection that cannot write.
                dropConnection(reason: "the server is read-only (a standby?)")
            } else if !connection.isUsable || (error as? PostgresError)?.isConnectionLoss == true {
                dropConnection(reason: "connection lost")
            }
            throw error
        }
    }

    /// The open connection, checked for a loss while it sat idle, or a newly opened one.
    private func usableConnection() throws(PostgresError) -> PostgresConnection {
        if let connection {
            if connection.isAliveWhileIdle() { return connection }
            logger.info("connection was closed while idle; reopening")
            cancellation.use(nil)
            connection.close()
            self.connection = nil
        }
        let now = DispatchTime.now().uptimeNanoseconds
        if now < nextAttemptNanos {
            Thread.sleep(forTimeInterval: Double(nextAttemptNanos - now) / 1e9)
        }
        do {
            let opened = try PostgresConnection.connect(configuration: configuration, logger: logger)
            if consecutiveFailures > 0 {
                logger.info("reconnected", metadata: ["after_failures": "\(consecutiveFailures)", "pg.server": "\(opened.server)"])
            } else {
                logger.debug("connected", metadata: ["pg.server": "\(opened.server)"])
            }
            consecutiveFailures = 0
            connection = opened
            cancellation.use(PostgresCanceller(opened))
            return opened
        } catch {
            noteFailure()
            logger.warning(
                "connect failed", metadata: ["error": "\(error)", "attempt": "\(consecutiveFailures)"])
            throw error
        }
    }

    /// On a new user's first job: rolls back a transaction that the previous user left open
    /// (its task was cancelled between `BEGIN` and `COMMIT`).
    private func rollBackLeftoverTransaction(_ connection: PostgresConnection) throws {
        let lease = leases.withLockedValue { $0 }
        guard lease != servedLease else { return }
        servedLease = lease
        guard connection.isInTransaction else { return }
        logger.warning("the previous user left a transaction open; rolling it back")
        try connection.execute("ROLLBACK")
    }

    private func dropConnection(reason: String) {
        logger.warning("\(reason); the connection will be reopened on next use")
        cancellation.use(nil)
        connection?.close()
        connection = nil
        noteFailure()
    }

    /// Counts a failure and schedules the next connect attempt 50 ms · 2^(failures−1) later, at most 2 s.
    private func noteFailure() {
        consecutiveFailures += 1
        let shift = UInt64(min(consecutiveFailures - 1, 16))
        let delay = min(Self.firstBackoffNanos << shift, Self.maxBackoffNanos)
        nextAttemptNanos = DispatchTime.now().uptimeNanoseconds + delay
    }
}
