import Testing
import WhistleDomain

@Suite struct BenchScopeTests {
    private func counts(
        opened: Int = 100, triaged: Int = 4, assigned: Int = 96, resolved: Int = 96, waiting: Int = 0, done: Bool = true
    ) -> BenchScope.FlowCounts {
        BenchScope.FlowCounts(
            publishingDone: done, published: 110, outcomes: 110, opened: opened, triaged: triaged, assigned: assigned, resolved: resolved,
            waiting: waiting)
    }

    @Test func drainsWhenEveryTicketOutsideTriageIsResolved() {
        #expect(counts().expectedAtDepartments == 96)
        #expect(counts().drained)
    }

    @Test func aMissingAssignmentOrResolutionKeepsItOpen() {
        #expect(!counts(assigned: 95).drained)
        #expect(!counts(resolved: 95).drained)
        #expect(!counts(triaged: 3).drained)
        #expect(!counts(waiting: 1).drained)
        #expect(!counts(done: false).drained)
    }

    @Test func outcomesStillMissingKeepItOpen() {
        var c = counts()
        c.outcomes = 109
        #expect(!c.drained)
    }

    @Test func moreTriagedThanOpenedExpectsNone() {
        #expect(counts(opened: 2, triaged: 3, assigned: 0, resolved: 0).expectedAtDepartments == 0)
        #expect(counts(opened: 2, triaged: 3, assigned: 0, resolved: 0).drained)
    }

    @Test func descendantsFollowTheTreeFromTheRootsOnly() {
        // 1 init; 100 run's postgres with backends 101, 102; 200 test's postgres with 201;
        // 300 run's rabbitmq launcher → 301 beam.smp → 302 erl_child_setup.
        let parents: [Int32: Int32] = [1: 0, 100: 1, 101: 100, 102: 100, 200: 1, 201: 200, 300: 1, 301: 300, 302: 301]
        #expect(BenchScope.descendants(of: [100, 300], parents: parents) == [100, 101, 102, 300, 301, 302])
        #expect(BenchScope.descendants(of: [200], parents: parents) == [200, 201])
    }

    @Test func aRootThatIsGoneIsLeftOut() {
        #expect(BenchScope.descendants(of: [999], parents: [1: 0, 5: 1]).isEmpty)
    }

    @Test func parentPIDSkipsANameWithSpacesAndParentheses() {
        #expect(BenchScope.parentPID(stat: "4242 (postgres: a (b) c) S 4200 4242 4242 0 -1") == 4200)
        #expect(BenchScope.parentPID(stat: "garbage") == nil)
    }
}
