import Testing
import WhistleDomain

@Suite("BenchFigures")
struct BenchFiguresTests {
    typealias Point = BenchFigures.CurvePoint

    @Test func crossingIsInterpolatedBetweenTheRatesAroundTheLimit() {
        let curve = [
            Point(rate: 500, p99Milliseconds: 3000), Point(rate: 100, p99Milliseconds: 200), Point(rate: 200, p99Milliseconds: 600),
        ]
        // 600 ms at 200/s, 3,000 ms at 500/s: 1,000 ms is 400/2,400 of the way, at 250/s.
        #expect(Self.interpolated(BenchFigures.crossing(curve), near: 250, from: 200, to: 500))
    }

    @Test func crossingTakesTheFirstRiseAboveTheLimit() {
        let curve = [
            Point(rate: 20, p99Milliseconds: 100), Point(rate: 50, p99Milliseconds: 1100),
            Point(rate: 100, p99Milliseconds: 900), Point(rate: 200, p99Milliseconds: 5000),
        ]
        #expect(Self.interpolated(BenchFigures.crossing(curve), near: 47, from: 20, to: 50))
    }

    static func interpolated(_ crossing: BenchFigures.Crossing?, near expected: Double, from: Double, to: Double) -> Bool {
        guard case .interpolated(let rate, let low, let high)? = crossing else { return false }
        return abs(rate - expected) < 1e-9 && low == from && high == to
    }

    @Test func crossingAtTheLowestRateOrNever() {
        #expect(
            BenchFigures.crossing([Point(rate: 20, p99Milliseconds: 1500), Point(rate: 50, p99Milliseconds: 2000)]) == .atOrBelow(rate: 20))
        #expect(
            BenchFigures.crossing([Point(rate: 20, p99Milliseconds: 100), Point(rate: 500, p99Milliseconds: 1000)])
                == .notReached(rate: 500))
        #expect(BenchFigures.crossing([]) == nil)
        #expect(BenchFigures.crossing([Point(rate: 20, p99Milliseconds: 10)], limitMilliseconds: 5) == .atOrBelow(rate: 20))
    }

    @Test func countersPerDemand() {
        let before = ["intake": 100.0, "notifier": 50, "gone": 7, "restarted": 900]
        let after = ["intake": 400.0, "notifier": 50, "new": 30, "restarted": 60]
        let per = BenchFigures.perDemand(before: before, after: after, demands: 30)
        #expect(per == ["intake": 10, "new": 1, "restarted": 2])
        #expect(BenchFigures.perDemand(before: before, after: after, demands: 0).isEmpty)
    }

    @Test func rowsAreSpreadOverTheStagesThatCommit() {
        #expect(BenchFigures.rowsPerStage(hops: 3, rows: 2) == [1, 1])
        #expect(BenchFigures.rowsPerStage(hops: 4, rows: 8) == [3, 3, 2])
        #expect(BenchFigures.rowsPerStage(hops: 5, rows: 2) == [1, 1, 0, 0])
        #expect(BenchFigures.rowsPerStage(hops: 1, rows: 5) == [5])
        #expect(BenchFigures.rowsPerStage(hops: 30, rows: 61).reduce(0, +) == 61)
    }

    @Test func percentOfOneCore() {
        #expect(BenchFigures.percentOfCore(cpuSeconds: 0.6, seconds: 60) == 1)
        #expect(BenchFigures.percentOfCore(cpuSeconds: 3, seconds: 0) == 0)
    }

    @Test func prometheusCounterByLabel() {
        let text = """
            # TYPE whistle_messages_consumed_total counter
            whistle_messages_consumed_total{consumer="intake"} 120
            whistle_messages_consumed_total{consumer="intake-points",instance="a"} 7
            whistle_messages_consumed_total_extra{consumer="intake"} 999
            whistle_messages_rejected_total{consumer="intake"} 3
            whistle_messages_consumed_total{other="x"} 5
            whistle_messages_consumed_total{consumer="intake"} 1.5
            """
        #expect(
            BenchFigures.prometheusCounter(text, metric: "whistle_messages_consumed_total", label: "consumer")
                == ["intake": 121.5, "intake-points": 7])
    }
}
