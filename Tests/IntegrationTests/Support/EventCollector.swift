import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// A test's own queue on `whistle.events` (all routing keys), read in the background order.
final class EventCollector: @unchecked Sendable {
    private let consumer: AMQPConsumer
    private let lock = NSLock()
    private var received: [[String: Any]] = []

    /// Declares the exchanges and a queue bound to `whistle.events` with `#`.
    init(sandbox: TestSandbox) async throws {
        let queue = "test.events.\(UUID().uuidString.prefix(8))"
        var topology = WhistleTopology.base
        topology.queues.append(
            .init(queue, arguments: [QueueArgument("x-queue-type", .string("quorum"))], bindings: [.init(Exchange.events, "#")]))
        consumer = AMQPConsumer(
            configuration: try AMQPConfiguration(url: sandbox.amqpURL), name: "test-events", queues: [queue], prefetch: 1000,
            topology: topology, logger: .init(label: "test"))
        try await consumer.start()
    }

    /// Reads whatever has arrived within `milliseconds`.
    @discardableResult
    func drain(milliseconds: Int = 300) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while ContinuousClock.now < deadline {
            let batch = try await consumer.nextBatch(max: 1000, waitMilliseconds: 100)
            guard let last = batch.last else { continue }
            let parsed = batch.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }
            lock.withLock { received += parsed }
            try await consumer.ack(through: last)
        }
        return all
    }

    /// Waits until `predicate` holds over everything received, or fails after `timeout`.
    @discardableResult
    func waitFor(
        _ what: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
        _ predicate: ([[String: Any]]) -> Bool
    ) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try await drain(milliseconds: 200)
            if predicate(all) { return all }
        }
        Issue.record("timed out waiting for \(what); received \(all.count) events", sourceLocation: sourceLocation)
        throw ServiceProcessError.notHealthy(what)
    }

    var all: [[String: Any]] { lock.withLock { received } }

    /// Events of one type.
    func of(_ type: EventType) -> [[String: Any]] { all.filter { $0["type"] as? String == type.rawValue } }

    func close() async { await consumer.close() }
}

extension Dictionary where Key == String, Value == Any {
    /// `data.source.message_id` of an intake outcome event.
    var sourceMessageId: String? { ((self["data"] as? [String: Any])?["source"] as? [String: Any])?["message_id"] as? String }
    var data: [String: Any] { self["data"] as? [String: Any] ?? [:] }
}
