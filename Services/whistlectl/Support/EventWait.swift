import Foundation
import Logging
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistleReliability

/// A temporary queue on `whistle.events`, declared and consumed *before* a command publishes,
/// so that the event answering the message cannot pass by unseen.
///
/// The broker wrapper declares durable, shared queues only, so the queue has a unique name
/// (`whistlectl.wait.<uuid>`), is a classic queue, and carries `x-expires` 60000: the command
/// deletes it at the end, and should the command die first the broker drops it a minute after
/// its consumer went away.
struct EventWait {
    /// One event as read off the queue: the envelope's `type`, `ticket_no` and `data`.
    struct Event: Sendable {
        var type: String
        var ticketNo: String?
        var data: JSONValue
    }

    static let expiresMilliseconds: Int64 = 60_000

    let queue: String
    private let consumer: AMQPConsumer

    private init(queue: String, consumer: AMQPConsumer) {
        self.queue = queue
        self.consumer = consumer
    }

    /// Declares the queue bound to `keys`, starts consuming, runs `body`, then deletes the queue.
    static func with<T>(_ connection: ConnectionOptions, keys: [String], _ body: (EventWait) async throws -> T) async throws -> T {
        let configuration = try connection.amqpConfiguration()
        let logger = connection.logger
        let name = "whistlectl.wait." + UUID().uuidString.lowercased()
        let queue = Topology.Queue(
            name,
            arguments: [QueueArgument("x-queue-type", .string("classic")), QueueArgument("x-expires", .integer(expiresMilliseconds))],
            bindings: keys.map { Topology.Binding(Exchange.events, $0) })
        let consumer = AMQPConsumer(
            configuration: configuration, name: "whistlectl-wait", queues: [name], prefetch: 100,
            topology: Topology(exchanges: WhistleTopology.exchanges, queues: [queue]),
            reconnectPolicy: ReconnectPolicy(maxAttempts: 3), logger: logger)
        func cleanUp() async {
            await consumer.close()
            let admin = AMQPConnection(configuration: configuration, name: "whistlectl-wait-cleanup", logger: logger)
            _ = try? await admin.deleteQueue(name)
            await admin.close()
        }
        do {
            try await consumer.start()
            let value = try await body(EventWait(queue: name, consumer: consumer))
            await cleanUp()
            return value
        } catch {
            await cleanUp()
            throw error
        }
    }

    /// The first event for which `matches` is true, or nil when none came within `seconds`.
    /// Every event read is acknowledged; bodies that are not event envelopes are skipped.
    func first(within seconds: Double, where matches: (Event) -> Bool) async throws -> Event? {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        while clock.now < deadline {
            let left = deadline - clock.now
            let milliseconds = Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
            let batch = try await consumer.nextBatch(max: 100, waitMilliseconds: max(1, min(500, milliseconds)))
            guard let last = batch.last else { continue }
            try await consumer.ack(through: last)
            for delivery in batch {
                if let event = Self.event(delivery), matches(event) { return event }
            }
        }
        return nil
    }

    /// The envelope of a delivery; nil when the body is not a JSON object.
    static func event(_ delivery: Delivery) -> Event? {
        guard let value = try? JSONParser().parse(delivery.body), value.objectValue != nil else { return nil }
        let type = value["type"]?.stringValue ?? delivery.type ?? delivery.routingKey
        return Event(type: type, ticketNo: value["ticket_no"]?.stringValue, data: value["data"] ?? .null)
    }

    /// Prints the `errors` of a rejection, one `  error: <field> <code>: <message>` line each.
    static func printErrors(of event: Event) {
        let entries = ErrorList.parse(event.data["errors"]?.description)
        if entries.isEmpty { print("  (the event lists no errors)") }
        for entry in entries {
            print("  error: \(entry.field ?? "(message)") \(entry.code): \(entry.message)")
        }
    }

    /// `n error` / `n errors`.
    static func errorCount(of event: Event) -> String {
        let count = event.data["errors"]?.arrayValue?.count ?? 0
        return "\(count) error\(count == 1 ? "" : "s")"
    }
}
