import Foundation

/// A dedicated OS thread that runs blocking work (a C library call) off Swift's cooperative pool.
///
/// Each AMQP or libpq connection owns one `BlockingThread`; every call into the C handle is a job
/// on that thread, so the handle is never used from two threads at once and a call that blocks
/// (a network read, a commit) never occupies one of the pool's few threads. Jobs run in FIFO order.
public final class BlockingThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var head = 0
    private var stopping = false
    private var finished = false
    public let name: String

    /// Starts the thread at once; it lives until `shutdown()`, which its owner calls in its own deinit.
    public init(name: String) {
        self.name = name
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `body` on the thread and returns its result to the awaiting task.
    ///
    /// Throws `BlockingThreadError.shutDown` when the thread no longer accepts work.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = enqueue {
                continuation.resume(with: Result { try body() })
            }
            if !accepted { continuation.resume(throwing: BlockingThreadError.shutDown(name)) }
        }
    }

    /// Queues `job` without waiting for it; returns false once the thread is shutting down.
    @discardableResult
    public func enqueue(_ job: @escaping () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if stopping { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Lets queued jobs finish, then ends the thread. Later `run` calls throw.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks the caller until the thread has ended (for tests and orderly teardown).
    public func waitUntilFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while head == jobs.count && !stopping { condition.wait() }
            if head == jobs.count && stopping {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}

/// The one error a `BlockingThread` raises itself.
public enum BlockingThreadError: Error, CustomStringConvertible, Sendable {
    case shutDown(String)

    public var description: String {
        switch self {
        case .shutDown(let name): return "thread \(name) is shut down"
        }
    }
}
