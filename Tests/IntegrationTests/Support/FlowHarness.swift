import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// The whole flow for an end-to-end test: a sandbox seeded with the sample district of
/// deploy/seed, the four services as processes (dispatcher reading its time from a file the
/// test moves), an event collector, a channel adapter and a department desk.
final class FlowHarness: @unchecked Sendable {
    let sandbox: TestSandbox
    let clockFile: URL
    let events: EventCollector
    let adapter: TestAdapter
    let desk: DepartmentDesk
    private(set) var services: [ServiceProcess] = []

    /// The sample reference data shipped with the project.
    static var seedFolder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/seed").path
    }

    private init(sandbox: TestSandbox, clockFile: URL, events: EventCollector, adapter: TestAdapter, desk: DepartmentDesk) {
        self.sandbox = sandbox
        self.clockFile = clockFile
        self.events = events
        self.adapter = adapter
        self.desk = desk
    }

    /// The services read their time from `file` and look for due timers every 100 ms.
    static func clockEnvironment(_ file: URL) -> [String: String] {
        ["WHISTLE_CLOCK": "file:\(file.path)", "WHISTLE_TIMER_INTERVAL_MS": "100"]
    }

    /// Moves the services' clock to `instant` (RFC 3339).
    func setClock(_ instant: String) throws {
        try Data(instant.utf8).write(to: clockFile, options: .atomic)
    }

    /// The HTTP port of the (first) service called `name`.
    func port(_ name: String) -> Int { services.first { $0.name == name }?.port ?? 0 }

    /// The environment each service was started with (on top of the sandbox's).
    private var environments: [String: [String: String]] = [:]

    /// SIGKILLs the (first) service called `name` and starts a fresh one in its place, with the
    /// environment it had (and `extra` on top).
    func killAndRestart(_ name: String, extra: [String: String] = [:]) async throws {
        guard let index = services.firstIndex(where: { $0.name == name }) else { return }
        services[index].signal(SIGKILL)
        _ = try await services[index].waitForExit()
        let environment = (environments[name] ?? Self.clockEnvironment(clockFile)).merging(extra) { $1 }
        services[index] = try ServiceProcess(name, sandbox: sandbox, extra: environment)
        try await services[index].waitHealthy()
    }

    /// Starts a service with `environment` and remembers it for restarts.
    private func start(_ name: String, _ environment: [String: String]) throws {
        environments[name] = environment
        services.append(try ServiceProcess(name, sandbox: sandbox, extra: environment))
    }

    /// The log tails of every service, for a failure report.
    func logs() -> String { services.map { "── \($0.name) ──\n\($0.logTail(40))" }.joined(separator: "\n") }

    /// Runs `body` with the flow up: `dispatchers` dispatcher instances, the clock at `start`.
    /// `ownUsers`: each service connects as its own broker user (`whistlectl broker-definitions`, from `BrokerAccess`)
    /// (granted on the sandbox's vhost) and checks every sender (`WHISTLE_SENDERS=strict`), as in
    /// production; otherwise all run as the sandbox's operator user with the check off.
    static func run(
        _ label: String, dispatchers: Int = 1, start: String, notifier: [String: String] = [:], ownUsers: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (FlowHarness) async throws -> Void
    ) async throws {
        let sandbox = try await TestSandbox(label)
        let clockFile = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-clock-\(sandbox.vhost)")
        try Data(start.utf8).write(to: clockFile)
        var harness: FlowHarness?
        do {
            let pool = try sandbox.pool()
            try await WhistleSchema.migrate(pool: pool, logger: .init(label: "test"))
            await pool.close()
            let seeded = try await Ctl(databaseURL: sandbox.databaseURL).run(["seed", seedFolder, "--no-broker"])
            try #require(seeded.status == 0, "seeding failed: \(seeded.stderr)")
            let flow = FlowHarness(
                sandbox: sandbox, clockFile: clockFile, events: try await EventCollector(sandbox: sandbox),
                adapter: try TestAdapter(sandbox: sandbox), desk: try DepartmentDesk(sandbox: sandbox))
            harness = flow
            if ownUsers { try #require(try await sandbox.servers.control("grant-vhost", sandbox.vhost) == 0, "grant-vhost failed") }
            func environment(_ service: String) -> [String: String] {
                let clock = Self.clockEnvironment(clockFile)
                guard ownUsers else { return clock }
                return clock.merging(["WHISTLE_AMQP_URL": sandbox.amqpURL(user: "whistle-\(service)"), "WHISTLE_SENDERS": "strict"]) { $1 }
            }
            try flow.start("intake", environment("intake"))
            for _ in 0..<dispatchers { try flow.start("dispatcher", environment("dispatcher")) }
            try flow.start("notifier", environment("notifier").merging(notifier) { $1 })
            try flow.start("evaluator", environment("evaluator"))
            for service in flow.services { try await service.waitHealthy() }
            try await body(flow)
        } catch {
            Issue.record("\(error)\n\(harness?.logs() ?? "")", sourceLocation: sourceLocation)
        }
        if let harness {
            await harness.desk.close()
            await harness.adapter.close()
            await harness.events.close()
            for service in harness.services { await service.stop() }
        }
        try? FileManager.default.removeItem(at: clockFile)
        await sandbox.tearDown()
    }

    /// Publishes a demand and waits for its outcome event; returns it.
    @discardableResult
    func publish(_ channel: Channel, _ body: [String: Any], messageId: String = UUID().uuidString) async throws -> [String: Any] {
        try await adapter.publish(channel, body, messageId: messageId)
        let outcomes = try await events.waitFor("the outcome of \(messageId)") { all in all.contains { $0.sourceMessageId == messageId } }
        return try #require(outcomes.first { $0.sourceMessageId == messageId })
    }

    /// Waits for an event of `type` about `ticketNo` matching `predicate`; returns it.
    @discardableResult
    func event(
        _ type: EventType, ticket ticketNo: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
        where predicate: @escaping ([String: Any]) -> Bool = { _ in true }
    ) async throws -> [String: Any] {
        func matches(_ event: [String: Any]) -> Bool {
            event["type"] as? String == type.rawValue && event["ticket_no"] as? String == ticketNo && predicate(event)
        }
        let all = try await events.waitFor("\(type.rawValue) of \(ticketNo)", timeout: timeout, sourceLocation: sourceLocation) {
            $0.contains(where: matches)
        }
        return try #require(all.first(where: matches))
    }

    /// The events of `type` about `ticketNo` received so far.
    func received(_ type: EventType, ticket ticketNo: String) -> [[String: Any]] {
        events.of(type).filter { $0["ticket_no"] as? String == ticketNo }
    }
}

extension TestSandbox {
    /// The sandbox's broker URL as another user of `whistlectl broker-definitions` (development
    /// password = the user name; the vhost needs `grant-vhost`).
    func amqpURL(user: String) -> String {
        AMQPConfiguration.splitList(amqpURL).map { url in
            let rest = url[url.range(of: "@")!.upperBound...]
            return "amqp://\(user):\(user)@\(rest)"
        }.joined(separator: ",")
    }
}
