import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing
import WhistleConcurrency
import WhistleReliability

/// `ConnectionThread` (NIOThreadPool), `OutboxSignal` (a continuation, not polling) and
/// `PeriodicWork` (the loop of the services that work in rounds), without servers.
@Suite("Thread, signal and periodic work")
struct ConcurrencyIdiomsTests {
    @Test("a connection thread runs jobs in order, skips a job cancelled before it starts, and ends with shutdown")
    func connectionThread() async throws {
        let thread = ConnectionThread(name: "test")
        let ran = NIOLockedValueBox<[Int]>([])
        // The first job holds the thread until the second one's task is cancelled.
        let release = DispatchSemaphore(value: 0)
        let started = NIOLockedValueBox(false)
        async let first: Void = thread.run {
            started.withLockedValue { $0 = true }
            release.wait()
            ran.withLockedValue { $0.append(1) }
        }
        while !started.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let second = Task { try await thread.run { ran.withLockedValue { $0.append(2) } } }
        try await Task.sleep(for: .milliseconds(50))
        second.cancel()
        // NIOThreadPool settles a cancelled job when the thread reaches it: let the first finish.
        release.signal()
        try await first
        let outcome = await second.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        try await thread.run { ran.withLockedValue { $0.append(3) } }
        #expect(ran.withLockedValue { $0 } == [1, 3], "the cancelled job never ran")
        await thread.shutdown()
        await #expect(throws: ConnectionThreadError.self) { try await thread.run { 4 } }
    }

    @Test("the outbox signal keeps one notification and wakes a waiting relay at once")
    func outboxSignal() async throws {
        let signal = OutboxSignal()
        signal.notify()
        signal.notify()
        let clock = ContinuousClock()
        let kept = await clock.measure { await signal.wait(milliseconds: 20_000) }
        #expect(kept < .seconds(10), "a notification made before the wait is kept")
        let waiting = Task { await signal.wait(milliseconds: 20_000) }
        try await Task.sleep(for: .milliseconds(50))
        let woken = await clock.measure {
            signal.notify()
            await waiting.value
        }
        #expect(woken < .seconds(10), "notify resumes the waiting task")
        let timedOut = await clock.measure { await signal.wait(milliseconds: 50) }
        #expect(timedOut >= .milliseconds(50), "two notifications made one wake-up; the next wait runs to its timeout")
    }

    @Test("periodic work runs again at once when asked, survives a failed round, and graceful shutdown ends its pause at once")
    func periodicWork() async throws {
        let rounds = NIOLockedValueBox(0)
        let service = RoundsService(rounds: rounds)
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        let clock = ContinuousClock()
        let took = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                while rounds.withLockedValue({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(10)) }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
        #expect(rounds.withLockedValue { $0 } == 2, "round 1 asked for more; round 2 failed and the loop paused")
        #expect(took < .seconds(1800), "the hour-long pause ended with the shutdown")
    }
}

/// A service whose first round finds more work and whose second fails (then an hour's pause).
private struct RoundsService: Service {
    let rounds: NIOLockedValueBox<Int>

    func run() async throws {
        await PeriodicWork(interval: .seconds(3600), failure: "round failed", logger: Logger(label: "test")).run {
            let round = rounds.withLockedValue { count in
                count += 1
                return count
            }
            if round == 2 { throw RoundFailure() }
            return round == 1 ? .runAgain : .pause
        }
    }
}

private struct RoundFailure: Error {}
