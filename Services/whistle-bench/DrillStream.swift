import Foundation
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// The HA drill's clients: a publisher of demands, a reader of intake's outcome events (its own
/// quorum queue, so a broker node's loss loses none) and a reader of every department queue.
/// Each fails over along the node list of its configuration.
final class DrillStream: @unchecked Sendable {
    private let configuration: AMQPConfiguration
    private let run: String
    private let sink: DrillLog
    private let publisher: AMQPPublisher
    private let outcomes: AMQPConsumer
    private let assignments: AMQPConsumer
    private let lock = NSLock()
    private var seen = Set<String>()
    private var assigned = 0
    private var lastAssignment = ContinuousClock.now

    init(amqp: AMQPConfiguration, run: String, departments: [String], sink: DrillLog) {
        self.configuration = amqp
        self.run = run
        self.sink = sink
        publisher = AMQPPublisher(
            configuration: amqp, name: "drill-publisher", topology: WhistleTopology.base, logger: .init(label: "drill"))
        var observed = WhistleTopology.base
        let keys = [EventType.ticketAccepted, .ticketMerged, .demandDuplicate, .demandRejected].map {
            Topology.Binding(Exchange.events, $0.routingKey)
        }
        // Quorum: replicated over the cluster, it survives the node it was declared on.
        observed.queues.append(.init("drill.\(run)", arguments: [QueueArgument("x-queue-type", .string("quorum"))], bindings: keys))
        outcomes = AMQPConsumer(
            configuration: amqp, name: "drill-outcomes", queues: ["drill.\(run)"], prefetch: 2000, topology: observed,
            logger: .init(label: "drill"))
        var departmentTopology = WhistleTopology.base
        departmentTopology.queues += departments.map { WhistleTopology.department($0, deliveryLimit: 5) }
        assignments = AMQPConsumer(
            configuration: amqp, name: "drill-departments", queues: departments.map(departmentQueue), prefetch: 2000,
            topology: departmentTopology, logger: .init(label: "drill"))
    }

    var outcomeCount: Int { lock.withLock { seen.count } }
    var assignmentCount: Int { lock.withLock { assigned } }

    func start() async throws {
        try await publisher.connect()
        try await outcomes.start()
        try await assignments.start()
    }

    /// Publishes `rate` demands a second, in windows of 100 ms, until `until` or the stop file;
    /// the readers run meanwhile. Returns how many the broker confirmed.
    func publish(templates: SampleDemands, rate: Double, until: Date, stopFile: String?) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { [self] in
                var sent = 0, confirmed = 0
                let started = ContinuousClock.now
                while Date() < until, !(stopFile.map { FileManager.default.fileExists(atPath: $0) } ?? false) {
                    let due = min(Int((ContinuousClock.now - started).seconds * rate) - sent, 500)
                    guard due > 0 else {
                        try await Task.sleep(for: .milliseconds(20))
                        continue
                    }
                    let window = (sent..<sent + due).map { i -> OutboundMessage in
                        let (channel, body) = templates.body(i, run: run, distinct: true)
                        return OutboundMessage(
                            exchange: Exchange.intake, routingKey: channel.routingKey, body: body, messageId: "\(run)-\(i)")
                    }
                    sent += due
                    do {
                        let settled = try await publisher.publish(window, timeout: .seconds(20))
                        for (message, outcome) in zip(window, settled) {
                            sink.write(outcome == .confirmed ? "C" : "U", message.messageId)
                            if outcome == .confirmed { confirmed += 1 }
                        }
                    } catch {
                        FileHandle.standardError.write(
                            Data("drill: a window of \(window.count) demands was not confirmed: \(error)\n".utf8))
                        for message in window { sink.write("U", message.messageId) }
                    }
                }
                return confirmed
            }
            group.addTask { [self] in
                while !Task.isCancelled { try await readOnce(wait: 100) }
                return 0
            }
            let confirmed = try await group.next() ?? 0
            group.cancelAll()
            return confirmed
        }
    }

    /// Reads until every confirmed demand has an outcome and no assignment arrived for `settle`.
    func drain(confirmed: Int, settle: Duration, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try await readOnce(wait: 200)
            let (outcomes, quiet) = lock.withLock { (seen.count, ContinuousClock.now - lastAssignment) }
            if outcomes >= confirmed, quiet >= settle { return true }
        }
        return false
    }

    /// One pass over both readers.
    private func readOnce(wait: Int) async throws {
        let events = try await outcomes.nextBatch(max: 2000, waitMilliseconds: wait, lingerMilliseconds: 2)
        for delivery in events {
            guard let event = try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any],
                let source = (event["data"] as? [String: Any])?["source"] as? [String: Any],
                let messageId = source["message_id"] as? String, messageId.hasPrefix(run)
            else { continue }
            _ = lock.withLock { seen.insert(messageId) }
            sink.write("O", event["type"] as? String ?? "?", messageId)
        }
        if let last = events.last { try await outcomes.ack(through: last) }
        let tasks = try await assignments.nextBatch(max: 2000, waitMilliseconds: 1, lingerMilliseconds: 1)
        for delivery in tasks {
            guard let body = try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any],
                let assignmentId = body["assignment_id"] as? String, let ticketNo = body["ticket_no"] as? String
            else { continue }
            lock.withLock {
                assigned += 1
                lastAssignment = .now
            }
            sink.write("A", assignmentId, ticketNo)
        }
        if let last = tasks.last { try await assignments.ack(through: last) }
    }

    func close() async {
        await publisher.close()
        await outcomes.close()
        await assignments.close()
        let admin = AMQPConnection(configuration: configuration, name: "drill-admin", logger: .init(label: "drill"))
        do {
            try await admin.deleteQueue("drill.\(run)")
        } catch {
            FileHandle.standardError.write(Data("drill: could not delete the queue drill.\(run): \(error)\n".utf8))
        }
        await admin.close()
    }
}
