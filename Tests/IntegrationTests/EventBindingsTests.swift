import DispatcherService
import EvaluatorService
import Foundation
import IntakeService
import NotifierService
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// Each events consumer's queue is bound to exactly the types its handler handles. A broker
/// upgraded from a version that bound the queues with `#` loses those bindings when the services
/// start, and the consumers still get every event they act on.
@Suite("Event bindings", .serialized)
struct EventBindingsTests {
    /// The four events queues with the types their handlers handle (the services' own lists).
    static let queues: [(name: String, keys: [String])] = [
        (WhistleTopology.dispatcherEventsQueue, DispatcherApp.eventKeys),
        (WhistleTopology.notifierEventsQueue, NotifierApp.eventKeys),
        (WhistleTopology.evaluatorEventsQueue, EvaluatorApp.eventKeys),
        (WhistleTopology.intakeEventsQueue, IntakeApp.pointsEventKeys),
    ]

    /// An envelope of `type` about no ticket, as a producer would publish it.
    static func event(_ type: String, id: String) -> OutboundMessage {
        let body: [String: Any] = [
            "event_id": id, "type": type, "occurred_at": "2026-12-07T10:00:00+08:00", "ticket_no": NSNull(),
            "data": ["channel": "webhook"],
        ]
        return OutboundMessage(exchange: Exchange.events, routingKey: type, body: Fixtures.json(body), messageId: id, type: type)
    }

    @Test("queues an earlier version bound with # lose that binding at start-up, keep their own types, and still get what they handle")
    func staleWildcardRemoved() async throws {
        let sandbox = try await TestSandbox("bindings")
        try await Fixtures.prepare(sandbox)
        let configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        let admin = AMQPConnection(configuration: configuration, name: "admin", logger: .init(label: "test"))
        let publisher = AMQPPublisher(configuration: configuration, name: "producer", logger: .init(label: "test"))
        var processes: [ServiceProcess] = []
        do {
            // The earlier shape: the same durable quorum queues, each bound to every event.
            let old = Topology(
                exchanges: WhistleTopology.exchanges,
                queues: Self.queues.map {
                    WhistleTopology.queue(
                        $0.name, deliveryLimit: WhistleTopology.defaultDeliveryLimit, bindings: [.init(Exchange.events, "#")])
                })
            try await admin.declare(old)
            // A backlog the wildcard let in: a type none of the four handles.
            let stale = try await publisher.publish([Self.event(EventType.notificationSent.routingKey, id: "stale-1")])
            #expect(stale == [.confirmed])
            for queue in Self.queues { #expect(try await admin.queueStatus(queue.name).messages == 1, "\(queue.name) got the stale event") }

            for name in ["intake", "dispatcher", "notifier", "evaluator"] { processes.append(try ServiceProcess(name, sandbox: sandbox)) }
            for process in processes { try await process.waitHealthy() }
            let adapter = try TestAdapter(sandbox: sandbox)
            try await adapter.publish(.grid, Fixtures.demand(.grid, externalId: "B-1"), messageId: "b-1")
            await adapter.close()
            // Still what each handler needs: dispatcher routes, notifier journals, evaluator counts.
            let deadline = ContinuousClock.now + .seconds(30)
            var routed = 0, journaled = 0, counted = 0
            while ContinuousClock.now < deadline {
                routed = try await sandbox.count("SELECT count(*) FROM tickets WHERE dispatch_round > 0 OR status = 'triage'")
                journaled = try await sandbox.count(
                    "SELECT count(*) FROM event_journal WHERE consumer = 'notifier' AND event_type = 'ticket.accepted'")
                counted = try await sandbox.count("SELECT coalesce(sum(count), 0)::int FROM demand_stats")
                if routed == 1 && journaled == 1 && counted == 1 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(routed == 1, "dispatcher got ticket.accepted and routed the ticket")
            #expect(journaled == 1, "notifier got ticket.accepted")
            #expect(counted == 1, "evaluator got ticket.accepted")
            // The backlog was acknowledged with no effect: not journaled, not counted, not dead-lettered.
            for queue in Self.queues { #expect(try await admin.queueStatus(queue.name).messages == 0, "\(queue.name) is drained") }
            #expect(try await sandbox.count("SELECT count(*) FROM event_journal WHERE event_type = 'notification.sent'") == 0)
            #expect(try await sandbox.count("SELECT count(*) FROM evaluator_applied WHERE event_id = 'stale-1'") == 0)
            #expect(try await admin.queueStatus(WhistleTopology.deadLetterQueue).messages == 0)
            for process in processes { await process.stop() }
            processes = []

            // With nobody consuming: one event of every type of CONTRACT §5 reaches each queue
            // only when its handler handles it; the wildcard and the other types are unbound.
            let all = EventType.allCases.map { Self.event($0.routingKey, id: "all-\($0.rawValue)") }
            #expect(try await publisher.publish(all).allSatisfy { $0 == .confirmed })
            try await Task.sleep(for: .milliseconds(300))
            for queue in Self.queues {
                #expect(
                    try await admin.queueStatus(queue.name).messages == queue.keys.count,
                    "\(queue.name) holds exactly its \(queue.keys.count) types")
            }
        } catch {
            Issue.record("\(error)\n\(processes.map { "\($0.name):\n\($0.logTail(15))" }.joined(separator: "\n"))")
        }
        for process in processes { await process.stop() }
        await publisher.close()
        await admin.close()
        await sandbox.tearDown()
    }
}
