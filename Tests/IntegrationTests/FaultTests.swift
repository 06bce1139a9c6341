import Foundation
import Testing
import WhistleMessages

/// Faults against real processes: SIGKILL of intake and a RabbitMQ restart in the middle of a
/// stream of 1,000 demands, and SIGTERM of every service.
@Suite("Faults", .serialized)
struct FaultTests {
    static let total = 1000

    /// 1,000 demands across the four channels, each with its own external id and message id.
    static func stream(_ tag: String) -> [(routingKey: String, body: [UInt8], messageId: String)] {
        (0..<total).map { i in
            let channel = Channel.demandChannels[i % 4]
            return (channel.routingKey, Fixtures.json(Fixtures.demand(channel, externalId: "\(tag)-\(i)")), "\(tag)-m-\(i)")
        }
    }

    /// Publishes the stream in confirmed slices of 50, running `fault` once `faultAt` are confirmed.
    static func publish(
        _ stream: [(routingKey: String, body: [UInt8], messageId: String)], with adapter: TestAdapter, faultAt: Int,
        fault: () async throws -> Void
    ) async throws {
        var sent = 0
        var faulted = false
        while sent < stream.count {
            let slice = Array(stream[sent..<min(sent + 50, stream.count)])
            try await adapter.publish(slice, timeout: .seconds(120))
            sent += slice.count
            if !faulted && sent >= faultAt {
                faulted = true
                try await fault()
            }
        }
    }

    /// Waits until the sandbox holds `total` tickets (or the time is up) and returns the count.
    static func settle(_ sandbox: TestSandbox, timeout: Duration = .seconds(90)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        var count = 0
        while ContinuousClock.now < deadline {
            count = try await sandbox.count("SELECT count(*) FROM tickets")
            if count >= total { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        try await Task.sleep(for: .seconds(1))
        return try await sandbox.count("SELECT count(*) FROM tickets")
    }

    /// Every external id exactly once, and every demand answered by exactly one distinct event.
    static func verifyExactlyOnce(_ sandbox: TestSandbox, events: EventCollector, tag: String) async throws {
        #expect(try await sandbox.count("SELECT count(*) FROM demands") == total)
        #expect(
            try await sandbox.count("SELECT count(DISTINCT (d.channel, d.external_id)) FROM tickets t JOIN demands d USING (ticket_no)")
                == total)
        // A relay killed mid-batch drops its locks with its connection; the rows go out again.
        let drained = ContinuousClock.now + .seconds(30)
        while try await sandbox.count("SELECT count(*) FROM outbox") > 0, ContinuousClock.now < drained {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await sandbox.count("SELECT count(*) FROM outbox") == 0)
        let all = try await events.waitFor("\(total) ticket.accepted") { list in
            Set(list.filter { $0["type"] as? String == "ticket.accepted" }.compactMap { $0["event_id"] as? String }).count >= total
        }
        let accepted = all.filter { $0["type"] as? String == "ticket.accepted" }
        let byMessage = Dictionary(grouping: accepted) { $0.sourceMessageId ?? "" }
        #expect(byMessage.count == total, "one accepted event per demand")
        #expect(
            byMessage.values.allSatisfy { Set($0.compactMap { $0["event_id"] as? String }).count == 1 }, "a resent event keeps its event_id"
        )
    }

    @Test("SIGKILL of intake mid-stream, then a restart, leaves exactly 1,000 tickets")
    func killIntake() async throws {
        let sandbox = try await TestSandbox("fault-kill")
        try await Fixtures.prepare(sandbox)
        var intake = try ServiceProcess("intake", sandbox: sandbox)
        let events = try await EventCollector(sandbox: sandbox)
        let adapter = try TestAdapter(sandbox: sandbox)
        do {
            try await intake.waitHealthy()
            let stream = Self.stream("kill")
            async let published: Void = Self.publish(stream, with: adapter, faultAt: stream.count) {}
            // Kill intake while it is in the middle of the stream: some tickets stored, not all.
            var atKill = 0
            while atKill < 300 {
                try await Task.sleep(for: .milliseconds(5))
                atKill = try await sandbox.count("SELECT count(*) FROM tickets")
            }
            intake.signal(SIGKILL)
            let (status, _) = try await intake.waitForExit()
            #expect(status != 0)
            #expect(atKill < Self.total, "the kill came mid-stream (\(atKill) tickets stored)")
            intake = try ServiceProcess("intake", sandbox: sandbox)
            try await intake.waitHealthy()
            try await published
            #expect(try await Self.settle(sandbox) == Self.total)
            try await Self.verifyExactlyOnce(sandbox, events: events, tag: "kill")
        } catch {
            Issue.record("\(error)\n\(intake.logTail())")
        }
        await adapter.close()
        await events.close()
        await intake.stop()
        await sandbox.tearDown()
    }

    @Test("a RabbitMQ restart mid-stream loses no demand and doubles none")
    func restartBroker() async throws {
        try await withIntake("fault-broker") { sandbox, intake, events, adapter in
            try await Self.publish(Self.stream("broker"), with: adapter, faultAt: 300) {
                let status = try await sandbox.servers.control("rabbitmq-restart")
                #expect(status == 0, "the broker restarts")
            }
            #expect(try await Self.settle(sandbox) == Self.total)
            try await Self.verifyExactlyOnce(sandbox, events: events, tag: "broker")
            #expect(intake.isRunning, "intake rode out the restart")
        }
    }

    @Test("SIGTERM stops each service within 5 s, after its in-flight batch", arguments: ["intake", "dispatcher", "notifier", "evaluator"])
    func gracefulStop(service: String) async throws {
        let sandbox = try await TestSandbox("fault-term")
        try await Fixtures.prepare(sandbox)
        let process = try ServiceProcess(service, sandbox: sandbox)
        let adapter = try TestAdapter(sandbox: sandbox)
        var intake: ServiceProcess?
        do {
            try await process.waitHealthy()
            if service != "intake" {
                intake = try ServiceProcess("intake", sandbox: sandbox)
                try await intake?.waitHealthy()
            }
            // Work in flight: demands (and so ticket.accepted events) still arriving.
            try await adapter.publish(Self.stream("term").prefix(300).map { $0 })
            process.signal(SIGTERM)
            let (status, took) = try await process.waitForExit(timeout: .seconds(20))
            #expect(status == 0, "\(service) exits cleanly on SIGTERM")
            #expect(took < .seconds(5), "\(service) took \(took) to stop")
            #expect(process.log().contains("consumer stopped"))
        } catch {
            Issue.record("\(error)\n\(process.logTail())")
        }
        await intake?.stop()
        await adapter.close()
        await process.stop()
        await sandbox.tearDown()
    }
}
