/// The unit of a deadline window; the raw value is the `*_unit` column of `deadline_policies`.
public enum DeadlineUnit: String, Sendable, Hashable, CaseIterable {
    /// Elapsed minutes.
    case minutes
    /// Elapsed hours.
    case hours
    /// Calendar days of 24 elapsed hours each; holidays and weekends count.
    case days
    /// Working days of the `WorkingCalendar` (see `WorkingCalendar.add(_:to:)`).
    case workingDays = "working_days"

    /// The suffix in deploy/seed/deadlines.yaml: `m`, `h`, `d`, `wd`.
    public var suffix: String {
        switch self {
        case .minutes: "m"
        case .hours: "h"
        case .days: "d"
        case .workingDays: "wd"
        }
    }

    /// The unit written with `suffix`, if any.
    public init?(suffix: String) {
        guard let unit = Self.allCases.first(where: { $0.suffix == suffix }) else { return nil }
        self = unit
    }
}

/// Why a deadline duration was refused.
public enum DeadlineDurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is empty.
    case empty(text: String)
    /// The text does not start with a whole number (`m`, `-5m`, `+5m`, ` 5m`).
    case missingAmount(text: String)
    /// A number with no unit after it (`5`).
    case missingUnit(text: String)
    /// A unit other than `m`, `h`, `d`, `wd` (`5x`, `5WD`, `5 wd`, `1.5h`).
    case unknownUnit(text: String, unit: String)
    /// Zero.
    case notPositive(text: String)
    /// More than `DeadlineDuration.maxAmount`.
    case tooLarge(text: String)

    /// An operator-facing explanation, with the accepted forms.
    public var description: String {
        let reason: String
        let text: String
        switch self {
        case .empty(let t): (text, reason) = (t, "it is empty")
        case .missingAmount(let t): (text, reason) = (t, "it must start with a whole number")
        case .missingUnit(let t): (text, reason) = (t, "the unit is missing")
        case .unknownUnit(let t, let unit): (text, reason) = (t, "unknown unit \"\(unit)\"")
        case .notPositive(let t): (text, reason) = (t, "the amount must be at least 1")
        case .tooLarge(let t): (text, reason) = (t, "the amount is larger than \(DeadlineDuration.maxAmount)")
        }
        return "bad duration \"\(text)\": \(reason) (use <n>m, <n>h, <n>d or <n>wd, e.g. 30m, 2h, 15d, 5wd)"
    }
}

/// A deadline window: a positive whole amount of a unit. In the seed files it is written
/// `<n><suffix>` (`30m`, `2h`, `24h`, `15d`, `5wd`); in `deadline_policies` it is an
/// `*_amount` integer and an `*_unit` text.
public struct DeadlineDuration: Sendable, Hashable, CustomStringConvertible {
    /// The largest amount accepted: `deadline_policies` stores an `integer`, no deadline needs
    /// more than a few years, and a working-day count is walked day by day.
    public static let maxAmount = 100_000

    /// How many units, 1…`maxAmount`.
    public let amount: Int
    /// The unit.
    public let unit: DeadlineUnit

    /// A duration from the columns of `deadline_policies`; throws for an amount outside 1…`maxAmount`.
    public init(amount: Int, unit: DeadlineUnit) throws(DeadlineDurationError) {
        let text = "\(amount)\(unit.suffix)"
        guard amount > 0 else { throw .notPositive(text: text) }
        guard amount <= Self.maxAmount else { throw .tooLarge(text: text) }
        self.amount = amount
        self.unit = unit
    }

    /// A duration known to be valid (a constant of this module, amount 1…`maxAmount`).
    init(constantAmount amount: Int, unit: DeadlineUnit) {
        self.amount = amount
        self.unit = unit
    }

    /// A duration from the columns of `deadline_policies` with the unit as stored text
    /// (`minutes`, `hours`, `days`, `working_days`).
    public init(amount: Int, unitName: String) throws(DeadlineDurationError) {
        guard let unit = DeadlineUnit(rawValue: unitName) else {
            throw .unknownUnit(text: "\(amount) \(unitName)", unit: unitName)
        }
        try self.init(amount: amount, unit: unit)
    }

    /// Parses the seed form: ASCII digits immediately followed by `m`, `h`, `d` or `wd`, nothing
    /// else (no sign, space, fraction or upper case).
    public static func parse(_ text: String) throws(DeadlineDurationError) -> DeadlineDuration {
        guard !text.isEmpty else { throw .empty(text: text) }
        let bytes = Array(text.utf8)
        let digitCount = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
        guard digitCount > 0 else { throw .missingAmount(text: text) }
        let suffix = String(decoding: bytes[digitCount...], as: UTF8.self)
        guard !suffix.isEmpty else { throw .missingUnit(text: text) }
        guard let unit = DeadlineUnit(suffix: suffix) else { throw .unknownUnit(text: text, unit: suffix) }
        var amount = 0
        for byte in bytes[..<digitCount] {
            amount = amount * 10 + Int(byte - UInt8(ascii: "0"))
            if amount > maxAmount { throw .tooLarge(text: text) }
        }
        guard amount > 0 else { throw .notPositive(text: text) }
        return try DeadlineDuration(amount: amount, unit: unit)
    }

    /// The seed form, e.g. `5wd`.
    public var description: String { "\(amount)\(unit.suffix)" }

    /// The length in seconds for the elapsed-time units; nil for working days, whose length
    /// depends on the start and the calendar.
    public var fixedSeconds: Int? {
        switch unit {
        case .minutes: amount * 60
        case .hours: amount * 3_600
        case .days: amount * 86_400
        case .workingDays: nil
        }
    }
}
