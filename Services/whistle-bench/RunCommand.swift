import ArgumentParser
import Foundation
import WhistleAMQP
import WhistleRuntime

/// `whistle-bench run`: the benchmark. The machine's own ceiling (pgbench, the bare pipeline),
/// then the whole flow as fast as it goes and at a fixed rate, with CPU and memory of every
/// process; a table at the end, JSON for machines.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "The benchmark: ceiling (pgbench, bare pipeline) and the whole flow at full speed and at a fixed rate.",
        discussion: """
            Needs the servers and the four services running on the seed district (./deploy/run.sh does both), \
            WHISTLE_AMQP_URL (a broker user that may publish to whistle.intake and whistle.replies and read the \
            dept.* queues, e.g. whistle-admin) and WHISTLE_DATABASE_URL (the schema owner: the ceiling creates and \
            drops scratch tables). Nothing else should load the machine meanwhile.
            """)

    @Option(help: "Seconds each flow scenario publishes.") var duration = 30.0
    @Option(help: "Flow scenarios: demands per second, 0 for as fast as the broker confirms.") var rates: [Double] = [0, 500]
    @Option(help: "Milliseconds a department takes to acknowledge an assignment.") var ackDelayMs = 200
    @Option(help: "Milliseconds from an assignment's arrival to its completion.") var completeDelayMs = 1000
    @Option(help: "Milliseconds from ticket.resolved to the citizen's survey answer.") var feedbackDelayMs = 500
    @Option(help: "Messages through the bare pipeline.") var bareCount = 30_000
    @Option(help: "pgbench transactions per client (4 clients).") var pgbenchTransactions = 10_000
    @Flag(help: "Skip the ceiling (pgbench and the bare pipeline).") var skipCeiling = false
    @Option(help: "The seed departments.yaml whose dept.<code> queues the simulated departments work.")
    var departments = "deploy/seed/departments.yaml"
    @Option(help: "Folder of sample demand bodies.") var samples = "deploy/samples/demands"
    @Option(help: "Also write the results as JSON to this file.") var json: String?
    @Option(name: .customLong("amqp-url"), help: "Broker (default: $WHISTLE_AMQP_URL).") var amqpURL: String?
    @Option(name: .customLong("database-url"), help: "Database, as the schema owner (default: $WHISTLE_DATABASE_URL).")
    var databaseURL: String?

    func validate() throws {
        guard duration > 0, !rates.isEmpty, rates.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("--duration must be positive, --rates ≥ 0")
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
        for rate in rates {
            var scenario = flow
            scenario.rate = rate
            let sampler = ProcessSampler()
            let result = try await scenario.run(scenario: rate == 0 ? "full speed" : "\(Int(rate))/s", sampler: sampler, progress: progress)
            report.flows.append((result, sampler.results()))
            // Let the queues settle (late notifications, evaluator) before the next scenario.
            try await Task.sleep(for: .seconds(3))
        }
        print(report.table)
        if let json {
            try report.json.write(to: URL(fileURLWithPath: json), options: .atomic)
            print("\nJSON: \(json)")
        }
    }
}
