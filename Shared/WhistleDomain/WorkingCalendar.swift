import Foundation

/// One row of `calendar_days`: an exception to "Monday–Friday work".
///
/// `working == false` is a public holiday on a weekday (calendar.yaml `holidays`);
/// `working == true` is a Saturday or Sunday made a working day by 调休 (calendar.yaml `workdays`).
public struct CalendarDay: Sendable, Hashable {
    /// `calendar_days.day`, a local date in the calendar's time zone.
    public var day: LocalDate
    /// `calendar_days.working`.
    public var working: Bool
    /// `calendar_days.name`, e.g. 国庆节 or 国庆节调休上班.
    public var name: String

    public init(day: LocalDate, working: Bool, name: String) {
        self.day = day
        self.working = working
        self.name = name
    }
}

/// The working-day calendar that `wd` durations count in: a time zone, the weekday public
/// holidays and the weekend make-up working days (调休).
///
/// A local date is a working day when it is a make-up working day, or when it is Monday–Friday
/// and not a holiday (deploy/seed/README.md, calendar.yaml). The time zone's UTC offset is looked
/// up at each instant, so a zone with daylight saving time works too (Asia/Shanghai has none).
public struct WorkingCalendar: Sendable, Hashable {
    /// The zone that local dates and local times of day are read in (`settings` calendar.timezone).
    public let timeZone: TimeZone
    /// Days off that would otherwise be working days (Monday–Friday public holidays).
    public let holidays: Set<LocalDate>
    /// Saturdays and Sundays that are working days (调休上班).
    public let makeUpWorkdays: Set<LocalDate>

    /// A calendar from its parts. A date in both sets is a working day (make-up wins, as in the
    /// seed rule "a date is a working day if it is in `workdays`, or …").
    public init(timeZone: TimeZone, holidays: Set<LocalDate> = [], makeUpWorkdays: Set<LocalDate> = []) {
        self.timeZone = timeZone
        self.holidays = holidays
        self.makeUpWorkdays = makeUpWorkdays
    }

    /// A calendar from the rows of `calendar_days`.
    public init(timeZone: TimeZone, days: [CalendarDay]) {
        self.init(
            timeZone: timeZone,
            holidays: Set(days.lazy.filter { !$0.working }.map(\.day)),
            makeUpWorkdays: Set(days.lazy.filter(\.working).map(\.day)))
    }

    /// A calendar in the IANA zone `identifier` (e.g. `Asia/Shanghai`); nil if the zone is unknown.
    public init?(timeZoneIdentifier identifier: String, holidays: Set<LocalDate> = [], makeUpWorkdays: Set<LocalDate> = []) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(timeZone: zone, holidays: holidays, makeUpWorkdays: makeUpWorkdays)
    }

    // MARK: Working days

    /// True when `date` is a working day: a make-up working day, or Monday–Friday and not a holiday.
    public func isWorkingDay(_ date: LocalDate) -> Bool {
        if makeUpWorkdays.contains(date) { return true }
        if holidays.contains(date) { return false }
        return !date.weekday.isWeekend
    }

    /// The first working day strictly after `date`.
    public func nextWorkingDay(after date: LocalDate) -> LocalDate {
        var day = date.next
        while !isWorkingDay(day) { day = day.next }
        return day
    }

    /// The `count`-th working day strictly after `date` (`count` ≥ 1; 0 or less gives `date`).
    public func workingDay(_ count: Int, after date: LocalDate) -> LocalDate {
        var day = date
        var remaining = count
        while remaining > 0 {
            day = nextWorkingDay(after: day)
            remaining -= 1
        }
        return day
    }

    /// Working days in the half-open range `from..<to` (0 when `to` is not after `from`).
    public func workingDays(from start: LocalDate, to end: LocalDate) -> Int {
        var count = 0
        var day = start
        while day < end {
            if isWorkingDay(day) { count += 1 }
            day = day.next
        }
        return count
    }

    // MARK: Local time

    /// The zone's offset from UTC, in seconds, at `instant` (+28 800 in Asia/Shanghai).
    public func utcOffset(at instant: Date) -> Int { timeZone.secondsFromGMT(for: instant) }

    /// The local date and the local time of day, in whole seconds since local midnight (0…86 399),
    /// of `instant`. Fractions of a second are dropped.
    public func localTime(of instant: Date) -> (date: LocalDate, secondOfDay: Int) {
        LocalDate.local(of: instant, in: timeZone)
    }

    /// The instant at which local clocks show `secondOfDay` seconds after midnight of `date`
    /// (86 400 is the next midnight, "24:00").
    ///
    /// A wall time that happens twice (clocks set back) is the earlier instant; one that never
    /// happens (clocks set forward) is read with the offset in force before the change, so it
    /// lands as far after the change as it was meant to be after the skipped hour's start.
    public func instant(of date: LocalDate, secondOfDay: Int = 0) -> Date {
        let wall = date.daysSinceEpoch * 86_400 + Int64(secondOfDay)
        let before = utcOffset(at: Date(timeIntervalSince1970: Double(wall - 86_400)))
        let after = utcOffset(at: Date(timeIntervalSince1970: Double(wall + 86_400)))
        var candidates: [Int64] = []
        for offset in Set([before, after]) {
            let utc = wall - Int64(offset)
            if utcOffset(at: Date(timeIntervalSince1970: Double(utc))) == offset { candidates.append(utc) }
        }
        let utc = candidates.min() ?? (wall - Int64(before))
        return Date(timeIntervalSince1970: Double(utc))
    }

    /// Local 24:00 at the end of `date`, which is local midnight of the following calendar day.
    public func endOfDay(_ date: LocalDate) -> Date { instant(of: date.next, secondOfDay: 0) }
}

// MARK: - Deadlines

extension WorkingCalendar {
    /// The deadline `duration` after `start`.
    ///
    /// **Minutes, hours and days** are elapsed time: `n` × 60 s, `n` × 3 600 s, `n` × 86 400 s.
    /// The calendar plays no part: a 24 h window opened on a public holiday ends 24 h later, and
    /// `15d` is fifteen times 24 hours whatever the weekends, holidays or clock changes in between.
    ///
    /// **Working days** (`wd`) count like a clock that runs only on working days, through the whole
    /// local day (00:00–24:00 wall time in this calendar's zone), and stands still on days off.
    /// `n` working days are due at the first instant at which that clock has run `n` full local
    /// days since `start`. This gives the two rules a 12345 centre applies:
    ///
    /// 1. *Accepted on a working day at local time `t` after 00:00*: due at local time `t` on the
    ///    `n`-th working day after the start's local date. Tuesday 10:00 + 3 wd = Friday 10:00;
    ///    Friday 15:30 + 5 wd = the next Friday 15:30 (the weekend does not count).
    /// 2. *Accepted on a day off* (a weekend day that is not a make-up day, or a holiday), *or at
    ///    exactly 00:00 of a working day*: counting starts with the first working day on or after
    ///    the start's date as day 1, and the deadline is the end (24:00 local, the instant of the
    ///    next calendar day's 00:00) of day `n`. Saturday + 5 wd in an ordinary week = Friday 24:00.
    ///
    /// Make-up working days (调休, e.g. Saturday 2026-10-10) count like any working day; weekday
    /// holidays (e.g. 2026-10-01…07) are skipped. Fractions of a second of `start` are kept.
    /// The local date is that of `start` in this calendar's zone, not in UTC: 2026-10-09T23:30Z
    /// is Saturday 2026-10-10 07:30 in Asia/Shanghai.
    public func add(_ duration: DeadlineDuration, to start: Date) -> Date {
        if let seconds = duration.fixedSeconds {
            return start.addingTimeInterval(Double(seconds))
        }
        let count = countStart(of: start)
        let lastDay = workingDay(duration.amount - 1, after: count.firstDay)
        guard let time = count.timeOfDay else { return endOfDay(lastDay) }
        return instant(of: lastDay, secondOfDay: time.second).addingTimeInterval(time.fraction)
    }

    /// Where a working-day count from `start` begins: working day 1, and the local time of day
    /// the deadline keeps (nil when it runs to the end of its last day, rule 2 of `add(_:to:)`).
    private func countStart(of start: Date) -> (firstDay: LocalDate, timeOfDay: (second: Int, fraction: Double)?) {
        let whole = start.timeIntervalSince1970.rounded(.down)
        let fraction = start.timeIntervalSince1970 - whole
        let local = localTime(of: Date(timeIntervalSince1970: whole))
        if isWorkingDay(local.date) {
            if local.secondOfDay == 0, fraction == 0 { return (local.date, nil) }
            return (nextWorkingDay(after: local.date), (local.secondOfDay, fraction))
        }
        return (nextWorkingDay(after: local.date), nil)
    }
}
