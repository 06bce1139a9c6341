import Foundation
import Testing
import WhistleMessages
import WhistleReliability

/// The fault-injection suite (`./deploy/faults.sh`; in CI a short form): under a steady stream of
/// demands and department replies it SIGKILLs a random service, restarts RabbitMQ, restarts
/// PostgreSQL and stalls the webhook receiver, round after round, while the clock runs so that
/// deadlines fire; then it drains and counts what was lost or done twice. Both must be zero.
@Suite("Fault injection", .serialized)
struct FaultSuiteTests {
    enum Fault: String, CaseIterable {
        case killService = "SIGKILL a service", restartRabbitMQ = "restart RabbitMQ", restartPostgres = "restart PostgreSQL",
            stallReceiver = "stall the webhook receiver"
    }

    /// Rounds of faults: `WHISTLE_FAULT_ROUNDS` (the long form), else one of each.
    static var rounds: Int { Int(ProcessInfo.processInfo.environment["WHISTLE_FAULT_ROUNDS"] ?? "") ?? Fault.allCases.count }

    static func departments() throws -> [String] {
        let yaml = try String(contentsOfFile: FlowHarness.seedFolder + "/departments.yaml", encoding: .utf8)
        return yaml.matches(of: /code: ([A-Za-z0-9-]+)/).map { String($0.output.1) }
    }

    @Test("faults under load lose nothing and do nothing twice; no log line holds a phone number or a name")
    func faultsUnderLoad() async throws {
        let sink = try WebhookSinkProcess(secret: NotifierFlowTests.secret)
        defer { sink.stop() }
        try await sink.waitListening()
        // Notifier retries on real time (the others read the moved clock): a retry is never due
        // after the test's clock stops.
        var notifier = NotifierFlowTests.environment(sink, maxAttempts: 40)
        notifier["WHISTLE_NOTIFY_TIMEOUT_MS"] = "2000"
        notifier["WHISTLE_LOG_LEVEL"] = ProcessInfo.processInfo.environment["WHISTLE_FAULT_NOTIFIER_LOG"] ?? "info"
        try await FlowHarness.run("fault-suite", start: "2026-11-18T09:00:00+08:00", notifier: notifier) { flow in
            let workload = FaultWorkload(flow: flow)
            let departments = try Self.departments()
            var random = SystemRandomNumberGenerator()
            var injected: [Fault: Int] = [:]
            var killed: [String] = []
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await workload.publish(run: "F\(UUID().uuidString.prefix(4))") }
                group.addTask { await workload.work(departments: departments) }
                var minutes = 0
                for round in 0..<Self.rounds {
                    try await Task.sleep(for: .seconds(2))
                    let fault = round < Fault.allCases.count ? Fault.allCases[round] : Fault.allCases.randomElement(using: &random)!
                    switch fault {
                    case .killService:
                        let victim = ["intake", "dispatcher", "notifier", "evaluator"].randomElement(using: &random)!
                        killed.append(victim)
                        try await flow.killAndRestart(victim)
                    case .restartRabbitMQ:
                        #expect(try await flow.sandbox.servers.control("rabbitmq-restart") == 0)
                    case .restartPostgres:
                        #expect(try await flow.sandbox.servers.control("postgres-restart") == 0)
                    case .stallReceiver:
                        sink.signal(SIGSTOP)
                        try await Task.sleep(for: .seconds(4))
                        sink.signal(SIGCONT)
                    }
                    injected[fault, default: 0] += 1
                    // Time runs on: 40 minutes a round, so that acknowledge deadlines warn and pass.
                    minutes += 40
                    try flow.setClock(
                        RFC3339.format(FlowRoutingTests.instant("2026-11-18T09:00:00+08:00")!.addingTimeInterval(Double(minutes * 60))))
                }
                try await Task.sleep(for: .seconds(2))
                workload.stop()
                try await group.waitForAll()
            }
            let loadSeconds = (ContinuousClock.now - started).components.seconds
            let drained = try await FaultDrain.run(flow, workload: workload, departments: departments, sink: sink)
            let faults =
                Fault.allCases.map { "\(injected[$0] ?? 0) × \($0.rawValue)" }.joined(separator: ", ")
                + " [killed: \(killed.joined(separator: ", "))]"
            print(
                "fault suite: \(injected.values.reduce(0, +)) faults injected (\(faults)) in \(loadSeconds) s; "
                    + "\(workload.confirmed.count) demands confirmed (\(workload.publishFailures) slices sent again); \(drained.summary)")
            #expect(drained.lost == 0, "lost: \(drained.lostDetail)")
            #expect(drained.duplicated == 0, "duplicated: \(drained.duplicatedDetail)")
            #expect(drained.timersFired > 0 && drained.notificationsSent > 0, "the suite exercised the clocks and the notifications")
            #expect(try await flow.sandbox.count("SELECT count(*) FROM demands WHERE outcome = 'rejected'") == 0, "the workload is valid")

            // Personal data: no service wrote a reporter's phone number or a petitioner's name to its log.
            for service in flow.services {
                let log = service.log()
                #expect(!log.isEmpty)
                for secret in FaultWorkload.secrets {
                    #expect(!log.contains(secret), "\(service.name)'s log holds \(secret)")
                }
            }
        }
    }
}
