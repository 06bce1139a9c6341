import ArgumentParser
import Foundation
import WhistleAMQP
import WhistleDomain
import WhistleReliability

/// `whistlectl dlq list|replay|purge`: the messages a service gave up on (`whistle.dead-letters`).
struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect, replay or drop dead letters: messages that failed their consumer up to the delivery limit.",
        discussion: """
            A message that keeps failing is retried up to WHISTLE_DELIVERY_LIMIT deliveries, then the broker \
            dead-letters it to whistle.dlx, where whistle.dead-letters keeps it. The consuming service records \
            each failure's error in message_failures; `dlq list` shows it beside the broker's reason.
            """,
        subcommands: [DLQListCommand.self, DLQReplayCommand.self, DLQPurgeCommand.self], defaultSubcommand: DLQListCommand.self)
}

/// Which dead letters a command acts on: `--message-id` (repeatable) or `--all`.
struct DLQSelection: ParsableArguments {
    @Option(name: .customLong("message-id"), help: "A dead letter's message_id (repeat for several).")
    var messageIds: [String] = []

    @Flag(help: "Every dead letter.")
    var all = false

    @Option(help: "Look at most at this many dead letters (1–100000).")
    var limit = 10_000

    func validate() throws {
        guard all != !messageIds.isEmpty else { throw ValidationError("name the dead letters with --message-id, or give --all") }
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
    }

    func matches(_ delivery: Delivery) -> Bool { all || messageIds.contains(delivery.messageId ?? "") }
}

struct DLQListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List dead letters with why they died (they stay in the queue).")

    @Option(help: "Show at most this many (1–10000).") var limit = 100
    @Flag(help: "One JSON object per dead letter.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
    }

    func run() async throws {
        let queue = DeadLetterQueue(configuration: try connection.amqpConfiguration(), logger: connection.logger)
        let letters: [DeadLetterQueue.Letter]
        do {
            let taken = try await queue.take(limit: limit)
            letters = try await connection.withDatabase { pool in try await DeadLetterQueue.explain(taken, pool: pool) }
            await queue.close()
        } catch {
            await queue.close()
            throw error
        }
        if json {
            for letter in letters { print(Self.json(letter)) }
            return
        }
        guard !letters.isEmpty else {
            print("no dead letters in \(WhistleTopology.deadLetterQueue)")
            return
        }
        var table = TextTable(["MESSAGE ID", "PUBLISHED TO", "ROUTING KEY", "DIED IN", "BROKER", "CONSUMER", "ERROR"])
        for letter in letters {
            let death = letter.delivery.deadLetter
            table.append([
                letter.delivery.messageId ?? "-", death?.exchange ?? "-", letter.delivery.routingKey, death?.queue ?? "-",
                death?.reason ?? "-", letter.consumer ?? "-",
                DisplayWidth.prefix(DisplayWidth.sanitized(PersonalData.maskText(letter.error ?? "-")), characters: 60),
            ])
        }
        print(table.render())
        print("\(letters.count) dead letter\(letters.count == 1 ? "" : "s") (left in the queue; `whistlectl dlq replay` or `purge` to act)")
    }

    static func json(_ letter: DeadLetterQueue.Letter) -> String {
        let object: [String: Any?] = [
            "message_id": letter.delivery.messageId, "exchange": letter.delivery.deadLetter?.exchange,
            "routing_key": letter.delivery.routingKey, "queue": letter.delivery.deadLetter?.queue,
            "broker_reason": letter.delivery.deadLetter?.reason, "consumer": letter.consumer,
            "error": letter.error.map(PersonalData.maskText),
            "deliveries": letter.deliveries, "type": letter.delivery.type, "body_bytes": letter.delivery.body.count,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object.compactMapValues { $0 }, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

struct DLQReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract:
            "Publish dead letters again to where they were first published (same routing key, message_id and type), then remove them.",
        discussion: "Fix the cause first: a message that fails again comes back here after the delivery limit.")

    @OptionGroup var selection: DLQSelection
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let configuration = try connection.amqpConfiguration()
        let queue = DeadLetterQueue(configuration: configuration, logger: connection.logger)
        let publisher = AMQPPublisher(
            configuration: configuration, name: "whistlectl-replay", topology: WhistleTopology.base,
            reconnectPolicy: ReconnectPolicy(maxAttempts: 3), logger: connection.logger)
        var replayed = 0
        var kept = 0
        do {
            for delivery in try await queue.take(limit: selection.limit) {
                guard selection.matches(delivery), let message = DeadLetterQueue.replay(delivery) else {
                    try await queue.keep(delivery)
                    kept += 1
                    continue
                }
                if try await publisher.publish([message], timeout: .seconds(15)).first == .confirmed {
                    try await queue.done(delivery)
                    replayed += 1
                } else {
                    try await queue.keep(delivery)
                    printError("whistlectl: \(delivery.messageId ?? "?") was not taken by \(message.exchange) \(message.routingKey); kept")
                    kept += 1
                }
            }
        } catch {
            await queue.close()
            await publisher.close()
            throw error
        }
        await queue.close()
        await publisher.close()
        print("replayed \(replayed) dead letter\(replayed == 1 ? "" : "s"); \(kept) left in \(WhistleTopology.deadLetterQueue)")
    }
}

struct DLQPurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "purge", abstract: "Drop dead letters for good.")

    @OptionGroup var selection: DLQSelection
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let queue = DeadLetterQueue(configuration: try connection.amqpConfiguration(), logger: connection.logger)
        var dropped = 0
        do {
            for delivery in try await queue.take(limit: selection.limit) {
                if selection.matches(delivery) {
                    try await queue.done(delivery)
                    dropped += 1
                } else {
                    try await queue.keep(delivery)
                }
            }
        } catch {
            await queue.close()
            throw error
        }
        await queue.close()
        print("dropped \(dropped) dead letter\(dropped == 1 ? "" : "s")")
    }
}
