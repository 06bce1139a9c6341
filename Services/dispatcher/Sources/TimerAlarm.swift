import Foundation

/// The timer loop's sleep: until the next due instant the database knows (capped by
/// `WHISTLE_TIMER_INTERVAL_MS`), or earlier when a batch of this process starts a clock that
/// fires before then (`arm(at:now:)`).
///
/// A batch arms the alarm while it writes, before it commits; the loop therefore wakes `grace`
/// after the clock's instant, by when the batch has committed and the pass sees its rows. A batch
/// slower than that is caught by the next pass, at the latest one interval later.
final class TimerAlarm: @unchecked Sendable {
    /// How long after an armed instant the loop looks.
    static let grace = Duration.milliseconds(100)

    private struct State {
        /// The earliest wake-up asked for that no pass has started after yet.
        var armed: ContinuousClock.Instant?
        /// Until when the loop sleeps, and the task it sleeps in; nil while it works.
        var sleepingUntil: ContinuousClock.Instant?
        var sleeper: Task<Void, any Error>?
    }

    // Guards `state`, which is touched only inside `withState`.
    private let lock = NSLock()
    private var state = State()

    private func withState<T>(_ body: (inout State) -> T) -> T {
        lock.withLock { body(&state) }
    }

    init() {}

    /// A clock was started that fires at `instant` (the batch's time being `now`): wakes the loop
    /// `grace` after it when the loop would sleep longer.
    func arm(at instant: Date, now: Date) {
        let seconds = min(max(0, instant.timeIntervalSince(now)), 86_400)
        let wake = ContinuousClock.now + .milliseconds(Int64((seconds * 1000).rounded(.up))) + Self.grace
        let sleeper = withState { state -> Task<Void, any Error>? in
            if state.armed.map({ wake < $0 }) ?? true { state.armed = wake }
            guard let until = state.sleepingUntil, wake < until else { return nil }
            return state.sleeper
        }
        // The loop wakes now and sleeps again, until the armed instant.
        sleeper?.cancel()
    }

    /// A pass starts: an armed instant that has passed is what it looks for, so it is forgotten.
    func passStarting() {
        let now = ContinuousClock.now
        withState { state in
            if let armed = state.armed, armed <= now { state.armed = nil }
        }
    }

    /// Sleeps until `deadline`, or an earlier armed instant; cancellation ends the sleep at once.
    func sleep(until deadline: ContinuousClock.Instant) async {
        let target = withState { min(deadline, $0.armed ?? deadline) }
        let task = Task { try await Task.sleep(until: target, clock: .continuous) }
        let earlier = withState { state -> Bool in
            // Armed between reading the target and now: the sleep is already too long.
            if let armed = state.armed, armed < target { return true }
            state.sleepingUntil = target
            state.sleeper = task
            return false
        }
        if earlier { task.cancel() }
        await withTaskCancellationHandler {
            // Failure is the sleep cut short (an earlier alarm, or shutdown): either way the loop goes on.
            _ = await task.result
        } onCancel: {
            task.cancel()
        }
        withState { state in
            state.sleepingUntil = nil
            state.sleeper = nil
        }
    }
}
