import CLibPQ
import Dispatch
import Logging
import NIOConcurrencyHelpers

/// libpq's cancel handle of one connection (`PGcancel*`, from `PQgetCancel`), freed in deinit.
///
/// `PQcancel` is safe to call from any thread while the connection's own thread is blocked in a
/// statement: it opens a separate connection to the server and asks it to stop the statement
/// running on this one.
final class PostgresCanceller: @unchecked Sendable {
    private let handle: OpaquePointer

    /// The cancel handle of `connection`; call it on the connection's thread. Nil when the
    /// connection is closed or libpq cannot allocate one.
    init?(_ connection: PostgresConnection) {
        guard let pointer = connection.cancelHandle() else { return nil }
        handle = pointer
    }

    deinit { PQfreeCancel(handle) }

    /// Asks the server to cancel the statement running now; blocks until the request is sent.
    /// Returns libpq's message when the request could not be sent.
    func cancel() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let sent = buffer.withUnsafeMutableBufferPointer { PQcancel(handle, $0.baseAddress, Int32($0.count)) }
        guard sent == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension PostgresConnection {
    /// `PQgetCancel` of the open connection.
    func cancelHandle() -> OpaquePointer? {
        guard let handle = rawHandle else { return nil }
        return PQgetCancel(handle)
    }
}

/// The cancellation of the statement a `PostgresPoolSlot` runs for a task that gets cancelled.
///
/// The slot marks each job's start and end; a cancellation of the awaiting task while a job runs
/// sends `PQcancel` from a dispatch thread (never from the slot's thread, which is blocked in
/// libpq), and the job's end waits until that request has been delivered, so that it cannot stop
/// a later statement of the connection's next user. A cancellation that comes before the job
/// starts stops the job before its first statement.
struct StatementCancellation: Sendable {
    private struct State {
        var canceller: PostgresCanceller?
        var running = false
        var requested = false
        var inFlight: DispatchGroup?
    }

    private let state = NIOLockedValueBox(State())

    /// Sets the cancel handle of the slot's current connection (nil when it has none).
    func use(_ canceller: PostgresCanceller?) { state.withLockedValue { $0.canceller = canceller } }

    /// Called by the awaiting task before it submits a job.
    func prepare() { state.withLockedValue { $0.requested = false } }

    /// Called on the slot's thread when the job starts; false when the task was cancelled already.
    func start() -> Bool {
        state.withLockedValue { state in
            guard !state.requested else { return false }
            state.running = true
            return true
        }
    }

    /// Called on the slot's thread when the job ends: waits for a cancel request in flight.
    func end() {
        let inFlight = state.withLockedValue { state -> DispatchGroup? in
            state.running = false
            defer { state.inFlight = nil }
            return state.inFlight
        }
        inFlight?.wait()
    }

    /// Called when the awaiting task is cancelled: sends `PQcancel` when a statement is running.
    func cancel(logger: Logger) {
        let request = state.withLockedValue { state -> (PostgresCanceller, DispatchGroup)? in
            state.requested = true
            guard state.running, state.inFlight == nil, let canceller = state.canceller else { return nil }
            let group = DispatchGroup()
            group.enter()
            state.inFlight = group
            return (canceller, group)
        }
        guard let (canceller, group) = request else { return }
        DispatchQueue.global().async {
            if let failure = canceller.cancel() {
                logger.warning("cancelling the statement failed", metadata: ["error": "\(failure)"])
            } else {
                logger.debug("statement cancelled for a cancelled task")
            }
            group.leave()
        }
    }
}
