/// The pure arithmetic of the benchmark (`whistle-bench run`): where a latency curve crosses a
/// limit, what servers' counters say per demand, and how a like-for-like pipeline spreads its row
/// writes over its hops. Kept here, beside the rules, so that unit tests reach it; the benchmark
/// only measures and prints.
public enum BenchFigures {
    /// One rate of a latency curve and the p99 latency measured at it.
    public struct CurvePoint: Sendable, Equatable {
        /// Demands per second offered.
        public var rate: Double
        /// p99 latency at that rate, in milliseconds.
        public var p99Milliseconds: Double

        /// A point of the curve.
        public init(rate: Double, p99Milliseconds: Double) {
            self.rate = rate
            self.p99Milliseconds = p99Milliseconds
        }
    }

    /// Where the p99 of a latency curve first exceeds a limit.
    public enum Crossing: Sendable, Equatable {
        /// Already above the limit at the lowest rate measured.
        case atOrBelow(rate: Double)
        /// Between two measured rates: the rate is interpolated linearly in p99 between them,
        /// an estimate, not a measurement.
        case interpolated(rate: Double, from: Double, to: Double)
        /// Under the limit at every rate measured, up to `rate`.
        case notReached(rate: Double)
    }

    /// The first crossing of `limitMilliseconds` by the p99 of `points` (in any order), going up
    /// in rate. `nil` when there are no points.
    public static func crossing(_ points: [CurvePoint], limitMilliseconds: Double = 1000) -> Crossing? {
        let sorted = points.sorted { $0.rate < $1.rate }
        guard let first = sorted.first, let last = sorted.last else { return nil }
        if first.p99Milliseconds > limitMilliseconds { return .atOrBelow(rate: first.rate) }
        for (below, above) in zip(sorted, sorted.dropFirst()) where above.p99Milliseconds > limitMilliseconds {
            let rise = above.p99Milliseconds - below.p99Milliseconds
            let share = rise > 0 ? (limitMilliseconds - below.p99Milliseconds) / rise : 0
            return .interpolated(rate: below.rate + share * (above.rate - below.rate), from: below.rate, to: above.rate)
        }
        return .notReached(rate: last.rate)
    }

    /// What each counter grew by between two snapshots, divided by `demands`. A counter missing
    /// from `before` counts from zero (it appeared in between); one that shrank (its server
    /// restarted) counts its `after` value. Counters that did not grow are left out.
    public static func perDemand(before: [String: Double], after: [String: Double], demands: Int) -> [String: Double] {
        guard demands > 0 else { return [:] }
        var out: [String: Double] = [:]
        for (name, value) in after {
            let start = before[name] ?? 0
            let grown = value >= start ? value - start : value
            if grown > 0 { out[name] = grown / Double(demands) }
        }
        return out
    }

    /// How a pipeline of `hops` quorum-queue deliveries spreads `rows` row writes per message over
    /// its stages (every hop but the last one, which the sink reads, is a stage that commits):
    /// as evenly as possible, the earlier stages taking the remainder. At least two hops.
    public static func rowsPerStage(hops: Int, rows: Int) -> [Int] {
        let stages = max(1, hops - 1)
        let each = max(0, rows) / stages, extra = max(0, rows) % stages
        return (0..<stages).map { each + ($0 < extra ? 1 : 0) }
    }

    /// CPU seconds spent over `seconds` of wall time, as a percentage of one core.
    public static func percentOfCore(cpuSeconds: Double, seconds: Double) -> Double {
        seconds > 0 ? 100 * cpuSeconds / seconds : 0
    }

    /// The values of one counter of a Prometheus text exposition, by the value of one label
    /// (e.g. `whistle_messages_consumed_total` by `consumer`). Samples without the label are
    /// left out; samples of other metrics too, including those whose names only start alike.
    public static func prometheusCounter(_ text: String, metric: String, label: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(metric + "{") {
            guard let close = line.lastIndex(of: "}"),
                let value = Double(line[line.index(after: close)...].drop { $0 == " " })
            else { continue }
            let labels = line[line.index(line.startIndex, offsetBy: metric.count + 1)..<close]
            guard let start = labels.firstRange(of: label + "=\"") else { continue }
            let rest = labels[start.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { continue }
            out[String(rest[..<end]), default: 0] += value
        }
        return out
    }
}
