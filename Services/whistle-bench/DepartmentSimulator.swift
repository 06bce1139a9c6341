import Foundation
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// Plays every department, every citizen and every whistling street of the sample district:
/// acknowledges each assignment, completes it (or returns some), answers the survey of each
/// resolved ticket, and has each whistling street evaluate the departments it summoned once the
/// ticket closes. Random choices come from a seeded generator, so a run can be repeated.
final class DepartmentSimulator: @unchecked Sendable {
    struct Mix {
        var returnRatio = 0.05
        var unfinishedRatio = 0.1
        var satisfied = 0.7
        var basicallySatisfied = 0.2
    }

    /// How long a department waits before each step (the benchmark's "think time").
    struct Delays {
        var acknowledge: Duration = .zero
        var complete: Duration = .zero
        var feedback: Duration = .zero
    }

    struct Tally: CustomStringConvertible {
        var assignments = 0, acknowledged = 0, completed = 0, returned = 0, feedback = 0, evaluations = 0
        var description: String {
            "\(assignments) assignments: \(acknowledged) acknowledged, \(completed) completed, \(returned) returned; "
                + "\(feedback) surveys answered, \(evaluations) whistle evaluations"
        }
    }

    private let desks: AMQPConsumer
    private let events: AMQPConsumer
    private let publisher: AMQPPublisher
    /// Publishers of the users that may send feedback (`adapter-<channel>`) and evaluations
    /// (`dept-<street>`), by user (CONTRACT "Broker": the `user_id` rule).
    private var senders: [String: AMQPPublisher] = [:]
    private let configuration: AMQPConfiguration
    private let senderPassword: @Sendable (String) -> String
    /// The channel of each ticket, from its assignments.
    private var channels: [String: String] = [:]
    private let mix: Mix
    private let delays: Delays
    private var random: SeededRandom
    /// Replies and follow-ups waiting for their moment, in due order (each delay is constant).
    private var acksDue: [(ContinuousClock.Instant, OutboundMessage)] = []
    private var finishesDue: [(ContinuousClock.Instant, OutboundMessage)] = []
    private var answersDue: [(ContinuousClock.Instant, (String, OutboundMessage))] = []
    /// When the first assignment of each ticket reached its department, and when each ticket was resolved.
    private(set) var arrivals: [String: ContinuousClock.Instant] = [:]
    private(set) var resolutions: [String: ContinuousClock.Instant] = [:]
    private var whistles: [String: (street: String, summoned: Set<String>)] = [:]
    private(set) var tally = Tally()

    /// `senderPassword` gives the password of an adapter's or a street's broker user (the local
    /// servers' development password is the user's name).
    init(
        configuration: AMQPConfiguration, departments: [String], mix: Mix, seed: UInt64, delays: Delays = Delays(),
        senderPassword: @escaping @Sendable (String) -> String = { $0 }
    ) async throws {
        self.configuration = configuration
        self.senderPassword = senderPassword
        self.mix = mix
        self.delays = delays
        random = SeededRandom(seed: seed)
        var topology = WhistleTopology.base
        topology.queues += departments.map { WhistleTopology.department($0, deliveryLimit: 5) }
        desks = AMQPConsumer(
            configuration: configuration, name: "bench-work-departments", queues: departments.map(departmentQueue), prefetch: 1000,
            topology: topology, logger: .init(label: "bench"))
        let queue = "bench.work.\(UUID().uuidString.prefix(8).lowercased())"
        var eventTopology = WhistleTopology.base
        eventTopology.queues.append(
            .init(
                queue, arguments: [QueueArgument("x-expires", .integer(60_000))],
                bindings: [
                    .init(Exchange.events, EventType.ticketResolved.routingKey), .init(Exchange.events, EventType.ticketClosed.routingKey),
                ]))
        events = AMQPConsumer(
            configuration: configuration, name: "bench-work-events", queues: [queue], prefetch: 1000, topology: eventTopology,
            logger: .init(label: "bench"))
        publisher = AMQPPublisher(
            configuration: configuration, name: "bench-work", topology: WhistleTopology.base, logger: .init(label: "bench"))
        try await events.start()
        try await desks.start()
        try await publisher.connect()
    }

    /// Works until nothing has arrived for `idle` and nothing waits to be sent; returns what was done.
    func run(idle: Duration, progress: Bool) async throws -> Tally {
        var quietSince = ContinuousClock.now
        while ContinuousClock.now - quietSince < idle || self.waiting > 0 {
            if try await step(waitMilliseconds: 200) > 0 { quietSince = .now }
            if progress { FileHandle.standardError.write(Data("\r\(tally)".utf8)) }
        }
        if progress { FileHandle.standardError.write(Data("\n".utf8)) }
        return tally
    }

    /// One round: take waiting assignments and events, send what is due; returns how many
    /// deliveries arrived.
    func step(waitMilliseconds: Int) async throws -> Int {
        let worked = try await assignments(waitMilliseconds: waitMilliseconds) + (try await answers(waitMilliseconds: 1))
        try await sendDue()
        return worked
    }

    /// Replies and follow-ups not sent yet.
    var waiting: Int { acksDue.count + finishesDue.count + answersDue.count }

    private func sendDue() async throws {
        let now = ContinuousClock.now
        try await send(Self.takeDue(&acksDue, now))
        try await send(Self.takeDue(&finishesDue, now))
        try await send(Self.takeDue(&answersDue, now))
    }

    private static func takeDue<Message>(_ list: inout [(ContinuousClock.Instant, Message)], _ now: ContinuousClock.Instant) -> [Message] {
        let count = list.prefix { $0.0 <= now }.count
        defer { list.removeFirst(count) }
        return list.prefix(count).map(\.1)
    }

    private func reply(_ department: String, _ body: [String: Any]) throws -> OutboundMessage {
        OutboundMessage(
            exchange: Exchange.replies, routingKey: department, body: Array(try JSONSerialization.data(withJSONObject: body)),
            messageId: UUID().uuidString.lowercased())
    }

    /// A message to intake, to be sent as broker user `sender`.
    private func intake(_ key: String, _ body: [String: Any], as sender: String) throws -> (String, OutboundMessage) {
        let message = OutboundMessage(
            exchange: Exchange.intake, routingKey: key, body: Array(try JSONSerialization.data(withJSONObject: body)),
            messageId: UUID().uuidString.lowercased())
        return (sender, message)
    }

    private func send(_ messages: [OutboundMessage]) async throws {
        guard !messages.isEmpty else { return }
        let outcomes = try await publisher.publish(messages)
        guard outcomes.allSatisfy({ $0 == .confirmed }) else { throw BenchError("the broker refused replies") }
    }

    /// Sends each message as its user, connecting a publisher for a user the first time.
    private func send(_ messages: [(String, OutboundMessage)]) async throws {
        for (user, group) in Dictionary(grouping: messages, by: \.0) {
            let sender: AMQPPublisher
            if let known = senders[user] {
                sender = known
            } else {
                var settings = configuration
                settings.user = user
                settings.password = senderPassword(user)
                sender = AMQPPublisher(configuration: settings, name: "bench-\(user)", topology: Topology(), logger: .init(label: "bench"))
                try await sender.connect()
                senders[user] = sender
            }
            let outcomes = try await sender.publish(group.map(\.1))
            guard outcomes.allSatisfy({ $0 == .confirmed }) else { throw BenchError("the broker refused messages of \(user)") }
        }
    }

    /// Acknowledges each waiting assignment, then completes or returns it.
    private func assignments(waitMilliseconds: Int) async throws -> Int {
        let batch = try await desks.nextBatch(max: 500, waitMilliseconds: waitMilliseconds, lingerMilliseconds: 5)
        guard let last = batch.last else { return 0 }
        let arrived = ContinuousClock.now
        var acks: [OutboundMessage] = []
        var finishes: [OutboundMessage] = []
        for delivery in batch {
            guard let body = try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any],
                let id = body["assignment_id"] as? String, let department = body["department"] as? String,
                let ticketNo = body["ticket_no"] as? String
            else { continue }
            tally.assignments += 1
            if arrivals[ticketNo] == nil { arrivals[ticketNo] = arrived }
            if let channel = body["channel"] as? String { channels[ticketNo] = channel }
            if body["whistle"] is [String: Any], body["role"] as? String == "lead" {
                whistles[ticketNo] = (department, Set((body["co_departments"] as? [String]) ?? []))
            }
            let draw = random.unit()
            if draw < mix.returnRatio {
                finishes.append(
                    try reply(department, ["assignment_id": id, "action": "return", "reason_code": "not_our_duty", "note": "不属于本部门职责"]))
                tally.returned += 1
                continue
            }
            acks.append(try reply(department, ["assignment_id": id, "action": "acknowledge", "note": "已签收"]))
            tally.acknowledged += 1
            if draw < mix.returnRatio + mix.unfinishedRatio { continue }
            finishes.append(try reply(department, ["assignment_id": id, "action": "complete", "result": "已到现场处置完毕，情况已反馈"]))
            tally.completed += 1
        }
        acksDue += acks.map { (arrived + delays.acknowledge, $0) }
        finishesDue += finishes.map { (arrived + delays.complete, $0) }
        try await desks.ack(through: last)
        return batch.count
    }

    /// Answers the survey of each resolved ticket; evaluates each closed whistle.
    private func answers(waitMilliseconds: Int) async throws -> Int {
        let batch = try await events.nextBatch(max: 500, waitMilliseconds: waitMilliseconds, lingerMilliseconds: 1)
        guard let last = batch.last else { return 0 }
        let arrived = ContinuousClock.now
        var messages: [(String, OutboundMessage)] = []
        for delivery in batch {
            // Only ticket events matter here; anything else on the queue is not the simulator's business.
            let event: ReceivedEvent
            do { event = try ReceivedEvent(body: delivery.body) } catch { continue }
            guard let ticketNo = event.ticketNo else { continue }
            if event.type == EventType.ticketResolved.rawValue {
                if resolutions[ticketNo] == nil { resolutions[ticketNo] = arrived }
                let draw = random.unit()
                let satisfaction =
                    draw < mix.satisfied
                    ? "satisfied" : draw < mix.satisfied + mix.basicallySatisfied ? "basically_satisfied" : "unsatisfied"
                // The citizen answers through the channel's adapter; a whistle's whistler (its lead)
                // verifies the work itself.
                let channel = channels[ticketNo] ?? "12345"
                var adapter = "adapter-" + channel
                if channel == Channel.whistle.rawValue {
                    guard let whistler = whistles[ticketNo]?.street else { continue }
                    adapter = "dept-" + whistler
                }
                messages.append(
                    try intake(
                        "feedback", ["ticket_no": ticketNo, "satisfaction": satisfaction, "resolved": satisfaction != "unsatisfied"],
                        as: adapter))
                tally.feedback += 1
            } else if event.type == EventType.ticketClosed.rawValue, let whistle = whistles.removeValue(forKey: ticketNo),
                !whistle.summoned.isEmpty
            {
                let scores = whistle.summoned.sorted().map { ["department": $0, "score": 60 + Int(random.unit() * 40)] as [String: Any] }
                messages.append(
                    try intake("evaluation", ["ticket_no": ticketNo, "by": whistle.street, "scores": scores], as: "dept-" + whistle.street))
                tally.evaluations += 1
            }
        }
        answersDue += messages.map { (arrived + delays.feedback, $0) }
        try await events.ack(through: last)
        return batch.count
    }

    func close() async {
        await desks.close()
        await events.close()
        await publisher.close()
        for sender in senders.values { await sender.close() }
    }
}

/// SplitMix64: a small, fast, seeded generator for repeatable runs (the simulator's choices and
/// `whistle-bench placement`'s generated city).
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<1.
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
