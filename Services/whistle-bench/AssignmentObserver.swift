import Foundation
import Histogram
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// Plays every department of the sample district: consumes all `dept.<code>` queues and notes
/// when the first assignment of each ticket arrived, for the publish → department-queue figures.
final class AssignmentObserver: @unchecked Sendable {
    private let consumer: AMQPConsumer
    /// First arrival per ticket.
    private(set) var arrivals: [String: ContinuousClock.Instant] = [:]
    private(set) var assignments = 0

    /// The department codes of a seed `departments.yaml` (every `code:` value).
    static func departmentCodes(in file: String) throws -> [String] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"\bcode:\s*([A-Za-z0-9_-]+)"#)
        let range = NSRange(text.startIndex..., in: text)
        return pattern.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    init(configuration: AMQPConfiguration, departments: [String]) async throws {
        var topology = WhistleTopology.base
        topology.queues += departments.map { WhistleTopology.department($0, deliveryLimit: 5) }
        consumer = AMQPConsumer(
            configuration: configuration, name: "bench-departments", queues: departments.map(departmentQueue), prefetch: 2000,
            topology: topology, logger: .init(label: "bench"))
        try await consumer.start()
    }

    /// Takes whatever assignments are waiting.
    func collect(waitMilliseconds: Int = 1) async throws {
        let batch = try await consumer.nextBatch(max: 2000, waitMilliseconds: waitMilliseconds, lingerMilliseconds: 2)
        guard let last = batch.last else { return }
        let arrived = ContinuousClock.now
        for delivery in batch {
            assignments += 1
            guard let body = try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any],
                let ticketNo = body["ticket_no"] as? String, arrivals[ticketNo] == nil
            else { continue }
            arrivals[ticketNo] = arrived
        }
        try await consumer.ack(through: last)
    }

    /// Reads until every ticket of `tickets` has an assignment; returns the last arrival.
    func waitAll(_ tickets: Set<String>, progress: Bool) async throws -> ContinuousClock.Instant {
        var idleSince = ContinuousClock.now
        var lastPrint = ContinuousClock.now
        while !tickets.allSatisfy({ arrivals[$0] != nil }) {
            let before = arrivals.count
            try await collect(waitMilliseconds: 200)
            if arrivals.count > before {
                idleSince = .now
            } else if ContinuousClock.now - idleSince > .seconds(60) {
                let missing = tickets.filter { arrivals[$0] == nil }.count
                throw BenchError("no assignment for 60 s: \(missing) tickets still wait for one (is dispatcher running?)")
            }
            if progress, ContinuousClock.now - lastPrint > .seconds(1) {
                lastPrint = .now
                FileHandle.standardError.write(Data("\r\(arrivals.count)/\(tickets.count) tickets in department queues".utf8))
            }
        }
        return tickets.compactMap { arrivals[$0] }.max() ?? .now
    }

    func close() async { await consumer.close() }
}
