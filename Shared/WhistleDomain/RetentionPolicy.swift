import Foundation

/// How long a demand keeps its raw body and its reporter's identity (`WHISTLE_RAW_BODY_DAYS`):
/// until its ticket has been closed (or rejected) for `days` days, or, for a demand that opened
/// no ticket (a rejected one), until it is `days` days old. After that intake's retention pass
/// clears them; the ticket, its timeline and its figures stay.
///
/// Decided here: the days count from the later of the closing and the demand's arrival, so a
/// duplicate that arrives long after its ticket closed is kept its full time too; days are
/// periods of 24 hours, not local calendar days (retention needs no midnight).
public struct RetentionPolicy: Sendable, Hashable {
    /// The default, 30 days.
    public static let defaultDays = 30
    /// The days an operator may set: at least one, at most ten years.
    public static let allowedDays = 1...3650

    /// The policy of `defaultDays`.
    public static let standard = RetentionPolicy(checked: defaultDays)

    /// Days a closed ticket's demands keep their raw bodies and identities.
    public let days: Int

    /// The policy keeping `days` days; nil outside `allowedDays`.
    public init?(days: Int) {
        guard Self.allowedDays.contains(days) else { return nil }
        self.days = days
    }

    private init(checked days: Int) { self.days = days }

    /// The instant before which a closing (and an arrival) must lie for the demand to be cleared.
    public func cutoff(now: Date) -> Date {
        now.addingTimeInterval(-Double(days) * 86_400)
    }

    /// Whether a demand that arrived at `receivedAt`, of a ticket closed at `closedAt` (nil: still
    /// open), or of no ticket at all (`hasTicket` false), is due for clearing at `now`.
    public func isDue(receivedAt: Date, hasTicket: Bool, closedAt: Date?, now: Date) -> Bool {
        let cutoff = cutoff(now: now)
        guard receivedAt < cutoff else { return false }
        guard hasTicket else { return true }
        guard let closedAt else { return false }
        return closedAt < cutoff
    }
}
