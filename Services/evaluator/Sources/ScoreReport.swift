import Foundation
import WhistleDomain
import WhistleMessages

/// `GET /v1/scores` (CONTRACT §7): each department's KPIs over a range of local days.
public struct ScoreReport: Encodable, Sendable {
    /// One department's line: the counts, the rates (0…1, null where nothing was measured), the
    /// whistle and period evaluation averages (0…100), the whistles and contests, and the
    /// composite (0…100).
    public struct Line: Encodable, Sendable {
        public var department: String
        public var name: String
        public var kind: String
        public var counts: KPICounts
        public var rates: KPIRates

        init(_ item: DepartmentCounts, weights: ScoreWeights) {
            department = item.code
            name = item.name
            kind = item.kind
            counts = item.counts
            rates = KPIRates(item.counts, weights: weights)
        }

        /// Whether anything was measured for the department in the range.
        public var isActive: Bool { counts != KPICounts() }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(department, forKey: .department)
            try c.encode(name, forKey: .name)
            try c.encode(counts.dispatched, forKey: .dispatched)
            try c.encode(ScoreReport.round(rates.responseRate, 4), forKey: .responseRate)
            try c.encode(ScoreReport.round(rates.onTimeRate, 4), forKey: .onTimeRate)
            try c.encode(ScoreReport.round(rates.resolutionRate, 4), forKey: .resolutionRate)
            try c.encode(ScoreReport.round(rates.satisfactionRate, 4), forKey: .satisfactionRate)
            try c.encode(ScoreReport.round(rates.returnRate, 4), forKey: .returnRate)
            try c.encode(ScoreReport.round(rates.reworkRate, 4), forKey: .reworkRate)
            try c.encode(counts.overdue, forKey: .overdue)
            try c.encode(counts.escalations, forKey: .escalations)
            try c.encode(ScoreReport.round(rates.whistleScore, 2), forKey: .whistleScore)
            try c.encode(ScoreReport.round(rates.periodScore, 2), forKey: .periodScore)
            try c.encode(ScoreReport.round(rates.streetScore, 2), forKey: .streetScore)
            try c.encode(counts.whistles, forKey: .whistles)
            try c.encode(counts.whistlesEmpty, forKey: .whistlesEmpty)
            try c.encode(counts.contests, forKey: .contests)
            try c.encode(counts.contestsLost, forKey: .contestsLost)
            try c.encode(ScoreReport.round(rates.composite, 2), forKey: .composite)
            try c.encode(CountsView(counts), forKey: .counts)
        }

        enum Keys: String, CodingKey {
            case department, name, dispatched, responseRate, onTimeRate, resolutionRate, satisfactionRate, returnRate
            case reworkRate, overdue, escalations, whistleScore, periodScore, streetScore, whistles, whistlesEmpty, contests
            case contestsLost, composite, counts
        }
    }

    /// The raw counts behind the rates (extension of CONTRACT §7), so that a reader can add
    /// periods up or check a rate.
    struct CountsView: Encodable {
        var acknowledged, acknowledgedOnTime, completed, completedOnTime, answered, satisfied, basicallySatisfied: Int
        var resolved, returned, reworked, evaluations, evaluationSum, periodEvaluations, periodEvaluationSum: Int
        init(_ c: KPICounts) {
            (acknowledged, acknowledgedOnTime, completed, completedOnTime) = (
                c.acknowledged, c.acknowledgedOnTime, c.completed, c.completedOnTime
            )
            (answered, satisfied, basicallySatisfied, resolved) = (c.answered, c.satisfied, c.basicallySatisfied, c.resolved)
            (returned, reworked, evaluations, evaluationSum) = (c.returned, c.reworked, c.evaluationCount, c.evaluationSum)
            (periodEvaluations, periodEvaluationSum) = (c.periodCount, c.periodSum)
        }
    }

    public var from: LocalDate
    public var to: LocalDate
    public var weights: ScoreWeights
    /// The area whose subtree's departments the report covers; nil: every department.
    public var area: String?
    public var departments: [Line]
    /// Where the next page starts, when a `limit` cut the list.
    public var nextOffset: Int?

    /// The report of these departments' counts over `from…to`, in the order given.
    public init(from: LocalDate, to: LocalDate, weights: ScoreWeights, totals: [DepartmentCounts], area: String? = nil) {
        self.from = from
        self.to = to
        self.weights = weights
        self.area = area
        departments = totals.map { Line($0, weights: weights) }
    }

    init(from: LocalDate, to: LocalDate, weights: ScoreWeights, area: String?, departments: [Line]) {
        self.from = from
        self.to = to
        self.weights = weights
        self.area = area
        self.departments = departments
    }

    /// The JSON body of `GET /v1/scores`.
    public var json: String { (try? WhistleJSON.encoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}" }

    static func round(_ value: Double?, _ places: Int) -> Double? {
        guard let value else { return nil }
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(from.description, forKey: .from)
        try c.encode(to.description, forKey: .to)
        try c.encode(
            [
                "response": weights.response, "on_time": weights.onTime, "resolution": weights.resolution,
                "satisfaction": weights.satisfaction, "whistle": weights.whistle,
            ], forKey: .weights)
        try c.encode(["whistle": weights.streetMix.whistle, "period": weights.streetMix.period], forKey: .streetMix)
        try c.encode(area, forKey: .area)
        try c.encode(departments, forKey: .departments)
        try c.encodeIfPresent(nextOffset, forKey: .nextOffset)
    }

    enum Keys: String, CodingKey { case from, to, weights, streetMix, area, departments, nextOffset }

    /// The report as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the
    /// Chinese names right): a header line, then one line per department.
    public var csv: String {
        var out =
            "\u{FEFF}department,name,from,to,dispatched,response_rate,on_time_rate,resolution_rate,satisfaction_rate,"
            + "return_rate,rework_rate,overdue,escalations,whistle_score,composite,whistles,whistles_empty,contests,contests_lost,"
            + "period_score\r\n"
        func number(_ value: Double?, _ places: Int) -> String {
            guard let value = Self.round(value, places) else { return "" }
            return String(format: "%.\(places)f", value)
        }
        for line in departments {
            let fields = [
                line.department, line.name, from.description, to.description, String(line.counts.dispatched),
                number(line.rates.responseRate, 4), number(line.rates.onTimeRate, 4), number(line.rates.resolutionRate, 4),
                number(line.rates.satisfactionRate, 4), number(line.rates.returnRate, 4), number(line.rates.reworkRate, 4),
                String(line.counts.overdue), String(line.counts.escalations), number(line.rates.whistleScore, 2),
                number(line.rates.composite, 2), String(line.counts.whistles), String(line.counts.whistlesEmpty),
                String(line.counts.contests), String(line.counts.contestsLost), number(line.rates.periodScore, 2),
            ]
            out += fields.map(Self.csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// A CSV field, quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-`
    /// or `@` is prefixed with `'` so that a spreadsheet never runs it as a formula.
    public static func csvField(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@".contains(first), Double(text) == nil { text = "'" + text }
        guard text.contains(where: { ",\"\r\n".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
