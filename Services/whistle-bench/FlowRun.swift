import Foundation
import Histogram
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistleReliability

/// The whole flow under load: demands over the four channels at a fixed rate (or as fast as the
/// broker confirms them) for a while; the departments of the seed acknowledge and complete after
/// their delays, citizens answer the survey. Measured: demands accepted, tickets assigned,
/// resolved and closed per second, and the latencies publish → outcome event, → the first
/// assignment in a department queue, → `ticket.resolved`.
struct FlowRun {
    var amqp: AMQPConfiguration
    var templates: SampleDemands
    var departments: [String]
    /// Demands per second; 0 publishes as fast as the broker confirms.
    var rate: Double
    var duration: Duration
    var delays: DepartmentSimulator.Delays
    var seed: UInt64 = 2026

    struct Result: Sendable {
        var scenario: String
        var targetRate: Double
        var published = 0
        var publishSeconds = 0.0
        var outcomes: [String: Int] = [:]
        var tickets = 0
        var assigned = 0
        /// Tickets sent to a command center's triage (`ticket.triage`): nobody routes them during
        /// the run, so they are not expected at a department queue.
        var triaged = 0
        var resolved = 0
        /// Surveys answered (each closes its ticket).
        var surveys = 0
        /// Seconds from the first publish to the last outcome, first assignment, resolution.
        var outcomeSeconds = 0.0, assignedSeconds = 0.0, resolvedSeconds = 0.0
        var toOutcome = FlowRun.histogram(), toDepartment = FlowRun.histogram(), toResolution = FlowRun.histogram()
        var drained = true
        /// Assignments the simulated departments took from their quorum queues.
        var departmentDeliveries = 0
    }

    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    func run(scenario: String, sampler: ProcessSampler, progress: ProgressLine) async throws -> Result {
        let runId = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let board = RunBoard()
        let observer = try await OutcomeObserver(configuration: amqp, run: runId)
        let mix = DepartmentSimulator.Mix(returnRatio: 0, unfinishedRatio: 0, satisfied: 1, basicallySatisfied: 0)
        let simulator = try await DepartmentSimulator(configuration: amqp, departments: departments, mix: mix, seed: seed, delays: delays)
        let started = ContinuousClock.now
        var result = Result(scenario: scenario, targetRate: rate)
        result.drained = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await publish(runId: runId, board: board); return true
            }
            group.addTask {
                try await observe(observer, board: board); return true
            }
            group.addTask { try await work(simulator, board: board) }
            group.addTask {
                var lastPrint = ContinuousClock.now
                while !Task.isCancelled {
                    sampler.sample()
                    if ContinuousClock.now - lastPrint >= .seconds(1) {
                        lastPrint = .now
                        let c = board.snapshot
                        let t = Int((ContinuousClock.now - started).seconds)
                        progress.show(
                            "\(scenario)  \(t) s  published \(c.published)  outcomes \(c.outcomes)  assigned \(c.assigned)/\(c.opened - c.triaged) (triage \(c.triaged))  resolved \(c.resolved)  surveys \(c.surveys)"
                        )
                    }
                    try? await Task.sleep(for: .milliseconds(250))
                }
                return true
            }
            var drained = true
            for _ in 0..<3 { drained = try await group.next()! && drained }
            group.cancelAll()
            return drained
        }
        progress.end()
        let sent = board.allSent
        result.published = sent.count
        result.publishSeconds = ((sent.values.max() ?? started) - started).seconds
        result.outcomes = observer.outcomes
        result.toOutcome = observer.latencies
        result.tickets = observer.openedBy.count
        result.triaged = observer.triagedOfRun
        let counters = board.snapshot
        result.surveys = counters.surveys
        result.departmentDeliveries = simulator.tally.assignments
        var lastAssigned = started, lastResolved = started
        for (ticket, messageId) in observer.openedBy {
            guard let at = sent[messageId] else { continue }
            if let arrived = simulator.arrivals[ticket] {
                result.assigned += 1
                lastAssigned = max(lastAssigned, arrived)
                _ = result.toDepartment.record(Self.micros(arrived - at))
            }
            if let resolved = simulator.resolutions[ticket] {
                result.resolved += 1
                lastResolved = max(lastResolved, resolved)
                _ = result.toResolution.record(Self.micros(resolved - at))
            }
        }
        result.outcomeSeconds = (observer.lastArrival.map { $0 - started } ?? .zero).seconds
        result.assignedSeconds = (lastAssigned - started).seconds
        result.resolvedSeconds = (lastResolved - started).seconds
        await observer.close()
        await simulator.close()
        return result
    }

    static func micros(_ duration: Duration) -> UInt64 {
        UInt64(max(0, duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000))
    }

    /// Publishes for `duration`: every 20 ms the demands due by the rate (one confirmed window),
    /// or back-to-back windows of 500 when the rate is 0.
    private func publish(runId: String, board: RunBoard) async throws {
        let publisher = AMQPPublisher(
            configuration: amqp, name: "bench-flow", topology: WhistleTopology.base, logger: .init(label: "bench"))
        try await publisher.connect()
        let started = ContinuousClock.now
        var sent = 0
        while ContinuousClock.now - started < duration {
            let due = rate > 0 ? Int((ContinuousClock.now - started).seconds * rate) - sent : 500
            if due <= 0 {
                try await Task.sleep(for: .milliseconds(5))
                continue
            }
            let window = (sent..<sent + min(due, 2000)).map { i -> OutboundMessage in
                let (channel, body) = templates.body(i, run: runId, distinct: true)
                return OutboundMessage(exchange: Exchange.intake, routingKey: channel.routingKey, body: body, messageId: "\(runId)-\(i)")
            }
            board.published(window.map(\.messageId), at: .now)
            guard try await publisher.publish(window).allSatisfy({ $0 == .confirmed }) else {
                throw BenchError("the broker refused demands")
            }
            sent += window.count
            if rate > 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
        await publisher.close()
        board.finishPublishing()
    }

    /// Reads outcome events (and `ticket.triage`) until every published demand has its outcome and
    /// the departments' side has finished (a triage event may follow its ticket's acceptance).
    private func observe(_ observer: OutcomeObserver, board: RunBoard) async throws {
        var idleSince = ContinuousClock.now
        while !board.isWorkDone {
            let new = try await observer.collect(sentAt: board.sent, waitMilliseconds: 50)
            let (outcomes, opened, triaged) = (observer.outcomeCount, observer.openedBy.count, observer.triagedOfRun)
            board.update {
                $0.outcomes = outcomes; $0.opened = opened; $0.triaged = triaged
            }
            if new > 0 || observer.outcomeCount >= board.snapshot.published {
                idleSince = .now
            } else if ContinuousClock.now - idleSince > .seconds(60) {
                throw BenchError("no outcome event for 60 s: is intake running?")
            }
        }
    }

    /// Works the departments until every ticket opened and not in triage is resolved and closed
    /// (`BenchScope.FlowCounts.drained`), or nothing moved for 30 s after publishing ended
    /// (returns false then: the run did not drain).
    private func work(_ simulator: DepartmentSimulator, board: RunBoard) async throws -> Bool {
        defer { board.finishWork() }
        var idleSince = ContinuousClock.now
        while true {
            let moved = try await simulator.step(waitMilliseconds: 10)
            let tally = simulator.tally
            let (assigned, resolved) = (simulator.arrivals.count, simulator.resolutions.count)
            board.update {
                $0.assigned = assigned; $0.resolved = resolved; $0.surveys = tally.feedback
            }
            let c = board.snapshot
            let counts = BenchScope.FlowCounts(
                publishingDone: board.isPublishingDone, published: c.published, outcomes: c.outcomes, opened: c.opened,
                triaged: c.triaged, assigned: assigned, resolved: resolved, waiting: simulator.waiting)
            if counts.drained { return true }
            if moved > 0 || simulator.waiting > 0 {
                idleSince = .now
            } else if board.isPublishingDone && ContinuousClock.now - idleSince > .seconds(30) {
                return false
            }
        }
    }
}
