import Testing
import WhistleDomain

/// Department scores (三率, 一哨一考核) and the hotspot threshold, computed by hand here.
@Suite("Scoring")
struct ScoringTests {
    func counts(_ build: (inout KPICounts) -> Void) -> KPICounts {
        var counts = KPICounts()
        build(&counts)
        return counts
    }

    @Test("each rate is its part over its whole, nil where nothing was measured")
    func rates() {
        let week = counts {
            $0.dispatched = 40
            $0.acknowledgedOnTime = 36
            $0.completed = 30
            $0.completedOnTime = 27
            $0.answered = 20
            $0.resolved = 18
            $0.satisfied = 12
            $0.basicallySatisfied = 5
            $0.returned = 2
            $0.reworked = 3
            $0.evaluationSum = 255
            $0.evaluationCount = 3
        }
        let rates = KPIRates(week)
        #expect(rates.responseRate == 0.9 && rates.onTimeRate == 0.9 && rates.resolutionRate == 0.9)
        #expect(rates.satisfactionRate == 0.85 && rates.returnRate == 0.05 && rates.reworkRate == 0.1 && rates.whistleScore == 85)
        // 100 × (.2·.9 + .2·.9 + .15·.9 + .15·.85 + .3·.85) / 1 = 87.75
        #expect(abs((rates.composite ?? 0) - 87.75) < 1e-9)
        let nothing = KPIRates(KPICounts())
        #expect(nothing.responseRate == nil && nothing.satisfactionRate == nil && nothing.composite == nil)
    }

    @Test("unmeasured figures leave the composite, their weights with them")
    func partialComposite() {
        let onlyWork = counts {
            $0.dispatched = 10
            $0.acknowledgedOnTime = 5
            $0.completed = 4
            $0.completedOnTime = 4
        }
        // (.2·.5 + .2·1) / .4 = .75
        #expect(abs((KPIRates(onlyWork).composite ?? 0) - 75) < 1e-9)
    }

    @Test("periods add up column by column")
    func sums() {
        let day = counts {
            $0.dispatched = 3
            $0.overdue = 1
            $0.evaluationSum = 90
            $0.evaluationCount = 1
        }
        let two = day + day
        #expect(two.dispatched == 6 && two.overdue == 2 && two.evaluationSum == 180 && two.evaluationCount == 2)
        #expect(KPIRates(two).whistleScore == 90)
    }

    @Test("weights: any subset overrides the defaults; the street keeps at least 30 %")
    func weights() {
        #expect(ScoreWeights(setting: "") == .default)
        #expect(ScoreWeights(setting: "response=0.3, on_time=0.1")?.response == 0.3)
        #expect(ScoreWeights(setting: "whistle=0.1") == nil, "the whistle weight falls below 30 %")
        for bad in ["speed=1", "response=-1", "response=x", "response", "response=0,on_time=0,resolution=0,satisfaction=0,whistle=0"] {
            #expect(ScoreWeights(setting: bad) == nil, "\(bad)")
        }
    }

    @Test("the street's say averages its per-whistle and period evaluations by the mix, an unmeasured one left out")
    func streetMix() {
        let both = counts {
            $0.dispatched = 10
            $0.acknowledgedOnTime = 10
            $0.evaluationSum = 160
            $0.evaluationCount = 2
            $0.periodSum = 60
            $0.periodCount = 1
        }
        let even = KPIRates(both)
        #expect(even.whistleScore == 80 && even.periodScore == 60 && even.streetScore == 70)
        // (.2·1 + .3·.7) / .5 = 82
        #expect(abs((even.composite ?? 0) - 82) < 1e-9)
        var weights = ScoreWeights.default
        weights.streetMix = StreetMix(whistle: 1, period: 3)
        // street = (80 + 3·60) / 4 = 65; (.2·1 + .3·.65) / .5 = 79
        let periodHeavy = KPIRates(both, weights: weights)
        #expect(periodHeavy.streetScore == 65 && abs((periodHeavy.composite ?? 0) - 79) < 1e-9)
        weights.streetMix = StreetMix(whistle: 1, period: 0)
        #expect(KPIRates(both, weights: weights).streetScore == 80, "a period weight of 0 leaves the period evaluations out")
        let periodOnly = counts {
            $0.periodSum = 170
            $0.periodCount = 2
        }
        #expect(KPIRates(periodOnly).streetScore == 85 && KPIRates(periodOnly).whistleScore == nil)
        #expect(abs((KPIRates(periodOnly).composite ?? 0) - 85) < 1e-9, "the street's say alone")
        let whistleOnly = counts {
            $0.evaluationSum = 90
            $0.evaluationCount = 1
        }
        #expect(KPIRates(whistleOnly).streetScore == 90 && KPIRates(whistleOnly).periodScore == nil, "as before issue 15")
    }

    @Test("the street mix: whistle and period weights, non-negative, not both zero; anything else refused")
    func streetMixSetting() {
        #expect(StreetMix(setting: "") == .default && StreetMix.default == StreetMix(whistle: 0.5, period: 0.5))
        #expect(StreetMix(setting: "whistle=0.3, period=0.7") == StreetMix(whistle: 0.3, period: 0.7))
        #expect(StreetMix(setting: "period=0") == StreetMix(whistle: 0.5, period: 0))
        for bad in ["street=1", "whistle=-0.1", "period=x", "period", "whistle=0,period=0", "whistle=inf", "whistle=nan"] {
            #expect(StreetMix(setting: bad) == nil, "\(bad)")
        }
        let others = ",on_time=0,resolution=0,satisfaction=0"
        #expect(ScoreWeights(setting: "whistle=0.29,response=0.71" + others) == nil, "the street's share under 30 % is refused")
        #expect(ScoreWeights(setting: "whistle=0.3,response=0.7" + others)?.whistle == 0.3, "30 % is enough")
    }

    @Test("periods add up column by column, the new counts too")
    func newSums() {
        let day = counts {
            $0.whistles = 2
            $0.whistlesEmpty = 1
            $0.contests = 3
            $0.contestsLost = 1
            $0.periodSum = 80
            $0.periodCount = 1
        }
        let two = day + day
        #expect(two.whistles == 4 && two.whistlesEmpty == 2 && two.contests == 6 && two.contestsLost == 2)
        #expect(two.periodSum == 160 && two.periodCount == 2 && KPIRates(two).periodScore == 80)
    }

    @Test("a hotspot needs at least 5 and more than mean + 3σ of the previous 7 windows")
    func hotspots() {
        #expect(HotspotRule.threshold(history: [0, 0, 0, 0, 0, 0, 0]) == 5)
        #expect(!HotspotRule.isHotspot(count: 4, history: [0, 0, 0, 0, 0, 0, 0]))
        #expect(HotspotRule.isHotspot(count: 5, history: []))
        // mean 4, σ = √(24/7) ≈ 1.852 → threshold ≈ 9.55
        let history = [2, 2, 2, 4, 6, 6, 6]
        #expect(abs(HotspotRule.threshold(history: history) - (4 + 3 * (24.0 / 7).squareRoot())) < 1e-9)
        #expect(!HotspotRule.isHotspot(count: 9, history: history) && HotspotRule.isHotspot(count: 10, history: history))
        #expect(HotspotRule.isHotspot(count: 40, history: [1, 0, 2, 1, 0, 1, 3]))
    }
}
