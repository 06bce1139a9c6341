import Foundation

/// One department's counts over a period: the columns of `kpi_daily`, added up over days, and
/// the period evaluations (`periodSum`, `periodCount`) that overlap it, which no day holds.
public struct KPICounts: Sendable, Hashable {
    public var dispatched = 0
    public var acknowledged = 0
    public var acknowledgedOnTime = 0
    public var completed = 0
    public var completedOnTime = 0
    /// Feedback that said the matter was resolved.
    public var resolved = 0
    /// Feedback received (回访 answered).
    public var answered = 0
    public var satisfied = 0
    public var basicallySatisfied = 0
    public var returned = 0
    /// Completed work that was reopened (返工).
    public var reworked = 0
    public var overdue = 0
    public var escalations = 0
    public var evaluationSum = 0
    public var evaluationCount = 0
    /// Whistles the department blew (吹哨): tickets accepted with it as their whistler.
    public var whistles = 0
    /// Its whistles' contests ruled `empty` (吹空哨).
    public var whistlesEmpty = 0
    /// Contests it made against whistles that summoned it.
    public var contests = 0
    /// Its contests ruled `upheld` (the whistle stands).
    public var contestsLost = 0
    /// The streets' period evaluations of the department (sum of scores 0…100, and how many).
    public var periodSum = 0
    public var periodCount = 0

    public init() {}

    /// The sum of two periods' counts.
    public static func + (lhs: KPICounts, rhs: KPICounts) -> KPICounts {
        var sum = lhs
        sum.dispatched += rhs.dispatched
        sum.acknowledged += rhs.acknowledged
        sum.acknowledgedOnTime += rhs.acknowledgedOnTime
        sum.completed += rhs.completed
        sum.completedOnTime += rhs.completedOnTime
        sum.resolved += rhs.resolved
        sum.answered += rhs.answered
        sum.satisfied += rhs.satisfied
        sum.basicallySatisfied += rhs.basicallySatisfied
        sum.returned += rhs.returned
        sum.reworked += rhs.reworked
        sum.overdue += rhs.overdue
        sum.escalations += rhs.escalations
        sum.evaluationSum += rhs.evaluationSum
        sum.evaluationCount += rhs.evaluationCount
        sum.whistles += rhs.whistles
        sum.whistlesEmpty += rhs.whistlesEmpty
        sum.contests += rhs.contests
        sum.contestsLost += rhs.contestsLost
        sum.periodSum += rhs.periodSum
        sum.periodCount += rhs.periodCount
        return sum
    }
}

/// The rates of DESIGN "KPIs" (0…1; nil where nothing was measured) and the composite score.
///
/// - response rate 响应率 = acknowledged in time / dispatched;
/// - on-time completion 按期办结率 = completed in time / completed;
/// - resolution rate 解决率 = feedback saying resolved / feedback answered;
/// - satisfaction 满意率 = (satisfied + basically satisfied) / answered;
/// - return rate 退单率 = returned / dispatched; rework rate 返工率 = reworked / completed;
/// - whistle score = the average of the street's per-whistle evaluations (0…100);
/// - period score = the average of the streets' period evaluations (0…100);
/// - street score = the street's say: the mean of the whistle and the period scores weighted by
///   `ScoreWeights.streetMix`, the unmeasured one (or one weighted 0) left out;
/// - composite = the weighted mean (0…100) of the measured response, on-time, resolution,
///   satisfaction and street (score ÷ 100) figures, the weights of the unmeasured ones left out,
///   so that a department is never marked down for what nobody could measure; nil when none is.
public struct KPIRates: Sendable, Hashable {
    public var responseRate: Double?
    public var onTimeRate: Double?
    public var resolutionRate: Double?
    public var satisfactionRate: Double?
    public var returnRate: Double?
    public var reworkRate: Double?
    public var whistleScore: Double?
    public var periodScore: Double?
    public var streetScore: Double?
    public var composite: Double?

    public init(_ counts: KPICounts, weights: ScoreWeights = .default) {
        func ratio(_ part: Int, _ whole: Int) -> Double? { whole > 0 ? Double(part) / Double(whole) : nil }
        responseRate = ratio(counts.acknowledgedOnTime, counts.dispatched)
        onTimeRate = ratio(counts.completedOnTime, counts.completed)
        resolutionRate = ratio(counts.resolved, counts.answered)
        satisfactionRate = ratio(counts.satisfied + counts.basicallySatisfied, counts.answered)
        returnRate = ratio(counts.returned, counts.dispatched)
        reworkRate = ratio(counts.reworked, counts.completed)
        whistleScore = ratio(counts.evaluationSum, counts.evaluationCount)
        periodScore = ratio(counts.periodSum, counts.periodCount)
        streetScore = Self.mean([(whistleScore, weights.streetMix.whistle), (periodScore, weights.streetMix.period)])
        composite = Self.mean([
            (responseRate, weights.response), (onTimeRate, weights.onTime), (resolutionRate, weights.resolution),
            (satisfactionRate, weights.satisfaction), (streetScore.map { $0 / 100 }, weights.whistle),
        ]).map { 100 * $0 }
    }

    /// The weighted mean of the measured values with a positive weight; nil when there is none.
    static func mean(_ parts: [(Double?, Double)]) -> Double? {
        let measured = parts.compactMap { value, weight in value.map { ($0, weight) } }.filter { $0.1 > 0 }
        let total = measured.reduce(0) { $0 + $1.1 }
        return total > 0 ? measured.reduce(0) { $0 + $1.0 * $1.1 } / total : nil
    }
}

/// The weights of the composite score (DESIGN: response .2, on-time .2, resolution .15,
/// satisfaction .15, the street's say .3 — at least 30 %), and how the street's say mixes its
/// per-whistle and period evaluations.
public struct ScoreWeights: Sendable, Hashable {
    public var response: Double
    public var onTime: Double
    public var resolution: Double
    public var satisfaction: Double
    /// The street's share (its evaluations, per whistle and per period).
    public var whistle: Double
    public var streetMix: StreetMix

    public static let `default` = ScoreWeights(response: 0.2, onTime: 0.2, resolution: 0.15, satisfaction: 0.15, whistle: 0.3)

    public init(
        response: Double, onTime: Double, resolution: Double, satisfaction: Double, whistle: Double, streetMix: StreetMix = .default
    ) {
        self.response = response
        self.onTime = onTime
        self.resolution = resolution
        self.satisfaction = satisfaction
        self.whistle = whistle
        self.streetMix = streetMix
    }

    /// Reads `response=.2,on_time=.2,resolution=.15,satisfaction=.15,whistle=.3` (any subset; the
    /// rest keep their defaults). Nil for an unknown name, a negative or non-numeric weight, all
    /// weights zero, or a whistle weight below 30 % of the total.
    public init?(setting: String) {
        var weights = ScoreWeights.default
        for item in setting.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let value = Double(pair[1]), value >= 0, value.isFinite else { return nil }
            switch pair[0] {
            case "response": weights.response = value
            case "on_time": weights.onTime = value
            case "resolution": weights.resolution = value
            case "satisfaction": weights.satisfaction = value
            case "whistle": weights.whistle = value
            default: return nil
            }
        }
        let total = weights.response + weights.onTime + weights.resolution + weights.satisfaction + weights.whistle
        guard total > 0, weights.whistle >= 0.3 * total - 1e-9 else { return nil }
        self = weights
    }
}

/// How the street's say in the composite mixes its two kinds of evaluation (setting
/// `WHISTLE_SCORE_STREET_MIX`, default `whistle=0.5,period=0.5`): the per-whistle evaluations
/// (一哨一考核) and the period evaluations of district departments (年终考核评议).
public struct StreetMix: Sendable, Hashable {
    public var whistle: Double
    public var period: Double

    public static let `default` = StreetMix(whistle: 0.5, period: 0.5)

    public init(whistle: Double, period: Double) {
        self.whistle = whistle
        self.period = period
    }

    /// Reads `whistle=.5,period=.5` (either or both; the other keeps its default). Nil for an
    /// unknown name, a negative, infinite or non-numeric weight, or both weights zero.
    public init?(setting: String) {
        var mix = StreetMix.default
        for item in setting.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let value = Double(pair[1]), value >= 0, value.isFinite else { return nil }
            switch pair[0] {
            case "whistle": mix.whistle = value
            case "period": mix.period = value
            default: return nil
            }
        }
        guard mix.whistle + mix.period > 0 else { return nil }
        self = mix
    }
}

/// Hotspots (DESIGN "Hotspots"): demands per grid × category in a rolling window against the same
/// window on each of the previous 7 days; flagged at max(5, mean + 3σ) of those 7 counts
/// (population standard deviation).
public enum HotspotRule {
    /// The least count that is ever flagged.
    public static let floor = 5.0

    /// The threshold for a window whose previous 7 windows held `history`.
    public static func threshold(history: [Int]) -> Double {
        guard !history.isEmpty else { return floor }
        let values = history.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return max(floor, mean + 3 * variance.squareRoot())
    }

    /// Whether `count` in the current window is a hotspot against `history`.
    public static func isHotspot(count: Int, history: [Int]) -> Bool {
        Double(count) >= threshold(history: history)
    }

    /// The levels of area a hotspot can be on: a place — a grid, a community, a street. Demands
    /// that nothing placed below their district are counted in the statistics, but a district
    /// full of them points at nothing and raises no hotspot.
    public static let placeLevels: [Area.Level] = [.grid, .community, .street]
}
