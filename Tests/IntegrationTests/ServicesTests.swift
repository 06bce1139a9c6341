import Foundation
import Testing
import WhistleAMQP
import WhistleMessages

/// The four services together: dispatcher routes each new ticket, notifier and evaluator record
/// ticket.accepted; evaluator serves the read API; every service serves /healthz and /metrics.
@Suite("Services end to end", .serialized)
struct ServicesTests {
    @Test("dispatcher routes each ticket once, the others record it once, and evaluator serves the ticket with its timeline")
    func allFour() async throws {
        let sandbox = try await TestSandbox("services")
        try await Fixtures.prepare(sandbox)
        var processes: [String: ServiceProcess] = [:]
        for name in ["intake", "dispatcher", "notifier", "evaluator"] { processes[name] = try ServiceProcess(name, sandbox: sandbox) }
        let events = try await EventCollector(sandbox: sandbox)
        let adapter = try TestAdapter(sandbox: sandbox)
        do {
            for process in processes.values { try await process.waitHealthy() }
            for (i, channel) in [Channel.twelve345, .grid, .petition].enumerated() {
                try await adapter.publish(channel, Fixtures.demand(channel, externalId: "S-\(i)"), messageId: "s-\(i)")
            }
            let all = try await events.waitFor("three tickets") { $0.filter { $0["type"] as? String == "ticket.accepted" }.count >= 3 }
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let journaled = try await sandbox.count("SELECT count(*) FROM event_journal WHERE event_type = 'ticket.accepted'")
                let counted = try await sandbox.count("SELECT coalesce(sum(count), 0)::int FROM demand_stats")
                let routed = try await sandbox.count("SELECT count(*) FROM tickets WHERE dispatch_round > 0 OR status = 'triage'")
                if journaled >= 3 && counted >= 3 && routed >= 3 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(
                try await sandbox.count("SELECT count(*) FROM event_journal WHERE consumer = 'notifier' AND event_type = 'ticket.accepted'")
                    == 3,
                "notifier recorded each ticket once")
            #expect(
                try await sandbox.count("SELECT coalesce(sum(count), 0)::int FROM demand_stats") == 3, "evaluator counted each demand once")
            let admin = AMQPConnection(
                configuration: try AMQPConfiguration(url: sandbox.amqpURL), name: "admin", logger: .init(label: "test"))
            // The whistle: the street leads, 城管 is co. The complaint about 城管: its supervisor leads.
            // The 12345 call has no routing rule in these fixtures: triage. Nothing for 信访局.
            try await Task.sleep(for: .seconds(1))
            for (code, count) in ["T-ZHZX": 1, "T-CGJ": 1, "T-XFJ": 0, "S-T-JDB": 1] {
                let status = try await admin.queueStatus(departmentQueue(code))
                #expect(status.messages == count, "dept.\(code) holds \(count) assignment(s)")
            }
            #expect(try await sandbox.count("SELECT count(*) FROM tickets WHERE status = 'triage'") == 1)
            await admin.close()
            let api = "http://127.0.0.1:\(processes["evaluator"]!.port)"
            let ticketNo = try #require(all.first { $0.sourceMessageId == "s-1" }?["ticket_no"] as? String)
            // The fixtures' district command center sees every ticket of its district.
            let token = TestTokens.issue("T-ZHZX")
            let (status, body) = try await HTTP.json("\(api)/v1/tickets/\(ticketNo)", token: token)
            #expect(status == 200)
            let ticket = try #require(body as? [String: Any])
            #expect(ticket["ticket_no"] as? String == ticketNo)
            #expect(ticket["status"] as? String == "dispatched")
            #expect(ticket["lead_department"] as? String == "S-T-JDB")
            #expect(ticket["channel"] as? String == "grid")
            #expect(ticket["area"] as? String == "G-T-1")
            #expect(
                (ticket["assignments"] as? [[String: Any]])?.compactMap { $0["department"] as? String }.sorted() == ["S-T-JDB", "T-CGJ"])
            #expect((ticket["demands"] as? [[String: Any]])?.first?["external_id"] as? String == "S-1")
            #expect((ticket["timeline"] as? [[String: Any]])?.first?["type"] as? String == "ticket.accepted")
            let (missing, error) = try await HTTP.json("\(api)/v1/tickets/W20200101-000001", token: token)
            #expect(missing == 404)
            #expect(((error as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "not_found")
            #expect(try await HTTP.get("\(api)/v1/tickets/nonsense", token: token).0 == 400)
            #expect(try await HTTP.get("\(api)/v1/tickets/\(ticketNo)", token: nil).0 == 401, "no token, no ticket")
            let (_, departments) = try await HTTP.json("\(api)/v1/departments")
            let codes = Set(((departments as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String })
            #expect(codes == ["T-ZHZX", "T-CGJ", "T-XFJ", "S-T-JDB"])
            let (_, areas) = try await HTTP.json("\(api)/v1/areas")
            #expect(((areas as? [[String: Any]]) ?? []).first { $0["code"] as? String == "G-T-1" }?["parent"] as? String == "M-T")
            let (_, categories) = try await HTTP.json("\(api)/v1/categories")
            #expect(((categories as? [[String: Any]]) ?? []).first { $0["code"] as? String == "ENV-STALL" }?["parent"] as? String == "ENV")
            for (name, process) in processes {
                let (health, healthBody) = try await HTTP.get("http://127.0.0.1:\(process.port)/healthz")
                #expect(health == 200, "\(name) is healthy")
                #expect(String(decoding: healthBody, as: UTF8.self).contains("\"database\":\"up\""))
                let (_, metrics) = try await HTTP.get("http://127.0.0.1:\(process.port)/metrics")
                #expect(String(decoding: metrics, as: UTF8.self).contains("whistle_messages_consumed_total"), "\(name) serves metrics")
            }
        } catch {
            let logs = processes.values.map { "\($0.name):\n\($0.logTail(10))" }.joined(separator: "\n")
            Issue.record("\(error)\n\(logs)")
        }
        await adapter.close()
        await events.close()
        for process in processes.values { await process.stop() }
        await sandbox.tearDown()
    }

    @Test("/healthz answers 503 while the database is down and 200 again after")
    func healthFollowsTheDatabase() async throws {
        let sandbox = try await TestSandbox("health")
        try await Fixtures.prepare(sandbox)
        let intake = try ServiceProcess("intake", sandbox: sandbox)
        do {
            try await intake.waitHealthy()
            let stopped = try await sandbox.servers.control("postgres-stop")
            #expect(stopped == 0)
            let (down, _) = try await HTTP.get("http://127.0.0.1:\(intake.port)/healthz")
            #expect(down == 503)
            let started = try await sandbox.servers.control("postgres-start")
            #expect(started == 0)
            try await intake.waitHealthy(timeout: .seconds(20))
        } catch {
            _ = try? await sandbox.servers.control("postgres-start")
            Issue.record("\(error)\n\(intake.logTail())")
        }
        await intake.stop()
        await sandbox.tearDown()
    }
}
