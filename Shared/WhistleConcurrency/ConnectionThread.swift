import NIOConcurrencyHelpers
import NIOPosix

/// The one thread of a C-library connection (rabbitmq-c, libpq): a `NIOThreadPool` of a single
/// thread, so that blocking calls never occupy Swift's cooperative pool and the C handle is only
/// ever used by one thread.
///
/// Each AMQP or libpq connection owns one `ConnectionThread`; every call into its handle is a job
/// run by `run`. With one thread, jobs run one at a time in the order they were submitted (FIFO).
/// A job whose awaiting task is cancelled before the job starts does not run (`run` throws
/// `CancellationError`); a job that has started runs to its end (a blocking C call cannot be
/// interrupted from here: libpq queries send `PQcancel` for that, see `PostgresPoolSlot`).
public final class ConnectionThread: Sendable {
    /// The name of the connection this thread serves (for errors and logs).
    public let name: String
    private let pool: NIOThreadPool
    private let stopping = NIOLockedValueBox(false)

    /// Starts the thread at once; it lives until `shutdown()`, or until this object goes away.
    public init(name: String) {
        self.name = name
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    deinit { shutdownWithoutWaiting() }

    /// Runs `body` on the thread and returns its result to the awaiting task.
    ///
    /// Throws `CancellationError` when the task is cancelled before `body` starts (`body` then
    /// never runs), and `ConnectionThreadError.shutDown` once the thread no longer accepts work.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await pool.runIfActive(body)
        } catch is CancellationError {
            // The pool answers `.cancelled` both for a cancelled task and for a pool shut down.
            if !Task.isCancelled, stopping.withLockedValue({ $0 }) { throw ConnectionThreadError.shutDown(name) }
            throw CancellationError()
        }
    }

    /// Stops accepting work, lets the job that is running finish, and waits until the thread has
    /// ended (it is joined). Jobs still queued are not run: their callers get
    /// `ConnectionThreadError.shutDown`. Calling it again does nothing.
    public func shutdown() async {
        stopping.withLockedValue { $0 = true }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // The callback's error is only ever `UnsupportedOperation`, for NIO's perpetual
            // pools; this pool is not one, so there is no error to report.
            pool.shutdownGracefully { _ in continuation.resume() }
        }
    }

    /// Starts the shutdown without waiting for the thread to end.
    public func shutdownWithoutWaiting() {
        stopping.withLockedValue { $0 = true }
        pool.shutdownGracefully { _ in }
    }
}

/// The one error a `ConnectionThread` raises itself.
public enum ConnectionThreadError: Error, CustomStringConvertible, Sendable {
    /// The thread was shut down before the job could run.
    case shutDown(String)

    public var description: String {
        switch self {
        case .shutDown(let name): return "thread \(name) is shut down"
        }
    }
}
