import Foundation

/// The period of a street's period evaluation of district departments (CONTRACT §10): a
/// calendar year `YYYY` or one of its quarters `YYYY-Qn` (n = 1…4), in local dates. Intake
/// validates and refuses periods with it (`PeriodEvaluationRule`); the scores fold it (`KPIFold`).
public struct EvaluationPeriod: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The year, 1…9999.
    public let year: Int
    /// The quarter 1…4, nil for the whole year.
    public let quarter: Int?

    /// The period, or nil when `quarter` is given and not 1…4 or `year` is not 1…9999.
    public init?(year: Int, quarter: Int? = nil) {
        guard (1...9999).contains(year), quarter.map({ (1...4).contains($0) }) ?? true else { return nil }
        self.year = year
        self.quarter = quarter
    }

    /// Parses exactly `YYYY` or `YYYY-Qn` (four digits, an upper-case `Q`); nil otherwise.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 4 || bytes.count == 7, bytes[0..<4].allSatisfy(Self.isDigit) else { return nil }
        let year = bytes[0..<4].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        guard bytes.count == 7 else {
            self.init(year: year)
            return
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[5] == UInt8(ascii: "Q"), Self.isDigit(bytes[6]) else { return nil }
        self.init(year: year, quarter: Int(bytes[6] - UInt8(ascii: "0")))
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// `YYYY` or `YYYY-Qn`, the wire spelling.
    public var description: String {
        let digits = String(year)
        let padded = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        return quarter.map { "\(padded)-Q\($0)" } ?? padded
    }

    /// The period's first local day: January 1st, or the first day of the quarter.
    public var firstDay: LocalDate {
        // Month 1, 4, 7 or 10 of a year 1…9999 always exists.
        LocalDate(year: year, month: ((quarter ?? 1) - 1) * 3 + 1, day: 1)!
    }

    /// The period's last local day: December 31st, or the last day of the quarter.
    public var lastDay: LocalDate {
        let nextStart =
            quarter.flatMap { $0 < 4 ? LocalDate(year: year, month: $0 * 3 + 1, day: 1) : nil }
            ?? LocalDate(year: year + 1, month: 1, day: 1) ?? LocalDate(year: 9999, month: 12, day: 31)!.next
        return nextStart.adding(days: -1)
    }

    /// Whether `day` lies in the period.
    public func contains(_ day: LocalDate) -> Bool { firstDay <= day && day <= lastDay }

    /// Whether the period shares at least one day with the local days `from`…`to` (both included).
    public func overlaps(from: LocalDate, to: LocalDate) -> Bool { firstDay <= to && from <= lastDay }

    /// Whether the period has begun by the local day `today` (its first day counts).
    public func hasBegun(by today: LocalDate) -> Bool { firstDay <= today }

    /// Whether the period has begun at `instant` in `timeZone` (the deployment's time zone).
    public func hasBegun(at instant: Date, in timeZone: TimeZone) -> Bool {
        hasBegun(by: LocalDate.local(of: instant, in: timeZone).date)
    }

    /// Periods order by their first day; a year comes before its first quarter.
    public static func < (lhs: EvaluationPeriod, rhs: EvaluationPeriod) -> Bool {
        (lhs.firstDay, lhs.quarter ?? 0) < (rhs.firstDay, rhs.quarter ?? 0)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let period = EvaluationPeriod(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a period YYYY or YYYY-Qn: \(text)")
        }
        self = period
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
