import Foundation
import WhistleDomain

/// One flow scenario measured over the whole life of its demands: the flow itself (`FlowRun`:
/// published, accepted, dispatched, acknowledged, completed, surveyed, closed), then a tail that
/// keeps sampling CPU until the services, the broker and the database fall quiet (the last
/// notifications sent, the evaluator's last events), then the servers' own counters, read once
/// PostgreSQL's backends have reported their statistics.
struct FlowPhase: Sendable {
    var result: FlowRun.Result
    /// CPU and memory from the first publish to the end of the tail.
    var processes: [ProcessSampler.Figures]
    /// Seconds from the first publish to the end of the tail.
    var lifeSeconds: Double
    /// Durable hops and row writes per demand; nil when the counters were not read.
    var cost: DemandCost?
    /// PostgreSQL's top statements of the phase; nil when not asked for.
    var statements: StatementProfile.Result?

    /// The processes whose CPU a demand's life costs: the four services, the broker, the database.
    static let lifeGroups: Set<String> = ["intake", "dispatcher", "notifier", "evaluator", "rabbitmq", "postgres"]

    /// CPU milliseconds per published demand of the services, the broker and the database.
    var cpuPerDemandMilliseconds: Double {
        guard result.published > 0 else { return 0 }
        let seconds = processes.filter { Self.lifeGroups.contains($0.name) }.map(\.cpuSeconds).reduce(0, +)
        return 1000 * seconds / Double(result.published)
    }

    /// CPU milliseconds per published demand of one group.
    func cpuPerDemandMilliseconds(_ group: String) -> Double {
        guard result.published > 0 else { return 0 }
        return 1000 * (processes.first { $0.name == group }?.cpuSeconds ?? 0) / Double(result.published)
    }

    /// PostgreSQL reports a busy backend's statistics at most once a second and an idle one's
    /// within 10 s (PGSTAT_IDLE_INTERVAL): the counters are read this long after the flow drained.
    static let statisticsDelay: Duration = .seconds(11)

    static func run(
        _ flow: FlowRun, scenario: String, counters: ServerCounters?, statements: StatementProfile?, maxTail: Duration = .seconds(20),
        progress: ProgressLine
    ) async throws -> FlowPhase {
        let before = counters?.snapshot()
        let resetProblem = await statements?.reset()
        let sampler = ProcessSampler()
        let started = ContinuousClock.now
        let result = try await flow.run(scenario: scenario, sampler: sampler, progress: progress)
        let drained = ContinuousClock.now
        try await settle(sampler, maxTail: maxTail, progress: progress, scenario: scenario)
        let lifeSeconds = (ContinuousClock.now - started).seconds
        var cost: DemandCost?
        if let counters, let before {
            let wait = statisticsDelay - (ContinuousClock.now - drained)
            if wait > .zero {
                progress.show("\(scenario)  waiting \(Int(wait.seconds.rounded(.up))) s for PostgreSQL's table statistics")
                try await Task.sleep(for: wait)
                progress.end()
            }
            cost = DemandCost(
                before: before, after: counters.snapshot(), demands: result.published, departmentDeliveries: result.departmentDeliveries)
        }
        var profile = await statements?.read()
        if let resetProblem { profile = StatementProfile.Result(unavailable: resetProblem) }
        return FlowPhase(result: result, processes: sampler.results(), lifeSeconds: lifeSeconds, cost: cost, statements: profile)
    }

    /// Samples every 500 ms until the life groups spent under 5 % of one core over the last
    /// second, or `maxTail` passed.
    private static func settle(_ sampler: ProcessSampler, maxTail: Duration, progress: ProgressLine, scenario: String) async throws {
        let start = ContinuousClock.now
        var history: [(ContinuousClock.Instant, Double)] = []
        while ContinuousClock.now - start < maxTail {
            sampler.sample()
            let now = ContinuousClock.now
            let cpu = sampler.results().filter { lifeGroups.contains($0.name) }.map(\.cpuSeconds).reduce(0, +)
            history.append((now, cpu))
            if let old = history.last(where: { now - $0.0 >= .seconds(1) }),
                BenchFigures.percentOfCore(cpuSeconds: cpu - old.1, seconds: (now - old.0).seconds) < 5
            {
                return
            }
            progress.show("\(scenario)  tail: waiting for the last notifications and events (\(Int((now - start).seconds)) s)")
            try await Task.sleep(for: .milliseconds(500))
        }
        progress.end()
    }
}

/// Nothing published for a while: what the idle system costs.
struct IdlePhase: Sendable {
    var seconds: Double
    var processes: [ProcessSampler.Figures]

    static func run(seconds: Double, progress: ProgressLine) async throws -> IdlePhase {
        let sampler = ProcessSampler()
        let started = ContinuousClock.now
        sampler.sample()
        while ContinuousClock.now - started < .milliseconds(Int(seconds * 1000)) {
            try await Task.sleep(for: .seconds(1))
            sampler.sample()
            progress.show("idle  \(Int((ContinuousClock.now - started).seconds)) of \(Int(seconds)) s, nothing published")
        }
        progress.end()
        return IdlePhase(seconds: (ContinuousClock.now - started).seconds, processes: sampler.results())
    }

    /// CPU of one group as a percentage of one core.
    func percent(_ group: String) -> Double {
        BenchFigures.percentOfCore(cpuSeconds: processes.first { $0.name == group }?.cpuSeconds ?? 0, seconds: seconds)
    }

    /// The services and the database together (the target), as a percentage of one core.
    var servicesAndDatabasePercent: Double {
        ["intake", "dispatcher", "notifier", "evaluator", "postgres"].map(percent).reduce(0, +)
    }
}
