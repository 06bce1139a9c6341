import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// Feeds events straight to evaluator's queue (`evaluator.events`), as the relay would deliver
/// them, and waits until evaluator has taken them all.
enum EvaluatorFeed {
    /// One event as it travels: its id (the AMQP `message_id`), its type and its encoded envelope.
    struct Event {
        var id: String
        var type: String
        var body: [UInt8]
    }

    /// Publishes `events` `times` times over, then a marker event, and waits (up to 30 s) until
    /// evaluator has applied the marker: everything before it has been taken.
    static func publish(_ sandbox: TestSandbox, _ events: [Event], times: Int, name: String) async throws {
        let publisher = AMQPPublisher(
            configuration: try AMQPConfiguration(url: sandbox.amqpURL), name: "test-\(name)", topology: WhistleTopology.base,
            logger: .init(label: "test"))
        let marker = "\(name)-marker-\(UUID().uuidString)"
        let markerBody = #"{"event_id":"\#(marker)","type":"test.marker","occurred_at":"2026-11-24T02:00:00Z","ticket_no":null,"data":{}}"#
        let all =
            Array(repeating: events, count: times).flatMap { $0 } + [Event(id: marker, type: "test.marker", body: Array(markerBody.utf8))]
        let messages = all.map {
            OutboundMessage(exchange: "", routingKey: WhistleTopology.evaluatorEventsQueue, body: $0.body, messageId: $0.id, type: $0.type)
        }
        let outcomes = try await publisher.publish(messages, timeout: .seconds(60))
        await publisher.close()
        #expect(outcomes.allSatisfy { $0 == .confirmed })
        try await waitApplied(sandbox, marker)
    }

    /// Waits (up to 30 s) until evaluator has applied the event `eventId`.
    static func waitApplied(_ sandbox: TestSandbox, _ eventId: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await sandbox.count("SELECT count(*) FROM evaluator_applied WHERE event_id = $1", [eventId]) == 1 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("evaluator never counted \(eventId)")
    }
}
