import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import WhistleAMQP
import WhistleRuntime

/// One piece of start-up work a service does inside its service group before its consumers and
/// loops start (migrate the schema, load the reference data, declare queues).
public struct StartupStep: Sendable {
    /// What the step does, for the log.
    public let name: String
    /// True when a failure ends the start-up (the service exits); false when the step is logged
    /// and tried again until it succeeds.
    public let failureIsFatal: Bool
    let work: @Sendable () async throws -> Void

    /// A step that is tried again (with backoff, each failure logged) until it succeeds.
    public init(_ name: String, _ work: @escaping @Sendable () async throws -> Void) {
        self.init(name, failureIsFatal: false, work)
    }

    /// - Parameter failureIsFatal: when true, the first failure ends the start-up.
    public init(_ name: String, failureIsFatal: Bool, _ work: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.failureIsFatal = failureIsFatal
        self.work = work
    }
}

/// Opens once, when the start-up steps are done; services wait for it before they start.
final class StartupGate: Sendable {
    private struct State {
        var open = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Lets every waiter (and every later one) through.
    func open() {
        let waiters = state.withLockedValue { state in
            state.open = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the gate is open; throws `CancellationError` when graceful shutdown (or
    /// cancellation) comes first.
    func wait() async throws {
        try await cancelWhenGracefulShutdown { [self] in
            let id = state.withLockedValue { state in
                state.nextID += 1
                return state.nextID
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = state.withLockedValue { state -> Bool in
                        if state.open || Task.isCancelled { return true }
                        state.waiters[id] = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
            } onCancel: {
                state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
            }
            try Task.checkCancellation()
        }
    }
}

/// A service of the group that starts once the start-up steps are done (see `StartupGate`);
/// graceful shutdown during the start-up ends it without starting it.
struct AfterStartup: Service {
    let service: any Service
    let gate: StartupGate

    func run() async throws {
        do {
            try await gate.wait()
        } catch is CancellationError {
            return
        }
        try await service.run()
    }
}

/// The first service of the group: runs the start-up steps in order, opens the gate, then stays
/// until graceful shutdown. A fatal step's failure, or a step's failure that is not worth a retry
/// (a `ConfigurationError`), ends the group with that error.
struct StartupService: Service {
    let steps: [StartupStep]
    let gate: StartupGate
    let logger: Logger

    func run() async throws {
        for step in steps {
            var policy = ReconnectPolicy(initialDelayMilliseconds: 200, maxDelayMilliseconds: 5000)
            while true {
                if Task.isShuttingDownGracefully || Task.isCancelled {
                    logger.info("shut down during start-up", metadata: ["step": "\(step.name)"])
                    return
                }
                do {
                    try await cancelWhenGracefulShutdown(step.work)
                    break
                } catch is CancellationError {
                    continue  // the loop's first check logs it and returns
                } catch {
                    if step.failureIsFatal || error is ConfigurationError { throw error }
                    let delay = policy.failed() ?? 5000
                    logger.warning(
                        "start-up step failed; retrying", metadata: ["step": "\(step.name)", "error": "\(error)", "retry.ms": "\(delay)"])
                    do {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(delay)) }
                    } catch {
                        // Shutdown during the pause: the loop's first check ends the start-up.
                    }
                }
            }
        }
        logger.debug("start-up done")
        gate.open()
        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled: the group is ending anyway.
        }
    }
}
