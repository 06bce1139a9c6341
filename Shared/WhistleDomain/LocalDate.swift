import Foundation
import WhistleMessages

/// A day of the week, Monday first (ISO 8601 order).
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    /// Saturday or Sunday: a day off unless the calendar makes it a make-up working day (调休).
    public var isWeekend: Bool { self == .saturday || self == .sunday }

    /// The English name, for messages and test output.
    public var name: String {
        switch self {
        case .monday: "Monday"
        case .tuesday: "Tuesday"
        case .wednesday: "Wednesday"
        case .thursday: "Thursday"
        case .friday: "Friday"
        case .saturday: "Saturday"
        case .sunday: "Sunday"
        }
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A calendar date without a time or a time zone (a `date` column in SQL, `"YYYY-MM-DD"` in the
/// seed files), in the proleptic Gregorian calendar.
///
/// Built on `RFC3339.daysFromCivil` / `RFC3339.civil(fromDays:)`: every value is a real date,
/// so February 30th cannot be made.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The year, e.g. 2026.
    public let year: Int
    /// The month, 1…12.
    public let month: Int
    /// The day of the month, 1…31.
    public let day: Int

    /// The date, or nil when it does not exist (month 13, April 31st, February 29th of 2026).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), (1...31).contains(day), (1...9999).contains(year) else { return nil }
        let roundTrip = RFC3339.civil(fromDays: RFC3339.daysFromCivil(year: year, month: month, day: day))
        guard roundTrip.year == year, roundTrip.month == month, roundTrip.day == day else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (negative: before it).
    /// The local date and time of day (whole seconds since local midnight, 0…86 399) of
    /// `instant` in `timeZone`. Fractions of a second are dropped.
    public static func local(of instant: Date, in timeZone: TimeZone) -> (date: LocalDate, secondOfDay: Int) {
        let wall = Int64(instant.timeIntervalSince1970.rounded(.down)) + Int64(timeZone.secondsFromGMT(for: instant))
        let days = wall >= 0 ? wall / 86_400 : (wall - 86_399) / 86_400
        return (LocalDate(daysSinceEpoch: days), Int(wall - days * 86_400))
    }

    public init(daysSinceEpoch days: Int64) {
        let civil = RFC3339.civil(fromDays: days)
        year = civil.year
        month = civil.month
        day = civil.day
    }

    /// Parses exactly `YYYY-MM-DD`; nil for any other shape or for a date that does not exist.
    public init?(iso text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01 (negative before it).
    public var daysSinceEpoch: Int64 { RFC3339.daysFromCivil(year: year, month: month, day: day) }

    /// The day of the week (1970-01-01 was a Thursday).
    public var weekday: Weekday {
        let mondayBased = ((daysSinceEpoch + 3) % 7 + 7) % 7
        // mondayBased is 0…6, so the raw value 1…7 always exists.
        return Weekday(rawValue: Int(mondayBased) + 1) ?? .monday
    }

    /// The date `count` days later (earlier when negative).
    public func adding(days count: Int) -> LocalDate {
        LocalDate(daysSinceEpoch: daysSinceEpoch + Int64(count))
    }

    /// The next calendar day.
    public var next: LocalDate { adding(days: 1) }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(to other: LocalDate) -> Int { Int(other.daysSinceEpoch - daysSinceEpoch) }

    /// `YYYY-MM-DD`, as SQL `date` and the seed files write it.
    public var description: String {
        let y = String(year), m = String(month), d = String(day)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-"
            + (m.count < 2 ? "0" + m : m) + "-" + (d.count < 2 ? "0" + d : d)
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}
