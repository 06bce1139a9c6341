import Foundation
import Logging
import NIOConcurrencyHelpers

/// A fixed set of PostgreSQL connections, each on its own thread.
///
/// Connections open lazily, up to `configuration.poolSize`. A caller waits (asynchronously, in
/// FIFO order, cancellable while waiting) for a free connection, then its closure runs on that
/// connection's thread. After a connection loss (for example a server restart) the failed call's
/// error propagates and the connection is reopened on its next use, so the pool recovers by
/// itself; callers retry whole units of work when `PostgresError.isConnectionLoss` is true.
public final class PostgresPool: Sendable {
    /// The configuration the pool connects with.
    public let configuration: PostgresConfiguration
    private let logger: Logger
    private let slots: [PostgresPoolSlot]
    private let state = NIOLockedValueBox(PoolState())

    /// Creates the pool; no connection opens until first use.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let size = max(1, configuration.poolSize)
        self.slots = (0..<size).map { PostgresPoolSlot(index: $0, configuration: configuration, logger: logger) }
        state.withLockedValue { $0.free = Array((0..<size).reversed()) }
    }

    /// Runs `body` on a pooled connection's dedicated thread and returns its result.
    ///
    /// Waits (async, FIFO, cancellable while waiting) for a free connection. Errors thrown by
    /// `body` propagate unchanged. Throws `.poolClosed` after `close()`, a `.connection` error
    /// when no connection can be opened. Do not let the connection escape `body`.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let slot = try await acquire()
        defer { release(slot) }
        slot.beginLease()
        return try await slot.run(body)
    }

    /// Reserves one pooled connection for a unit of asynchronous work, such as a transaction
    /// that stays open while a message broker confirms a publish. Each `PostgresSession.run`
    /// runs on the reserved connection's thread; the connection returns to the pool when `body`
    /// ends. Keep sessions short: the connection serves no one else meanwhile.
    public func withSession<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        let slot = try await acquire()
        defer { release(slot) }
        slot.beginLease()
        return try await body(PostgresSession(slot: slot))
    }

    /// Runs `body` in a transaction on a pooled connection: COMMIT when it returns, ROLLBACK
    /// when it throws. Never replayed automatically: on a connection loss or serialization
    /// failure the caller retries the whole transaction.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { connection in try connection.transaction(body) }
    }

    /// True when a connection can run `SELECT 1` within `timeout` (for health checks).
    public func ping(timeout: Duration = .seconds(5)) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                do {
                    return try await self.withConnection { connection in
                        try connection.query("SELECT 1").count == 1
                    }
                } catch {
                    return false
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    return false
                } catch {
                    return nil
                }
            }
            var answer = false
            if let first = await group.next() { answer = first ?? false }
            group.cancelAll()
            return answer
        }
    }

    /// Closes every connection (after work already running on it) and ends the threads.
    /// Callers still waiting, and every later call, get `.poolClosed`.
    public func close() async {
        let waiters = state.withLockedValue { state -> [PoolState.Waiter] in
            guard !state.closed else { return [] }
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: Self.closedError) }
        for slot in slots { await slot.close() }
        logger.debug("pool closed")
    }

    private static let closedError = PostgresError(.poolClosed, "the pool is closed")

    private func acquire() async throws -> PostgresPoolSlot {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PostgresPoolSlot, any Error>) in
                let immediate = state.withLockedValue { state -> Result<PostgresPoolSlot, any Error>? in
                    if state.closed { return .failure(Self.closedError) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.waiters.isEmpty, let free = state.free.popLast() { return .success(slots[free]) }
                    state.waiters.append(PoolState.Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> PoolState.Waiter? in
                guard let position = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: position)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    private func release(_ slot: PostgresPoolSlot) {
        let waiter = state.withLockedValue { state -> PoolState.Waiter? in
            if !state.closed, !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.free.append(slot.index)
            return nil
        }
        waiter?.continuation.resume(returning: slot)
    }
}

/// The pool's bookkeeping, guarded by the pool's lock.
private struct PoolState {
    struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<PostgresPoolSlot, any Error>
    }

    /// Indices of free slots; the most recently used is taken first (it is likely open).
    var free: [Int] = []
    /// Callers waiting for a slot, oldest first.
    var waiters: [Waiter] = []
    var closed = false
    var nextWaiterID: UInt64 = 0
}

/// One pooled connection reserved by `PostgresPool.withSession`.
public struct PostgresSession: Sendable {
    let slot: PostgresPoolSlot

    /// Runs `body` on the reserved connection's thread. After a connection loss the next call
    /// runs on a fresh connection (outside any transaction begun on the lost one).
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await slot.run(body)
    }
}
