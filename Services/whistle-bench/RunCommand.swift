import ArgumentParser
import Foundation
import WhistleAMQP
import WhistleDomain
import WhistleRuntime

/// `whistle-bench run`: the benchmark. The machine's own ceiling (pgbench, the bare pipeline),
/// then the whole flow as fast as it goes and at a fixed rate, with CPU and memory of every
/// process; a table at the end, JSON for machines.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "The benchmark: ceilings (pgbench, bare and like-for-like pipelines), a latency curve, the whole flow at full speed, idle.",
        discussion: """
            Needs the servers and the four services running on the seed district (./deploy/run.sh does both), \
            WHISTLE_AMQP_URL (a broker user that may publish to whistle.intake and whistle.replies and read the \
            dept.* queues, e.g. whistle-admin) and WHISTLE_DATABASE_URL (the schema owner: the ceiling creates and \
            drops scratch tables). Nothing else should load the machine meanwhile. Order: pgbench, the three-hop bare \
            pipeline, the latency curve (--curve rates, --curve-duration s each), the --rates scenarios (--duration s \
            each), the like-for-like pipeline (as many quorum-queue deliveries and row writes per message as the flow \
            made per demand, counted by the broker and PostgreSQL during the flow), then --idle-seconds with nothing \
            published. Run the generator on cores of its own with taskset (deploy/bench.sh --generator-cpus does) and \
            say so with --generator-cpus: the report states the CPUs it was allowed.
            """)

    @Option(help: "Seconds each --rates scenario publishes.") var duration = 30.0
    @Option(help: "Flow scenarios: demands per second, 0 for as fast as the broker confirms.") var rates: [Double] = [0]
    @Option(help: "The latency curve's rates (demands per second), each a short phase.") var curve: [Double] = [20, 50, 100, 200, 500]
    @Option(help: "Seconds each rate of the latency curve publishes.") var curveDuration = 15.0
    @Flag(help: "Skip the latency curve.") var skipCurve = false
    @Option(help: "Seconds of the idle phase at the end (nothing published); 0 skips it.") var idleSeconds = 60.0
    @Option(help: "Messages through the like-for-like pipeline.") var likeCount = 5_000
    @Option(help: "The CPUs the generator was confined to (taskset -c LIST), stated in the report; checked against its affinity.")
    var generatorCpus: String?
    @Option(help: "The command (split at spaces) that runs rabbitmqctl against the benchmark's broker.")
    var rabbitmqctl = "deploy/servers.sh rabbitmqctl run"
    @Flag(help: "Do not read the servers' counters (hops and row writes per demand), nor pg_stat_statements.")
    var skipCounters = false
    @Option(help: "Milliseconds a department takes to acknowledge an assignment.") var ackDelayMs = 200
    @Option(help: "Milliseconds from an assignment's arrival to its completion.") var completeDelayMs = 1000
    @Option(help: "Milliseconds from ticket.resolved to the citizen's survey answer.") var feedbackDelayMs = 500
    @Option(help: "Messages through the bare pipeline.") var bareCount = 30_000
    @Option(help: "pgbench transactions per client (4 clients).") var pgbenchTransactions = 10_000
    @Flag(help: "Skip the ceiling (pgbench and the bare pipeline).") var skipCeiling = false
    @Option(help: "First load this many closed tickets of earlier months (HistoryLoader), e.g. 1000000.") var history = 0
    @Option(help: "The days the loaded history spans, up to yesterday.") var historyDays = 180
    @Flag(help: "Only load the history (--history), run nothing else.") var historyOnly = false
    @Option(help: "The seed departments.yaml whose dept.<code> queues the simulated departments work.")
    var departments = "deploy/seed/departments.yaml"
    @Option(help: "Folder of sample demand bodies.") var samples = "deploy/samples/demands"
    @Option(help: "Also write the results as JSON to this file.") var json: String?
    @Option(name: .customLong("amqp-url"), help: "Broker (default: $WHISTLE_AMQP_URL).") var amqpURL: String?
    @Option(name: .customLong("database-url"), help: "Database, as the schema owner (default: $WHISTLE_DATABASE_URL).")
    var databaseURL: String?

    func validate() throws {
        guard duration > 0, curveDuration > 0, rates.allSatisfy({ $0 >= 0 }), curve.allSatisfy({ $0 > 0 }), idleSeconds >= 0 else {
            throw ValidationError("--duration and --curve-duration must be positive, --rates ≥ 0, --curve > 0, --idle-seconds ≥ 0")
        }
        guard ackDelayMs >= 0, completeDelayMs >= ackDelayMs, feedbackDelayMs >= 0 else {
            throw ValidationError("delays must be ≥ 0, and --complete-delay-ms ≥ --ack-delay-ms")
        }
    }

    func run() async throws {
        WhistleBench.quietLogs()
        let environment = ProcessInfo.processInfo.environment
        let amqp = try AMQPConfiguration(url: amqpURL ?? environment["WHISTLE_AMQP_URL"] ?? ServiceConfiguration.defaultAMQPURL)
        let database = databaseURL ?? environment["WHISTLE_DATABASE_URL"] ?? ServiceConfiguration.defaultDatabaseURL
        let progress = ProgressLine(enabled: true)
        var report = BenchReport(machine: .current())
        if history > 0 {
            let loaded = try await HistoryLoader(databaseURL: database, tickets: history, days: historyDays).run { progress.show($0) }
            progress.end()
            print(loaded.summary)
            if historyOnly { return }
        }
        if !skipCeiling {
            progress.show("pgbench  4 × \(pgbenchTransactions) transactions of one INSERT")
            report.pgbench = try PgBench(databaseURL: database, transactionsPerClient: pgbenchTransactions).run()
            progress.end()
            let bare = BarePipeline(amqp: amqp, databaseURL: database, count: bareCount)
            report.bare = try await bare.run { progress.show($0) }
            progress.end()
        }
        let flow = FlowRun(
            amqp: amqp, templates: try SampleDemands.load(from: samples),
            departments: try AssignmentObserver.departmentCodes(in: departments), rate: 0, duration: .milliseconds(Int(duration * 1000)),
            delays: .init(
                acknowledge: .milliseconds(ackDelayMs), complete: .milliseconds(completeDelayMs), feedback: .milliseconds(feedbackDelayMs)))
        report.generator = .current(requested: generatorCpus)
        let scopeProbe = ProcessSampler()
        scopeProbe.sample()
        report.processScope = scopeProbe.scope
        let counters =
            skipCounters ? nil : ServerCounters(rabbitmqctl: rabbitmqctl.split(separator: " ").map(String.init), databaseURL: database)
        let statements = skipCounters ? nil : StatementProfile(databaseURL: database)
        report.countersOn = !skipCounters
        let curvePhases: [(Double, Double, Bool)] = skipCurve ? [] : curve.map { ($0, curveDuration, true) }
        let phases = curvePhases + rates.map { ($0, duration, false) }
        for (rate, seconds, onCurve) in phases {
            var scenario = flow
            scenario.rate = rate
            scenario.duration = .milliseconds(Int(seconds * 1000))
            let phase = try await FlowPhase.run(
                scenario, scenario: (rate == 0 ? "full speed" : "\(Int(rate))/s") + (onCurve ? " (curve)" : ""), counters: counters,
                statements: statements, progress: progress)
            if onCurve { report.curve.append(phase) } else { report.flows.append(phase) }
        }
        if !skipCeiling, let source = report.likeForLikeSource, let cost = source.cost, let hops = cost.quorumDeliveries {
            var like = BarePipeline(amqp: amqp, databaseURL: database, count: likeCount)
            like.name = "bench.like"
            like.hops = max(2, Int(hops.rounded()))
            like.rowsPerStage = BenchFigures.rowsPerStage(hops: like.hops, rows: Int(cost.rowWrites.rounded()))
            report.likeForLike = try await like.run { progress.show($0) }
            progress.end()
        }
        if idleSeconds > 0 {
            try await Task.sleep(for: .seconds(5))
            report.idle = try await IdlePhase.run(seconds: idleSeconds, progress: progress)
        }
        print(report.table)
        if let json {
            try report.json.write(to: URL(fileURLWithPath: json), options: .atomic)
            print("\nJSON: \(json)")
        }
    }
}
