import Foundation

/// What the tasks of one flow run share: when each demand was published, and the counts the
/// progress line shows. Every access holds the lock; the tasks never wait on each other.
final class RunBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var sentAt: [String: ContinuousClock.Instant] = [:]
    private var counters = Counters()
    private var publishingDone = false
    private var workDone = false

    struct Counters: Sendable {
        var published = 0
        var outcomes = 0
        var opened = 0
        /// Tickets of the run sent to a command center's triage (no department queue until routed).
        var triaged = 0
        var assigned = 0
        var resolved = 0
        var surveys = 0
    }

    func published(_ ids: [String], at instant: ContinuousClock.Instant) {
        lock.withLock {
            for id in ids { sentAt[id] = instant }
            counters.published += ids.count
        }
    }

    func sent(_ id: String) -> ContinuousClock.Instant? { lock.withLock { sentAt[id] } }

    /// A copy of every publish instant (for the final latencies).
    var allSent: [String: ContinuousClock.Instant] { lock.withLock { sentAt } }

    func finishPublishing() { lock.withLock { publishingDone = true } }
    var isPublishingDone: Bool { lock.withLock { publishingDone } }

    /// The departments' side finished (drained or gave up): the observer stops too.
    func finishWork() { lock.withLock { workDone = true } }
    var isWorkDone: Bool { lock.withLock { workDone } }

    func update(_ change: (inout Counters) -> Void) { lock.withLock { change(&counters) } }
    var snapshot: Counters { lock.withLock { counters } }
}

/// The progress line, rewritten in place on a terminal (a new line each time otherwise).
struct ProgressLine: Sendable {
    let enabled: Bool
    let terminal = isatty(STDERR_FILENO) == 1

    func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + text : text + "\n").utf8))
    }

    func end() {
        if enabled && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
