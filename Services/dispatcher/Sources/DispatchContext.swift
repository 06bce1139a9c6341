import Foundation
import Logging
import WhistleDomain
import WhistlePostgres
import WhistleReliability

/// What every part of the dispatcher shares: reference data, the outbox, the time source, the
/// logger and this process's name for the timer audit.
struct DispatchContext: Sendable {
    let reference: ReferenceCache
    let outbox: Outbox
    let clock: @Sendable () -> Date
    let logger: Logger
    /// `timers.fired_by`: host and process id.
    let instance: String
    /// Who may reply for a department.
    var senders = ReplySenderRule()
    /// Wakes this process's timer loop when a batch starts a clock earlier than it sleeps.
    var alarm = TimerAlarm()

    /// The current instant, to the millisecond (what the database keeps of it).
    func now() -> Date {
        Date(timeIntervalSince1970: (clock().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// A unit of work on `connection`, with reference data at most a few seconds old (so that
    /// a department or rule seeded a moment ago routes at once).
    func work(on connection: PostgresConnection, now: Date? = nil) throws -> DispatchWork {
        let snapshot = try reference.freshSnapshot(on: connection, maxAge: .seconds(5))
        return DispatchWork(
            connection: connection, reference: snapshot, outbox: outbox, now: now ?? self.now(), logger: logger, instance: instance,
            alarm: alarm)
    }

    static func instanceName() -> String {
        "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)"
    }
}
