import Foundation

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

    /// The working days a `wd` deadline counts, in order: for `start` and `count` as in
    /// `add(_:to:)`, the local dates of working day 1 … `count` (for an explanation in a notice
    /// or a timeline entry, e.g. "due 2026-10-13: 10-08, 10-09, 10-10 (调休), 10-12, 10-13").
    public func countedWorkingDays(_ count: Int, from start: Date) -> [LocalDate] {
        guard count > 0 else { return [] }
        var day = countStart(of: start).firstDay
        var days = [day]
        days.reserveCapacity(count)
        while days.count < count {
            day = nextWorkingDay(after: day)
            days.append(day)
        }
        return days
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
