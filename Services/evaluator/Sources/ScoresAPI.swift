import Foundation
import Hummingbird
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleRuntime

/// `GET /v1/scores`, `GET /v1/scores.csv` and `GET /v1/hotspots`.
extension ReadAPI {
    /// The report for `from`/`to`; `sort=composite` orders by the composite (best first, the
    /// unmeasured last), else by department code; `active=true` keeps departments with counts;
    /// `area` chooses the departments (`scoreArea`).
    func report(_ query: [String: String], _ policy: AccessPolicy) async throws -> ScoreReport {
        let range = try QueryParameters.dateRange(from: query["from"], to: query["to"], today: today)
        let sort = query["sort"] ?? "department"
        guard ["department", "composite"].contains(sort) else {
            throw EvaluatorError("invalid_sort", "sort must be department or composite, got \(QueryParameters.quoted(sort))")
        }
        let activeOnly = try QueryParameters.flag(query["active"], name: "active")
        let area = try scoreArea(query["area"], policy)
        let areas = area.map { reference.snapshot.data.subtree(of: $0) }
        let totals = try await pool.withConnection { connection in
            try KPIStore.totals(on: connection, from: range.from, to: range.to, areas: areas)
        }
        var lines = totals.map { ScoreReport.Line($0, weights: weights) }
        if activeOnly { lines = lines.filter(\.isActive) }
        if sort == "composite" {
            lines.sort { ($0.rates.composite ?? -1, $1.department) > ($1.rates.composite ?? -1, $0.department) }
        }
        return ScoreReport(from: range.from, to: range.to, weights: weights, area: area, departments: lines)
    }

    /// The area whose departments a report covers (those serving an area of its subtree):
    /// `area=CODE` any area of the reference data; `area=all` every department; by default a
    /// command center's own area (the four-level view), every department for anyone else.
    func scoreArea(_ text: String?, _ policy: AccessPolicy) throws(EvaluatorError) -> String? {
        guard let text, !text.isEmpty else {
            guard let department = policy.department, department.kind == .commandCenter else { return nil }
            return department.area
        }
        if text == "all" { return nil }
        guard reference.snapshot.data.areas[text] != nil else {
            throw EvaluatorError("invalid_area", "area must be an area code of /v1/areas or all, got \(QueryParameters.quoted(text))")
        }
        return text
    }

    func scores(_ query: [String: String], _ policy: AccessPolicy) async throws -> Response {
        var report = try await report(query, policy)
        let page = try QueryParameters.page(limit: query["limit"], offset: query["offset"], fallback: 1000, maximum: 1000)
        let all = report.departments
        report.departments = Array(all.dropFirst(page.offset).prefix(page.limit))
        if page.offset + page.limit < all.count { report.nextOffset = page.offset + page.limit }
        return HTTPServer.jsonResponse(String(decoding: try WhistleJSON.encoder().encode(report), as: UTF8.self))
    }

    func scoresCSV(_ query: [String: String], _ policy: AccessPolicy) async throws -> Response {
        let report = try await report(query, policy)
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        let scope = report.area.map { "-\($0)" } ?? ""
        headers[.contentDisposition] = "attachment; filename=\"whistle-scores\(scope)-\(report.from)-\(report.to).csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: report.csv)))
    }

    /// `GET /v1/scores/{department}/daily?from=&to=` (extension): the department's figures on each
    /// day of the range that has any, for trends.
    func daily(_ department: String, _ query: [String: String]) async throws -> Response {
        guard QueryParameters.isDepartmentCode(department) else {
            throw EvaluatorError("not_found", "no department \(QueryParameters.quoted(department))", status: .notFound)
        }
        let range = try QueryParameters.dateRange(from: query["from"], to: query["to"], today: today)
        guard
            let found = try await pool.withConnection({ connection in
                try KPIStore.daily(on: connection, department: department, from: range.from, to: range.to)
            })
        else {
            throw EvaluatorError("not_found", "no department \(QueryParameters.quoted(department))", status: .notFound)
        }
        let days = found.days.map { item in
            DailyLine(
                day: item.day.description,
                line: ScoreReport.Line(
                    DepartmentCounts(code: department, name: found.name, kind: "", counts: item.counts), weights: weights))
        }
        let body = DailyReport(department: department, name: found.name, from: range.from.description, to: range.to.description, days: days)
        return HTTPServer.jsonResponse(String(decoding: try WhistleJSON.encoder().encode(body), as: UTF8.self))
    }

    /// `GET /v1/hotspots?window=24h`: the grid × category pairs whose demands in the window ending
    /// now reach the threshold, most demands first.
    func hotspots(_ query: [String: String]) async throws -> Response {
        let hours = try QueryParameters.windowHours(query["window"], fallback: hotspotWindowHours)
        let page = try QueryParameters.page(limit: query["limit"], offset: query["offset"], fallback: 100, maximum: 1000)
        let now = clock()
        let found = try await pool.withConnection { connection in
            try WindowCounts.all(on: connection, hours: hours, at: now, minimum: Int(HotspotRule.floor))
        }
        let hot = found.filter(\.isHotspot).sorted { ($0.count, $1.area, $1.category) > ($1.count, $0.area, $0.category) }
        let names = reference.snapshot.data
        let list = hot.dropFirst(page.offset).prefix(page.limit).map { item in
            HotspotLine(
                area: item.area, areaName: names.areas[item.area]?.name, category: item.category,
                categoryName: names.categories[item.category]?.name, count: item.count,
                baseline: (item.baseline * 10).rounded() / 10, threshold: (item.threshold * 10).rounded() / 10)
        }
        let body = HotspotList(
            window: HotspotDetector.label(hours: hours), at: now, hotspots: Array(list),
            nextOffset: page.offset + page.limit < hot.count ? page.offset + page.limit : nil)
        return HTTPServer.jsonResponse(String(decoding: try WhistleJSON.encoder().encode(body), as: UTF8.self))
    }

    static func dictionary<Parameters: Sequence>(_ parameters: Parameters) -> [String: String]
    where Parameters.Element == (key: Substring, value: Substring) {
        var out: [String: String] = [:]
        for (key, value) in parameters where out[String(key)] == nil { out[String(key)] = String(value) }
        return out
    }
}

/// `GET /v1/scores/{department}/daily`: the department and one line per day.
struct DailyReport: Encodable {
    var department: String
    var name: String
    var from: String
    var to: String
    var days: [DailyLine]
}

/// A day's figures: the fields of a `/v1/scores` line, with `day` instead of the department.
struct DailyLine: Encodable {
    var day: String
    var line: ScoreReport.Line

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(day, forKey: .day)
        try line.encode(to: encoder)
    }

    enum Keys: String, CodingKey { case day }
}

/// `{window, at, hotspots: [{area, category, count, baseline}]}`; names and the threshold are extensions.
struct HotspotList: Encodable {
    var window: String
    var at: Date
    var hotspots: [HotspotLine]
    var nextOffset: Int?
}

struct HotspotLine: Encodable {
    var area: String
    var areaName: String?
    var category: String
    var categoryName: String?
    var count: Int
    var baseline: Double
    var threshold: Double
}
