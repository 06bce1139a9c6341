import Logging
import ServiceLifecycle

/// The loop of a service that works in rounds: a round, then a pause of `interval`, until the
/// service group shuts down.
///
/// A round returns whether more work is waiting (a full batch): then the next round starts at
/// once, else after the pause. A round that throws is logged (`failure`, with the error) and
/// tried again after the pause. Graceful shutdown ends the pause at once; a round that has begun
/// runs to its end.
public struct PeriodicWork: Sendable {
    /// What a round tells the loop.
    public enum Next: Sendable {
        /// More work is waiting: run the next round now.
        case runAgain
        /// Nothing (more) to do: pause for the interval.
        case pause
    }

    /// The pause between rounds.
    public let interval: Duration
    /// The message logged when a round fails.
    public let failure: Logger.Message
    private let level: Logger.Level
    private let logger: Logger

    /// - Parameter failure: the message logged at `level`, with the error, when a round throws.
    public init(interval: Duration, failure: Logger.Message, level: Logger.Level = .warning, logger: Logger) {
        self.interval = interval
        self.failure = failure
        self.level = level
        self.logger = logger
    }

    /// Runs rounds until graceful shutdown or cancellation; with `pauseFirst`, pauses before the
    /// first round (when the start-up has just done its work).
    public func run(pauseFirst: Bool = false, _ round: () async throws -> Next) async {
        if pauseFirst { await pause() }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var next = Next.pause
            do {
                next = try await round()
            } catch {
                logger.log(level: level, failure, metadata: ["error": "\(error)"])
            }
            if next == .pause { await pause() }
        }
    }

    /// Sleeps for the interval; graceful shutdown or cancellation ends the sleep at once, and the
    /// loop's condition then ends the loop.
    private func pause() async {
        let interval = interval
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        } catch {
            // CancellationError: the sleep was cut short by shutdown or cancellation.
        }
    }
}
