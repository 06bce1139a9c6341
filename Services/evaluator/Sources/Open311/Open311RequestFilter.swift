import Foundation
import WhistleDomain
import WhistleMessages

/// The filters of GeoReport v2 `GET requests.json`, read from its query and checked all at once:
/// every problem is one description of the 400.
///
/// - `service_request_id`: ticket numbers, comma separated (at most `maximumIds`); when given it
///   overrides every other filter.
/// - `service_code`: known leaf category codes, comma separated; default all.
/// - `start_date` / `end_date`: w3 date-times (RFC 3339 with an offset) on `requested_datetime`;
///   the span is at most 90 days. Neither: the last 90 days; only one: 90 days from / up to it.
/// - `status`: `open`, `closed` or both, comma separated; default both.
///
/// An empty parameter counts as absent, as the standard says of optional arguments.
struct Open311RequestFilter: Sendable, Equatable {
    /// The statuses of GeoReport v2.
    enum Status: String, Sendable, CaseIterable { case open, closed }

    /// The most recent requests a list holds (the standard's 1,000).
    static let limit = 1000
    /// The longest span of `start_date`…`end_date` (the standard's 90 days).
    static let maximumSpan: TimeInterval = 90 * 86_400
    /// The most ticket numbers one `service_request_id` may list.
    static let maximumIds = 1000

    /// Ticket numbers asked for by id; when set, the other filters are not applied.
    var ids: [String]?
    /// Category codes; empty means every service.
    var serviceCodes: [String] = []
    var start: Date
    var end: Date
    /// Statuses wanted; empty means both.
    var statuses: Set<Status> = []

    /// Reads `query` against the current instant and the services that exist.
    static func parse(_ query: [String: String], now: Date, serviceCodes known: Set<String>) throws(Open311Error) -> Open311RequestFilter {
        var problems: [String] = []
        func list(_ name: String) -> [String]? {
            guard let text = query[name], !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            return text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let ids = list("service_request_id")
        if let ids {
            if ids.count > maximumIds { problems.append("service_request_id lists \(ids.count) ids; at most \(maximumIds)") }
            for id in ids where !TicketNumber.isValid(id) {
                problems.append("service_request_id \(quoted(id)) is not a service request id (W20261121-000123)")
            }
        }
        let codes = list("service_code") ?? []
        for code in codes where !known.contains(code) { problems.append("service_code \(quoted(code)) is not a service of services.json") }
        var statuses: Set<Status> = []
        for word in list("status") ?? [] {
            if let status = Status(rawValue: word) {
                statuses.insert(status)
            } else {
                problems.append("status \(quoted(word)) is not open or closed")
            }
        }
        let start = date(query["start_date"], "start_date", &problems)
        let end = date(query["end_date"], "end_date", &problems)
        let range: (Date, Date)
        switch (start, end) {
        case (nil, nil): range = (now.addingTimeInterval(-maximumSpan), now)
        case (let start?, nil): range = (start, start.addingTimeInterval(maximumSpan))
        case (nil, let end?): range = (end.addingTimeInterval(-maximumSpan), end)
        case (let start?, let end?): range = (start, end)
        }
        if range.0 > range.1 { problems.append("start_date is after end_date") }
        if range.1.timeIntervalSince(range.0) > maximumSpan { problems.append("start_date to end_date spans more than 90 days") }
        guard problems.isEmpty else { throw .badRequest(problems) }
        return Open311RequestFilter(ids: ids, serviceCodes: codes, start: range.0, end: range.1, statuses: statuses)
    }

    /// A w3 date-time, or nil when absent; a bad one adds a problem. A `+` of the offset that a
    /// client left unencoded arrives as a space, and is read as the `+` it was.
    static func date(_ text: String?, _ name: String, _ problems: inout [String]) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        var repaired = text
        if text.count > 19 {
            let head = text.prefix(19)
            repaired = head + text.dropFirst(19).replacingOccurrences(of: " ", with: "+")
        }
        guard let date = RFC3339.parse(repaired) else {
            problems.append("\(name) \(quoted(text)) is not a w3 date-time with an offset (2026-11-21T00:00:00+08:00)")
            return nil
        }
        return date
    }

    static func quoted(_ text: String) -> String { QueryParameters.quoted(text) }
}
