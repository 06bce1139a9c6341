import ArgumentParser
import Foundation
import WhistleAMQP
import WhistleMessages

/// `whistlectl dept …`: the reference department — read assignments, send replies.
struct DeptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dept", abstract: "Act as a department: receive assignments and reply to them.",
        subcommands: [DeptListenCommand.self, DeptReplyCommand.self])
}

struct DeptListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Consume a department's queue dept.<code> and print each assignment as it arrives.",
        discussion: """
            Each message is printed (a block per assignment, local times in WHISTLE_TIMEZONE; with --json the body \
            as received, one line per message) and then acknowledged, so it leaves the queue. With --no-ack nothing \
            is acknowledged: the messages are held and handed back (basic.nack with requeue) when the command \
            ends, which counts against the queue's delivery limit. A body that is not an assignment is printed \
            raw, with a warning on standard error. The reporter is printed as the dispatcher sent it, already \
            masked as CONTRACT §3 requires for this department. The queue must exist (the dispatcher, or whistlectl seed, \
            declares it). The command ends after --count messages (exit 0); after --timeout seconds without a \
            message (exit 0 without --count; with --count, exit 1 when fewer arrived); or on Ctrl-C (exit 0 \
            without --count; with --count, exit 130 when fewer arrived).
            """)

    @Argument(help: "The department's code; its queue is dept.<code>.")
    var department: String

    @Option(help: "Stop after this many messages (1–10000).")
    var count: Int?

    @Option(help: "Stop after this many seconds without a message.")
    var timeout: Double?

    @Flag(help: "Print each message body as received, one JSON line per message.")
    var json = false

    @Flag(name: .customLong("no-ack"), help: "Leave the messages in the queue (handed back with basic.nack, requeue, at the end).")
    var noAck = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if department.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("the department code must not be empty") }
        if let count, !(1...10_000).contains(count) { throw ValidationError("--count must be between 1 and 10000") }
        if let timeout, !(timeout > 0 && timeout <= 86_400) { throw ValidationError("--timeout must be between 0 and 86400 seconds") }
    }

    func run() async throws {
        let time = LocalTime(zone: try ConnectionOptions.timeZone())
        let configuration = try connection.amqpConfiguration()
        let queue = departmentQueue(department)
        let ready = try await Self.checkQueue(queue, configuration: configuration, connection: connection)
        if !json {
            var note = "listening on \(queue) (\(ready) ready"
            if noAck { note += ", --no-ack: nothing is acknowledged" }
            printError(note + "); times in \(time.label); Ctrl-C to stop")
        }
        let session = ListenSession(
            queue: queue, configuration: configuration, logger: connection.logger, count: count, timeout: timeout, noAck: noAck)
        let printer = AssignmentPrinter(json: json, time: time, queue: queue)
        let end = try await session.run { printer.print($0) }
        switch end.reason {
        case .count:
            return
        case .timeout:
            if let count {
                throw CtlError(
                    .timeout,
                    "only \(end.printed) of \(count) messages arrived on \(queue): none for \(ConfirmedPublish.seconds(timeout ?? 0))")
            }
            if !json { printError("no message for \(ConfirmedPublish.seconds(timeout ?? 0)); stopped after \(Self.messages(end.printed))") }
        case .interrupted:
            if let count, end.printed < count {
                printError("whistlectl: interrupted after \(end.printed) of \(count) messages on \(queue)")
                throw ExitCode(130)
            }
            if !json { printError("interrupted; stopped after \(Self.messages(end.printed))") }
        }
    }

    /// `1 message`, `3 messages`.
    static func messages(_ count: Int) -> String { "\(count) message\(count == 1 ? "" : "s")" }

    /// The ready count of the queue (passive declare); a clear error when there is no such queue.
    static func checkQueue(_ queue: String, configuration: AMQPConfiguration, connection: ConnectionOptions) async throws -> Int {
        let admin = AMQPConnection(configuration: configuration, name: "whistlectl-listen-check", logger: connection.logger)
        do {
            let status = try await admin.queueStatus(queue)
            await admin.close()
            return status.messages
        } catch {
            await admin.close()
            throw missingQueue(error, queue: queue, configuration: configuration) ?? error
        }
    }

    /// A one-line error for a broker's 404 about `queue`; nil for any other error.
    static func missingQueue(_ error: any Error, queue: String, configuration: AMQPConfiguration) -> CtlError? {
        guard let error = error as? AMQPError, error.replyCode == 404 else { return nil }
        let vhost = configuration.vhost
        return CtlError(
            .notFound,
            "no queue \(queue) on the broker (vhost \(vhost)): the dispatcher declares dept.<code> for every department of its reference data (whistlectl seed does too); check the department code"
        )
    }
}
