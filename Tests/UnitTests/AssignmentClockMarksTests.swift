import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// The clocks an assignment's row keeps (`AssignmentClockMarks`): what is due when, in which
/// order, that each fires once, what an extension restarts, and `escalate_city` planned when the
/// resolve clock goes overdue.
struct AssignmentClockMarksTests {
    func at(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }
    func iso(_ date: Date) -> String { RFC3339.format(date) }

    /// Dispatched 2026-10-01 03:00 UTC: acknowledge in 30 min, resolve in one day (a 1-day extension allowed).
    func clock() throws -> AssignmentClock {
        AssignmentClock(
            start: try at("2026-10-01T03:00:00Z"), ackDue: try at("2026-10-01T03:30:00Z"), resolveDue: try at("2026-10-02T03:00:00Z"),
            extensionWindow: try DeadlineDuration(amount: 1, unit: .days), isExtended: false)
    }

    func fired(_ marks: inout AssignmentClockMarks, at text: String, _ state: AssignmentState) throws -> [String] {
        marks.fire(at: try at(text), state: state).map { "\($0.kind.rawValue) \(iso($0.dueAt))" }
    }

    @Test func freshWorkKeepsTheWarningsAndNothingAnnounced() throws {
        let marks = AssignmentClockMarks(clock: try clock())
        #expect(iso(marks.ackWarningAt) == "2026-10-01T03:24:00.000Z" && iso(marks.resolveWarningAt) == "2026-10-01T22:12:00.000Z")
        #expect(marks.ackStage == .running && marks.resolveStage == .running && !marks.mayHaveCityTimer)
        #expect(marks.ackNextAt == marks.ackWarningAt && marks.resolveNextAt == marks.resolveWarningAt)
    }

    @Test func eachClockFiresItsWarningThenItsDeadlineOnce() throws {
        var marks = AssignmentClockMarks(clock: try clock())
        #expect(try fired(&marks, at: "2026-10-01T03:23:59.999Z", .dispatched).isEmpty, "nothing before 80 %")
        #expect(try fired(&marks, at: "2026-10-01T03:24:00Z", .dispatched) == ["ack_due_soon 2026-10-01T03:24:00.000Z"])
        #expect(try fired(&marks, at: "2026-10-01T03:29:00Z", .dispatched).isEmpty, "the warning fired once")
        #expect(marks.ackStage == .warned && marks.ackNextAt == marks.ackDue)
        #expect(try fired(&marks, at: "2026-10-01T03:30:00Z", .dispatched) == ["ack_overdue 2026-10-01T03:30:00.000Z"])
        #expect(marks.ackStage == .overdue && marks.ackNextAt == nil)
        #expect(try fired(&marks, at: "2026-10-01T22:12:00Z", .acknowledged) == ["resolve_due_soon 2026-10-01T22:12:00.000Z"])
        #expect(try fired(&marks, at: "2026-10-02T03:00:00Z", .acknowledged) == ["resolve_overdue 2026-10-02T03:00:00.000Z"])
        #expect(marks.mayHaveCityTimer && marks.resolveNextAt == nil)
        #expect(try fired(&marks, at: "2026-12-01T00:00:00Z", .acknowledged).isEmpty, "nothing more from the row")
    }

    @Test func aClockThatFellBehindFiresEverythingDueInTimeOrder() throws {
        var marks = AssignmentClockMarks(clock: try clock())
        #expect(
            try fired(&marks, at: "2026-10-03T00:00:00Z", .dispatched) == [
                "ack_due_soon 2026-10-01T03:24:00.000Z", "ack_overdue 2026-10-01T03:30:00.000Z",
                "resolve_due_soon 2026-10-01T22:12:00.000Z", "resolve_overdue 2026-10-02T03:00:00.000Z",
            ])
        #expect(marks.ackStage == .overdue && marks.resolveStage == .overdue)
    }

    @Test func onlyOpenWorkRunsItsClocks() throws {
        var acknowledged = AssignmentClockMarks(clock: try clock())
        #expect(try fired(&acknowledged, at: "2026-10-01T03:30:00Z", .acknowledged).isEmpty, "acknowledged: no acknowledge clock")
        #expect(acknowledged.ackStage == .running)
        for state in [AssignmentState.completed, .returned, .cancelled] {
            var marks = AssignmentClockMarks(clock: try clock())
            #expect(try fired(&marks, at: "2026-12-01T00:00:00Z", state).isEmpty, "\(state.rawValue): no clock")
        }
    }

    @Test func anExtensionRestartsTheResolveClockForTheNewDeadline() throws {
        let clock = try clock()
        var marks = AssignmentClockMarks(clock: clock)
        _ = try fired(&marks, at: "2026-10-02T03:00:00Z", .acknowledged)
        #expect(marks.resolveStage == .overdue && marks.mayHaveCityTimer)
        guard case .extended(let later) = clock.extended(in: WorkingCalendar(timeZone: .gmt)) else {
            Issue.record("the policy allows one extension")
            return
        }
        marks.restartResolve(later)
        #expect(
            marks.resolveStage == .running && !marks.mayHaveCityTimer && marks.ackStage == .running, "the acknowledge clock is untouched")
        #expect(iso(marks.resolveDue) == "2026-10-03T03:00:00.000Z" && iso(marks.resolveWarningAt) == "2026-10-02T17:24:00.000Z")
        #expect(
            try fired(&marks, at: "2026-10-03T03:00:00Z", .acknowledged) == [
                "resolve_due_soon 2026-10-02T17:24:00.000Z", "resolve_overdue 2026-10-03T03:00:00.000Z",
            ])
    }

    @Test func theCityTimerIsOneMoreResolveWindowAfterTheDeadline() throws {
        let city = TimerPlan.cityTimer(for: try clock())
        #expect(city.kind == .escalateCity && iso(city.dueAt) == "2026-10-03T03:00:00.000Z")
        #expect(TimerKind.assignmentClocks == TimerKind.acknowledgeKinds.union(TimerKind.resolveKinds).subtracting([.escalateCity]))
        #expect(ClockStage.allCases.map(\.rawValue) == [0, 1, 2] && ClockStage.running < .overdue)
    }
}
