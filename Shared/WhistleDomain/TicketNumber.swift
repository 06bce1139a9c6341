import Foundation
import WhistleMessages

/// Ticket numbers `W20261121-000123`: the local date of acceptance and a daily sequence.
public enum TicketNumber {
    /// The local calendar day of `date` in `timeZone`.
    public static func localDay(of date: Date, in timeZone: TimeZone) -> LocalDate { LocalDate.local(of: date, in: timeZone).date }

    /// `YYYY-MM-DD` of the local day, for SQL `date` parameters.
    public static func isoDay(of date: Date, in timeZone: TimeZone) -> String { localDay(of: date, in: timeZone).description }

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
