import Foundation

/// Why an assignment's resolve window could not be extended.
public enum ExtensionRefusal: String, Sendable, Hashable {
    /// The policy has no extension (every channel but petition).
    case notAllowed = "not_allowed"
    /// The one extension was already granted.
    case alreadyExtended = "already_extended"
}

/// What an `extend` reply does to an assignment's clock.
public enum ExtensionDecision: Sendable, Hashable {
    /// The clock with the later resolve deadline (its resolve timers must be replaced).
    case extended(AssignmentClock)
    /// Nothing changes.
    case refused(ExtensionRefusal)
}

/// The clocks of one assignment: when it must be acknowledged and resolved, when the 80 %
/// warnings fall, and when it is overdue (at 100 %, the due instant itself).
///
/// Both windows count from `start`, the dispatch instant. Warnings are at 80 % of the real
/// elapsed time between `start` and the due instant, whatever the unit of the window: 80 % of a
/// 5-working-day window that spans a weekend is 80 % of its seven calendar days.
public struct AssignmentClock: Sendable, Hashable {
    /// The share of a window after which it is "due soon", in percent (DESIGN.md: 80 %).
    public static let warningPercent = 80

    /// The dispatch instant both windows count from.
    public let start: Date
    /// `assignments.ack_due`: acknowledge (签收) by then.
    public let ackDue: Date
    /// `assignments.resolve_due`: resolve (办结) by then.
    public let resolveDue: Date
    /// The extension the policy allows, nil when none.
    public let extensionWindow: DeadlineDuration?
    /// True once the extension was granted (`assignments.extended_at` is set).
    public let isExtended: Bool

    /// The clock of work dispatched at `start` under `policy`, in `calendar`.
    public init(start: Date, policy: DeadlinePolicy, calendar: WorkingCalendar) {
        self.init(
            start: start,
            ackDue: policy.acknowledgeDue(from: start, in: calendar),
            resolveDue: policy.resolveDue(from: start, in: calendar),
            extensionWindow: policy.extensionWindow,
            isExtended: false)
    }

    /// A clock rebuilt from a stored assignment (its dispatch instant, `ack_due`, `resolve_due`,
    /// whether `extended_at` is set) and its policy's extension.
    public init(start: Date, ackDue: Date, resolveDue: Date, extensionWindow: DeadlineDuration?, isExtended: Bool) {
        self.start = start
        self.ackDue = ackDue
        self.resolveDue = resolveDue
        self.extensionWindow = extensionWindow
        self.isExtended = isExtended
    }

    /// The resolve window `W`, in seconds (the escalation to the city is one more of these).
    public var resolveWindow: TimeInterval { resolveDue.timeIntervalSince(start) }

    /// 80 % of the acknowledgement window: `assignment.due_soon` for acknowledging.
    public var ackWarningAt: Date { Self.warningInstant(start: start, due: ackDue) }
    /// 80 % of the resolve window: `assignment.due_soon` for resolving.
    public var resolveWarningAt: Date { Self.warningInstant(start: start, due: resolveDue) }
    /// Not acknowledged by then: overdue (100 % of the window).
    public var ackOverdueAt: Date { ackDue }
    /// Not resolved by then: overdue, and escalated to the district (`TimerRule`).
    public var resolveOverdueAt: Date { resolveDue }
    /// Still not resolved one more full resolve window later, at `D + W` (real elapsed time; a
    /// negative window counts as zero): escalated to the city. Example: 5 working days
    /// dispatched Friday 2026-11-20 15:30 (+08:00): `D` = 2026-11-27 15:30, `W` = 7 days, the
    /// city at 2026-12-04 15:30.
    public var cityEscalationAt: Date { resolveDue.addingTimeInterval(max(0, resolveWindow)) }

    /// The instant `warningPercent` % of the way from `start` to `due`, to the millisecond
    /// (rounded down); `start` itself when `due` is not after it.
    public static func warningInstant(start: Date, due: Date) -> Date {
        let startMillis = Int64((start.timeIntervalSince1970 * 1000).rounded())
        let dueMillis = Int64((due.timeIntervalSince1970 * 1000).rounded())
        guard dueMillis > startMillis else { return start }
        let offset = (dueMillis - startMillis) * Int64(warningPercent) / 100
        return Date(timeIntervalSince1970: Double(startMillis + offset) / 1000)
    }

    /// The decision on an `extend` reply: the resolve deadline moves by the policy's extension,
    /// counted from the current resolve deadline, once. The acknowledgement deadline and
    /// `start` stay; the warning and the escalation move with the new, longer window.
    public func extended(in calendar: WorkingCalendar) -> ExtensionDecision {
        guard let extensionWindow else { return .refused(.notAllowed) }
        guard !isExtended else { return .refused(.alreadyExtended) }
        return .extended(
            AssignmentClock(
                start: start, ackDue: ackDue, resolveDue: calendar.add(extensionWindow, to: resolveDue),
                extensionWindow: extensionWindow, isExtended: true))
    }
}
