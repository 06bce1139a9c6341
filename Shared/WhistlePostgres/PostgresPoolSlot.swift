import Dispatch
import Foundation
import Logging
import WhistleConcurrency

/// One place in a `PostgresPool`: a dedicated thread and the connection that lives on it.
///
/// The connection is opened lazily on first use and reopened after a loss, with capped
/// exponential backoff between attempts (50 ms doubling to 2 s). A connection whose server went
/// away (restart, failover, `pg_terminate_backend`) or turned out read-only (a write failed with
/// SQLSTATE 25006 on a standby) is dropped, and the next use opens a new one: with several hosts
/// in the URL, libpq then tries them in order and finds the current primary. Everything below `thread` is
/// touched only by jobs running on `thread`, which is what makes the `@unchecked Sendable` sound.
final class PostgresPoolSlot: @unchecked Sendable {
    let index: Int
    private let thread: BlockingThread
    private let configuration: PostgresConfiguration
    private let logger: Logger

    // Thread-confined state.
    private var connection: PostgresConnection?
    private var consecutiveFailures = 0
    private var nextAttemptNanos: UInt64 = 0
    private var closed = false

    static let firstBackoffNanos: UInt64 = 50_000_000
    static let maxBackoffNanos: UInt64 = 2_000_000_000

    init(index: Int, configuration: PostgresConfiguration, logger: Logger) {
        self.index = index
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "pg.connection"] = "\(index)"
        self.logger = logger
        self.thread = BlockingThread(name: "postgres-\(configuration.applicationName)-\(index)")
    }

    deinit { thread.shutdown() }

    /// Runs `body` with this slot's connection on this slot's thread.
    ///
    /// A connection loss inside `body` drops the connection (reopened on next use) and the error
    /// propagates: the call is never replayed here.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            return try await thread.run { try self.runOnThread(body) }
        } catch is BlockingThreadError {
            throw PostgresError(.poolClosed, "the pool is closed")
        }
    }

    /// Closes the connection after any work already queued, then ends the thread.
    func close() async {
        _ = try? await thread.run { self.closeOnThread() }
        thread.shutdown()
    }

    private func closeOnThread() {
        closed = true
        connection?.close()
        connection = nil
    }

    private func runOnThread<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard !closed else { throw PostgresError(.poolClosed, "the pool is closed") }
        let connection = try usableConnection()
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
            return opened
        } catch {
            noteFailure()
            logger.warning(
                "connect failed", metadata: ["error": "\(error)", "attempt": "\(consecutiveFailures)"])
            throw error
        }
    }

    private func dropConnection(reason: String) {
        logger.warning("\(reason); the connection will be reopened on next use")
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
