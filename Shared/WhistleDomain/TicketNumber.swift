import Foundation
import WhistleMessages

/// Ticket numbers `W20261121-000123`: the local date of acceptance and a daily sequence.
public enum TicketNumber {
    /// The local calendar day of `date` in `timeZone`, as (year, month, day).
    public static func localDay(of date: Date, in timeZone: TimeZone) -> (year: Int, month: Int, day: Int) {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(timeZone.secondsFromGMT(for: date))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return RFC3339.civil(fromDays: days)
    }

    /// `YYYY-MM-DD` of the local day, for SQL `date` parameters.
    public static func isoDay(of date: Date, in timeZone: TimeZone) -> String {
        let d = localDay(of: date, in: timeZone)
        return String(format: "%04d-%02d-%02d", d.year, d.month, d.day)
    }

    /// The ticket number for a local day and a sequence (1…`maxSequence`).
    public static func format(year: Int, month: Int, day: Int, sequence: Int) -> String {
        String(format: "W%04d%02d%02d-%06d", year, month, day, sequence)
    }

    /// The largest daily sequence a ticket number can carry.
    public static let maxSequence = 999_999

    /// True for strings of the form `W` + 8 digits + `-` + 6 digits.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[0] == UInt8(ascii: "W"), bytes[9] == UInt8(ascii: "-") else { return false }
        let digits = bytes[1..<9] + bytes[10...]
        return digits.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
