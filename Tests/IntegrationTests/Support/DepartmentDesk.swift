import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// Departments as a test plays them: reads assignments from `dept.<code>` and replies on
/// `whistle.replies` with the department's code as routing key, like any department's client.
final class DepartmentDesk: @unchecked Sendable {
    private let configuration: AMQPConfiguration
    private let publisher: AMQPPublisher
    private let lock = NSLock()
    private var consumers: [String: AMQPConsumer] = [:]
    private var inbox: [String: [[String: Any]]] = [:]

    init(sandbox: TestSandbox) throws {
        configuration = try AMQPConfiguration(url: sandbox.amqpURL)
        publisher = AMQPPublisher(
            configuration: configuration, name: "test-desk", topology: WhistleTopology.base, logger: .init(label: "test"))
    }

    private func consumer(_ department: String) async throws -> AMQPConsumer {
        if let existing = lock.withLock({ consumers[department] }) { return existing }
        var topology = WhistleTopology.base
        topology.queues.append(WhistleTopology.department(department, deliveryLimit: 5))
        let consumer = AMQPConsumer(
            configuration: configuration, name: "test-desk-\(department)", queues: [departmentQueue(department)], prefetch: 1000,
            topology: topology, logger: .init(label: "test"))
        try await consumer.start()
        lock.withLock { consumers[department] = consumer }
        return consumer
    }

    /// Everything that arrived in `dept.<department>` within `milliseconds` (and before).
    @discardableResult
    func drain(_ department: String, milliseconds: Int = 300) async throws -> [[String: Any]] {
        let consumer = try await consumer(department)
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while ContinuousClock.now < deadline {
            let batch = try await consumer.nextBatch(max: 1000, waitMilliseconds: 100)
            guard let last = batch.last else { continue }
            let parsed = batch.compactMap { delivery -> [String: Any]? in
                guard var body = try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any] else { return nil }
                body["_message_id"] = delivery.messageId
                return body
            }
            lock.withLock { inbox[department, default: []] += parsed }
            try await consumer.ack(through: last)
        }
        return lock.withLock { inbox[department] ?? [] }
    }

    /// Waits for the assignment of `ticketNo` in `dept.<department>` matching `predicate`.
    func assignment(
        _ department: String, ticket ticketNo: String, timeout: Duration = .seconds(30),
        sourceLocation: SourceLocation = #_sourceLocation, where predicate: ([String: Any]) -> Bool = { _ in true }
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let all = try await drain(department, milliseconds: 200)
            if let found = all.last(where: { $0["ticket_no"] as? String == ticketNo && predicate($0) }) { return found }
        }
        Issue.record("no assignment of \(ticketNo) reached dept.\(department)", sourceLocation: sourceLocation)
        throw ServiceProcessError.notHealthy("dept.\(department)")
    }

    /// The assignments of `ticketNo` received so far in `dept.<department>`.
    func received(_ department: String, ticket ticketNo: String) -> [[String: Any]] {
        lock.withLock { inbox[department] ?? [] }.filter { $0["ticket_no"] as? String == ticketNo }
    }

    /// Publishes a reply of `department`; returns its message id.
    @discardableResult
    func reply(_ department: String, _ assignmentId: String, _ action: String, _ extra: [String: Any] = [:]) async throws -> String {
        var body: [String: Any] = ["assignment_id": assignmentId, "action": action]
        for (key, value) in extra { body[key] = value }
        return try await send(routingKey: department, body)
    }

    /// Publishes `body` on `whistle.replies` with `routingKey`; returns its message id.
    @discardableResult
    func send(routingKey: String, _ body: [String: Any]) async throws -> String {
        let id = UUID().uuidString
        let message = OutboundMessage(
            exchange: Exchange.replies, routingKey: routingKey, body: Fixtures.json(body), messageId: id)
        let outcomes = try await publisher.publish([message], timeout: .seconds(30))
        #expect(outcomes == [.confirmed])
        return id
    }

    func close() async {
        for consumer in lock.withLock({ Array(consumers.values) }) { await consumer.close() }
        await publisher.close()
    }
}
