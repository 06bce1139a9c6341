import Dispatch
import Foundation
import Logging
import WhistleAMQP

/// The consuming loop of `dept listen`: print, then acknowledge (or hold, with `--no-ack`),
/// until the count is reached, the queue stays quiet for `timeout`, or the operator presses
/// Ctrl-C.
///
/// When acknowledging, the prefetch window is 1, so the command never holds a message it will
/// not print: `--count 1` takes exactly one message off the queue. With `--no-ack` the window
/// is the count (at most 1000), and every held message is handed back at the end.
struct ListenSession {
    enum Reason: Sendable { case count, timeout, interrupted }

    struct End: Sendable {
        var reason: Reason
        var printed: Int
    }

    let queue: String
    let configuration: AMQPConfiguration
    let logger: Logger
    let count: Int?
    let timeout: Double?
    let noAck: Bool

    func run(_ show: (Delivery) -> Void) async throws -> End {
        let interrupt = InterruptFlag.install()
        let prefetch = noAck ? min(count ?? 1000, 1000) : 1
        let consumer = AMQPConsumer(
            configuration: configuration, name: "whistlectl-listen", queues: [queue], prefetch: prefetch, topology: Topology(),
            reconnectPolicy: ReconnectPolicy(maxAttempts: 5), logger: logger)
        var held: [Delivery] = []
        func finish() async {
            for delivery in held { try? await consumer.nack(delivery, requeue: true) }
            await consumer.close()
        }
        do {
            let end = try await loop(consumer, interrupt: interrupt, show: show, held: &held)
            await finish()
            return end
        } catch {
            await finish()
            throw DeptListenCommand.missingQueue(error, queue: queue, configuration: configuration) ?? error
        }
    }

    private func loop(
        _ consumer: AMQPConsumer, interrupt: InterruptFlag, show: (Delivery) -> Void, held: inout [Delivery]
    ) async throws
        -> End
    {
        try await consumer.start()
        let clock = ContinuousClock()
        var printed = 0
        var lastMessage = clock.now
        let quiet: Duration? = timeout.map { .milliseconds(Int($0 * 1000)) }
        while true {
            if interrupt.isRaised { return End(reason: .interrupted, printed: printed) }
            if let count, printed >= count { return End(reason: .count, printed: printed) }
            var wait = 250
            if let quiet {
                let left = lastMessage + quiet - clock.now
                if left <= .zero { return End(reason: .timeout, printed: printed) }
                wait = max(1, min(wait, Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
            }
            let room = count.map { $0 - printed } ?? 100
            for delivery in try await consumer.nextBatch(max: room, waitMilliseconds: wait) {
                show(delivery)
                fflush(nil)
                if noAck { held.append(delivery) } else { try await consumer.ack(delivery) }
                printed += 1
                lastMessage = clock.now
            }
        }
    }
}

/// Ctrl-C as a flag the loop polls, so that the command can hand back held messages and close
/// the connection before it ends. A second Ctrl-C ends the process at once (exit 130).
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var source: (any DispatchSourceSignal)?

    static func install() -> InterruptFlag {
        let flag = InterruptFlag()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { flag.raise() }
        source.resume()
        flag.source = source
        return flag
    }

    var isRaised: Bool { lock.withLock { raised } }

    private func raise() {
        let again = lock.withLock {
            defer { raised = true }
            return raised
        }
        if again { exit(130) }
    }
}
