import Foundation
import Hummingbird
import WhistleDomain

/// Evaluator's error: a stable code, a message for a person, and the HTTP status it answers with
/// (`{error: {code, message}}`, CONTRACT §7).
public struct EvaluatorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var status: HTTPResponse.Status

    public init(_ code: String, _ message: String, status: HTTPResponse.Status = .badRequest) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { "\(code): \(message)" }
}

/// The read API's query parameters, each checked with a clear error.
public enum QueryParameters {
    /// `from` and `to` (local dates `YYYY-MM-DD`, both optional): by default the current month;
    /// with only `from`, up to today; with only `to`, from the first of `to`'s month.
    public static func dateRange(from: String?, to: String?, today: LocalDate) throws(EvaluatorError) -> (from: LocalDate, to: LocalDate) {
        let start = try date(from, name: "from")
        let end = try date(to, name: "to")
        let monthStart = { (day: LocalDate) in LocalDate(year: day.year, month: day.month, day: 1) ?? day }
        let range: (LocalDate, LocalDate)
        switch (start, end) {
        case (nil, nil):
            let first = monthStart(today)
            let next = first.adding(days: 31)
            range = (first, monthStart(next).adding(days: -1))
        case (let start?, nil): range = (start, max(start, today))
        case (nil, let end?): range = (monthStart(end), end)
        case (let start?, let end?): range = (start, end)
        }
        guard range.0 <= range.1 else {
            throw EvaluatorError("invalid_range", "from (\(range.0)) is after to (\(range.1))")
        }
        guard range.0.days(to: range.1) <= 3660 else {
            throw EvaluatorError("invalid_range", "a range is at most 10 years; \(range.0)…\(range.1) is longer")
        }
        return range
    }

    static func date(_ text: String?, name: String) throws(EvaluatorError) -> LocalDate? {
        guard let text, !text.isEmpty else { return nil }
        guard text.count == 10, let day = LocalDate(iso: text) else {
            throw EvaluatorError("invalid_date", "\(name) must be a date YYYY-MM-DD, got \(quoted(text))")
        }
        return day
    }

    /// The largest `offset` a page may skip (docs/openapi.json says the same).
    public static let maximumOffset = 1_000_000_000

    /// `limit` (1…`maximum`, default `fallback`) and `offset` (0…`maximumOffset`, default 0).
    public static func page(
        limit: String?, offset: String?, fallback: Int, maximum: Int
    ) throws(EvaluatorError) -> (limit: Int, offset: Int) {
        var result = (limit: fallback, offset: 0)
        if let limit, !limit.isEmpty {
            guard let value = Int(limit), (1...maximum).contains(value) else {
                throw EvaluatorError("invalid_limit", "limit must be a whole number 1…\(maximum), got \(quoted(limit))")
            }
            result.limit = value
        }
        if let offset, !offset.isEmpty {
            guard let value = Int(offset), (0...maximumOffset).contains(value) else {
                throw EvaluatorError("invalid_offset", "offset must be a whole number 0…\(maximumOffset), got \(quoted(offset))")
            }
            result.offset = value
        }
        return result
    }

    /// A window `Nh` (1…168 hours) or `Nd` (1…7 days), in hours; `fallback` when absent.
    public static func windowHours(_ text: String?, fallback: Int) throws(EvaluatorError) -> Int {
        guard let text, !text.isEmpty else { return fallback }
        let problem = EvaluatorError("invalid_window", "window must be hours 1h…168h or days 1d…7d, got \(quoted(text))")
        guard let unit = text.last, let amount = Int(text.dropLast()), amount > 0 else { throw problem }
        let hours: Int
        switch unit {
        case "h": hours = amount
        case "d": hours = amount <= 7 ? amount * 24 : 1000
        default: throw problem
        }
        guard hours <= 168 else { throw problem }
        return hours
    }

    /// A value quoted for a message, cut to 40 characters.
    static func quoted(_ text: String) -> String {
        TextRules.quoted(text.count > 40 ? String(text.prefix(40)) + "…" : text)
    }
}

extension QueryParameters {
    /// `true`/`false` (also 1/0); false when absent.
    public static func flag(_ text: String?, name: String) throws(EvaluatorError) -> Bool {
        switch text?.lowercased() {
        case nil, "", "false", "0": return false
        case "true", "1": return true
        default: throw EvaluatorError("invalid_value", "\(name) must be true or false, got \(quoted(text ?? ""))")
        }
    }

    /// A department code as the reference data writes them (letters, digits, `-`, `_`, at most
    /// 64); nil when absent or empty.
    public static func departmentCode(_ text: String?, name: String) throws(EvaluatorError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        guard isDepartmentCode(text) else {
            throw EvaluatorError("invalid_value", "\(name) must be a department code such as XS-CGJ, got \(quoted(text))")
        }
        return text
    }

    /// Whether `text` has the form of a department code.
    public static func isDepartmentCode(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64
            && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }
}
