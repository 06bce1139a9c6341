/// A deadline window from deadlines.yaml: an integer and a unit (`30m`, `2h`, `15d`, `5wd`),
/// stored in `deadline_policies` as amount and unit.
struct SeedDuration: Sendable, Hashable, CustomStringConvertible {
    enum Unit: String, Sendable, CaseIterable {
        case minutes, hours, days
        case workingDays = "working_days"

        /// The suffix in the seed files.
        var suffix: String {
            switch self {
            case .minutes: "m"
            case .hours: "h"
            case .days: "d"
            case .workingDays: "wd"
            }
        }

        /// Minutes per unit, counting a working day as at least one calendar day (for sanity
        /// checks such as "acknowledge is not longer than resolve").
        var minimumMinutes: Int {
            switch self {
            case .minutes: 1
            case .hours: 60
            case .days, .workingDays: 1440
            }
        }
    }

    /// The largest amount accepted: `deadline_policies` stores an `integer`, and no deadline
    /// needs more than a few years.
    static let maxAmount = 100_000

    var amount: Int
    var unit: Unit

    var description: String { "\(amount)\(unit.suffix)" }

    /// An approximate length in minutes (a working day counted as one day), for comparisons.
    var approximateMinutes: Int { amount * unit.minimumMinutes }

    /// Parses `<digits><unit>`; the error's message says what is wrong, for the operator.
    static func parse(_ text: String) throws(CtlError) -> SeedDuration {
        func bad(_ reason: String) -> CtlError {
            CtlError(.invalidSeed, "bad duration \"\(text)\": \(reason) (use <n>m, <n>h, <n>d or <n>wd, e.g. 30m, 2h, 15d, 5wd)")
        }
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let suffix = text.dropFirst(digits.count)
        guard !digits.isEmpty else { throw bad("it must start with a whole number") }
        guard let unit = Unit.allCases.first(where: { $0.suffix == suffix }) else {
            throw bad(suffix.isEmpty ? "the unit is missing" : "unknown unit \"\(suffix)\"")
        }
        guard digits.count <= 6, let amount = Int(digits), amount <= maxAmount else {
            throw bad("the amount is too large (at most \(maxAmount))")
        }
        guard amount > 0 else { throw bad("the amount must be at least 1") }
        return SeedDuration(amount: amount, unit: unit)
    }
}
