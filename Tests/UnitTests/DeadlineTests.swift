import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// Deadlines, working days, 80 % warnings, the escalation instants and timers, at fixed instants and
/// with the 2026 State Council holiday arrangement of deploy/seed/calendar.yaml.
@Suite("Deadlines")
struct DeadlineTests {
    /// The 2026 calendar, built from literal dates.
    let calendar: WorkingCalendar

    init() throws { calendar = try Self.calendar2026() }

    /// 2026 (official): weekday holidays and weekend make-up working days (调休), Asia/Shanghai.
    static func calendar2026(makeUpDays: Bool = true) throws -> WorkingCalendar {
        let holidays = [
            "2026-01-01", "2026-01-02",  // 元旦
            "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23",  // 春节
            "2026-04-06",  // 清明
            "2026-05-01", "2026-05-04", "2026-05-05",  // 劳动节
            "2026-06-19",  // 端午
            "2026-09-25",  // 中秋
            "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07",  // 国庆
        ]
        let workdays = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
        let zone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        return WorkingCalendar(
            timeZone: zone, holidays: Set(try holidays.map(day)),
            makeUpWorkdays: makeUpDays ? Set(try workdays.map(day)) : [])
    }

    static func day(_ text: String) throws -> LocalDate { try #require(LocalDate(iso: text)) }
    func day(_ text: String) throws -> LocalDate { try Self.day(text) }
    func at(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }
    func iso(_ date: Date) -> String { RFC3339.format(date) }
    func duration(_ text: String) throws -> DeadlineDuration { try DeadlineDuration.parse(text) }
    /// The deadline `text` after the instant `start`, in RFC 3339 UTC.
    func due(_ text: String, from start: String, in calendar: WorkingCalendar? = nil) throws -> String {
        iso((calendar ?? self.calendar).add(try duration(text), to: try at(start)))
    }

    /// The clock of work of `channel` × `urgency` dispatched at the instant `start`.
    func dispatched(_ channel: Channel, _ urgency: Urgency, at start: String) throws -> AssignmentClock {
        AssignmentClock(start: try at(start), policy: try policy(channel, urgency), calendar: calendar)
    }

    func policy(_ channel: Channel, _ urgency: Urgency) throws -> DeadlinePolicy {
        switch (channel, urgency) {
        case (.grid, .urgent), (.whistle, .urgent), (.hotline, .urgent), (.twelve345, .urgent):
            try DeadlinePolicy.parse(channel: channel, urgency: urgency, acknowledge: "30m", resolve: "24h")
        case (.grid, .normal), (.whistle, .normal):
            try DeadlinePolicy.parse(channel: channel, urgency: urgency, acknowledge: "1h", resolve: "3wd")
        case (.hotline, .normal), (.twelve345, .normal):
            try DeadlinePolicy.parse(channel: channel, urgency: urgency, acknowledge: "2h", resolve: "5wd")
        case (.petition, _):
            try DeadlinePolicy.parse(
                channel: channel, urgency: urgency, acknowledge: "15d", resolve: "60d", extensionWindow: "30d")
        }
    }

    // MARK: Durations

    @Test func parsesSeedDurations() throws {
        let cases: [(String, Int, DeadlineUnit)] = [
            ("30m", 30, .minutes), ("2h", 2, .hours), ("24h", 24, .hours), ("5wd", 5, .workingDays),
            ("15d", 15, .days), ("100000d", 100_000, .days),
        ]
        for (text, amount, unit) in cases {
            let parsed = try duration(text)
            #expect(parsed.amount == amount && parsed.unit == unit, "\(text)")
            #expect(parsed.description == text)
        }
        #expect(try duration("5wd") == DeadlineDuration(amount: 5, unitName: "working_days"))
        #expect(try duration("2h").fixedSeconds == 7_200)
        #expect(try duration("5wd").fixedSeconds == nil)
    }

    @Test(arguments: [
        ("", DeadlineDurationError.empty(text: "")), ("m", .missingAmount(text: "m")),
        ("-5m", .missingAmount(text: "-5m")), (" 5m", .missingAmount(text: " 5m")), ("5", .missingUnit(text: "5")),
        ("5x", .unknownUnit(text: "5x", unit: "x")), ("5WD", .unknownUnit(text: "5WD", unit: "WD")),
        ("5 wd", .unknownUnit(text: "5 wd", unit: " wd")), ("1.5h", .unknownUnit(text: "1.5h", unit: ".5h")),
        ("5wdd", .unknownUnit(text: "5wdd", unit: "wdd")), ("0m", .notPositive(text: "0m")),
        ("100001d", .tooLarge(text: "100001d")), ("99999999999999999999999999h", .tooLarge(text: "99999999999999999999999999h")),
    ])
    func rejectsBadDurations(text: String, error: DeadlineDurationError) {
        #expect(throws: error) { try DeadlineDuration.parse(text) }
    }

    @Test func badDurationMessagesNameTheTextAndTheForms() {
        let message = DeadlineDurationError.unknownUnit(text: "5x", unit: "x").description
        #expect(message == "bad duration \"5x\": unknown unit \"x\" (use <n>m, <n>h, <n>d or <n>wd, e.g. 30m, 2h, 15d, 5wd)")
        #expect(throws: DeadlineDurationError.notPositive(text: "0h")) { try DeadlineDuration(amount: 0, unit: .hours) }
        #expect(throws: DeadlineDurationError.unknownUnit(text: "3 weeks", unit: "weeks")) {
            try DeadlineDuration(amount: 3, unitName: "weeks")
        }
    }

    @Test func policiesMapToDeadlinePolicyRows() throws {
        let row = try DeadlinePolicy(
            channel: "petition", urgency: "normal", acknowledgeAmount: 15, acknowledgeUnit: "days",
            resolveAmount: 60, resolveUnit: "days", extensionAmount: 30, extensionUnit: "days")
        #expect(row == (try policy(.petition, .normal)))
        let hotline = try DeadlinePolicy(
            channel: "12345", urgency: "normal", acknowledgeAmount: 2, acknowledgeUnit: "hours",
            resolveAmount: 5, resolveUnit: "working_days", extensionAmount: nil, extensionUnit: nil)
        #expect(hotline == (try policy(.twelve345, .normal)))
        #expect(throws: DeadlinePolicyError.incompleteExtension) {
            try DeadlinePolicy(
                channel: "petition", urgency: "normal", acknowledgeAmount: 15, acknowledgeUnit: "days",
                resolveAmount: 60, resolveUnit: "days", extensionAmount: 30, extensionUnit: nil)
        }
        #expect(throws: DeadlinePolicyError.unknownChannel("sms")) {
            try DeadlinePolicy(
                channel: "sms", urgency: "normal", acknowledgeAmount: 1, acknowledgeUnit: "hours",
                resolveAmount: 1, resolveUnit: "days", extensionAmount: nil, extensionUnit: nil)
        }
        #expect(throws: DeadlinePolicyError.badDuration(field: "resolve", .missingUnit(text: "5"))) {
            try DeadlinePolicy.parse(channel: .grid, urgency: .normal, acknowledge: "1h", resolve: "5")
        }
    }

    // MARK: Local dates and the calendar

    @Test func localDatesKnowTheirWeekdayAndArithmetic() throws {
        #expect(try day("1970-01-01").weekday == .thursday)
        #expect(try day("2026-01-01").weekday == .thursday)
        #expect(try day("2026-10-10").weekday == .saturday)
        #expect(try day("2026-09-20").weekday == .sunday)
        #expect(try day("2026-11-20").weekday == .friday)
        #expect(try day("2026-12-31").adding(days: 1) == day("2027-01-01"))
        #expect(try day("2026-03-01").adding(days: -1) == day("2026-02-28"))
        #expect(try day("2024-02-28").next == day("2024-02-29"))
        #expect(try day("2026-09-30") < day("2026-10-01"))
        #expect(try day("2026-09-30").days(to: day("2026-10-13")) == 13)
        #expect(try day("2026-01-04").description == "2026-01-04")
        #expect(LocalDate(iso: "2026-02-29") == nil)
        #expect(LocalDate(iso: "2026-13-01") == nil)
        #expect(LocalDate(iso: "2026-1-01") == nil)
        #expect(LocalDate(year: 2026, month: 4, day: 31) == nil)
    }

    @Test func workingDaysFollowThe2026Arrangement() throws {
        let working = ["2026-11-20", "2026-09-20", "2026-10-10", "2026-01-04", "2026-02-14", "2026-10-08"]
        let off = ["2026-10-01", "2026-10-03", "2026-10-07", "2026-10-11", "2026-09-19", "2026-01-01", "2026-09-25"]
        for text in working { #expect(calendar.isWorkingDay(try day(text)), "\(text)") }
        for text in off { #expect(!calendar.isWorkingDay(try day(text)), "\(text)") }
        #expect(try calendar.workingDays(from: day("2026-09-28"), to: day("2026-10-12")) == 6)
        let rows = WorkingCalendar(
            timeZone: calendar.timeZone,
            days: [
                CalendarDay(day: try day("2026-10-01"), working: false, name: "国庆节"),
                CalendarDay(day: try day("2026-10-10"), working: true, name: "国庆节调休上班"),
            ])
        #expect(rows.holidays == [try day("2026-10-01")])
        #expect(rows.makeUpWorkdays == [try day("2026-10-10")])
    }

    @Test func localDateIsTakenInShanghaiNotUTC() throws {
        let lateUTC = try at("2026-10-09T23:30:00Z")  // Saturday 2026-10-10 07:30 in Shanghai
        #expect(calendar.localTime(of: lateUTC).date == (try day("2026-10-10")))
        #expect(calendar.utcOffset(at: lateUTC) == 28_800)
        #expect(TicketNumber.isoDay(of: lateUTC, in: calendar.timeZone) == "2026-10-10")
        #expect(calendar.isWorkingDay(calendar.localTime(of: lateUTC).date))
        // A 调休 Saturday from 07:30: 10-12, 13, 14, 15, 16 → Friday 07:30 local.
        #expect(iso(calendar.add(try duration("5wd"), to: lateUTC)) == "2026-10-15T23:30:00.000Z")
        // One second before local midnight is still Friday 10-09; local midnight starts 10-10.
        #expect(calendar.localTime(of: try at("2026-10-09T15:59:59Z")).date == (try day("2026-10-09")))
        #expect(calendar.localTime(of: try at("2026-10-09T16:00:00Z")).secondOfDay == 0)
        // From local 00:00 of a working day that day counts: 10-10, 12, 13, 14, 15 → end of 10-15.
        #expect(try due("5wd", from: "2026-10-09T16:00:00Z") == "2026-10-15T16:00:00.000Z")
    }

    // MARK: Working-day deadlines

    @Test func fridayAfternoonDemandIsDueNextFridayAcrossTheWeekend() throws {
        let clock = try dispatched(.twelve345, .normal, at: "2026-11-20T15:30:00+08:00")
        #expect(iso(clock.ackDue) == "2026-11-20T09:30:00.000Z")
        #expect(iso(clock.resolveDue) == "2026-11-27T07:30:00.000Z")
    }

    @Test func tuesdayTenOClockPlusThreeWorkingDaysIsFridayTenOClock() throws {
        #expect(try due("3wd", from: "2026-11-17T10:00:00+08:00") == "2026-11-20T02:00:00.000Z")
    }

    @Test func acceptedOnADayOffIsDueAtTheEndOfTheNthWorkingDay() throws {
        // Saturday 11:00 → Mon–Fri → Friday 2026-11-27 24:00 local.
        #expect(try due("5wd", from: "2026-11-21T11:00:00+08:00") == "2026-11-27T16:00:00.000Z")
        // Local midnight starting a working day counts that day: Monday 00:00 → the same end.
        #expect(try due("5wd", from: "2026-11-23T00:00:00+08:00") == "2026-11-27T16:00:00.000Z")
        // Saturday inside 国庆 → 10-08, 09, 10 (调休), 12, 13 → end of 10-13.
        #expect(try due("5wd", from: "2026-10-03T14:00:00+08:00") == "2026-10-13T16:00:00.000Z")
        // A weekday holiday (国庆 10-01) → 10-08, 09, 10 → end of the 调休 Saturday.
        #expect(try due("3wd", from: "2026-10-01T09:00:00+08:00") == "2026-10-10T16:00:00.000Z")
    }

    @Test func demandOfSeptember30CrossesNationalDay() throws {
        let start = try at("2026-09-30T10:00:00+08:00")
        let clock = AssignmentClock(start: start, policy: try policy(.twelve345, .normal), calendar: calendar)
        #expect(iso(clock.resolveDue) == "2026-10-13T02:00:00.000Z")
        // Working days 1…5 of the count: 10-08, 10-09, 10-10 (调休 Saturday), 10-12, 10-13.
        #expect(
            try (1...5).map { try due("\($0)wd", from: "2026-09-30T10:00:00+08:00") } == [
                "2026-10-08T02:00:00.000Z", "2026-10-09T02:00:00.000Z", "2026-10-10T02:00:00.000Z", "2026-10-12T02:00:00.000Z",
                "2026-10-13T02:00:00.000Z",
            ])
    }

    @Test func makeUpWorkdaysCountAsWorkingDays() throws {
        let grid = try policy(.grid, .normal)
        let thursday = try at("2026-10-08T09:00:00+08:00")
        // 10-09, 10-10 (调休 Saturday), 10-12.
        #expect(iso(grid.resolveDue(from: thursday, in: calendar)) == "2026-10-12T01:00:00.000Z")
        // Without the make-up day the same demand would be due a day later.
        #expect(try due("3wd", from: "2026-10-08T09:00:00+08:00", in: Self.calendar2026(makeUpDays: false)) == "2026-10-13T01:00:00.000Z")
        // Accepted on the 调休 Saturday itself, a working day: 10-12, 13, 14.
        #expect(iso(grid.resolveDue(from: try at("2026-10-10T10:00:00+08:00"), in: calendar)) == "2026-10-14T02:00:00.000Z")
        // Sunday 09-20 (调休): Friday 16:00 + 3 wd → 09-20, 21, 22.
        #expect(try due("3wd", from: "2026-09-18T16:00:00+08:00") == "2026-09-22T08:00:00.000Z")
        // 元旦: 12-31 16:00 + 5 wd → 01-04 (调休 Sunday), 05, 06, 07, 08.
        #expect(try due("5wd", from: "2025-12-31T16:00:00+08:00") == "2026-01-08T08:00:00.000Z")
        // 中秋 Friday 09-25 off: Wednesday 10:00 + 3 wd → 09-24, 28, 29.
        #expect(try due("3wd", from: "2026-09-23T10:00:00+08:00") == "2026-09-29T02:00:00.000Z")
    }

    @Test func workingDaysKeepTheLocalWallTimeAcrossDaylightSaving() throws {
        let berlin = try #require(WorkingCalendar(timeZoneIdentifier: "Europe/Berlin"))
        // Friday 10:00 CEST; clocks go back on Sunday 10-25: Monday 10:00 CET, or plain 72 h.
        #expect(try due("1wd", from: "2026-10-23T10:00:00+02:00", in: berlin) == "2026-10-26T09:00:00.000Z")
        #expect(try due("3d", from: "2026-10-23T10:00:00+02:00", in: berlin) == "2026-10-26T08:00:00.000Z")
        // 02:30 happens twice on 10-25 (the earlier, CEST, is taken) and never on 03-29.
        #expect(iso(berlin.instant(of: try day("2026-10-25"), secondOfDay: 9_000)) == "2026-10-25T00:30:00.000Z")
        #expect(iso(berlin.instant(of: try day("2026-03-29"), secondOfDay: 9_000)) == "2026-03-29T01:30:00.000Z")
    }

    // MARK: Plain-time deadlines and warnings

    @Test func gridUrgentIsPlainTimeEvenOnAHoliday() throws {
        let clock = try dispatched(.grid, .urgent, at: "2026-10-01T03:00:00Z")
        #expect(iso(clock.ackDue) == "2026-10-01T03:30:00.000Z")
        #expect(iso(clock.resolveDue) == "2026-10-02T03:00:00.000Z")
        #expect(iso(clock.ackWarningAt) == "2026-10-01T03:24:00.000Z")
        #expect(iso(clock.resolveWarningAt) == "2026-10-01T22:12:00.000Z")
        #expect(clock.ackOverdueAt == clock.ackDue && clock.resolveOverdueAt == clock.resolveDue)
    }

    @Test func warningsFallAt80PercentOfTheRealSpan() throws {
        let friday = try dispatched(.twelve345, .normal, at: "2026-11-20T07:30:00Z")
        #expect(iso(friday.ackWarningAt) == "2026-11-20T09:06:00.000Z")  // 96 of 120 minutes
        #expect(iso(friday.resolveWarningAt) == "2026-11-25T21:54:00.000Z")  // 5.6 of 7 days
        let national = try dispatched(.twelve345, .normal, at: "2026-09-30T02:00:00Z")
        #expect(iso(national.resolveWarningAt) == "2026-10-10T11:36:00.000Z")  // 10.4 of 13 days
        #expect(
            iso(AssignmentClock.warningInstant(start: try at("2026-01-01T00:00:00Z"), due: try at("2026-01-01T00:00:01Z")))
                == "2026-01-01T00:00:00.800Z")
    }

    @Test func petitionWindowsAndTheirOneExtension() throws {
        let petition = try policy(.petition, .normal)
        let clock = try dispatched(.petition, .normal, at: "2026-03-02T02:00:00Z")
        #expect(iso(clock.ackDue) == "2026-03-17T02:00:00.000Z")
        #expect(iso(clock.resolveDue) == "2026-05-01T02:00:00.000Z")
        #expect(iso(clock.ackWarningAt) == "2026-03-14T02:00:00.000Z")
        #expect(iso(clock.resolveWarningAt) == "2026-04-19T02:00:00.000Z")
        #expect(petition.extended(resolveDue: clock.resolveDue, in: calendar).map(iso) == "2026-05-31T02:00:00.000Z")

        guard case .extended(let longer) = clock.extended(in: calendar) else {
            Issue.record("a petition's first extension is granted")
            return
        }
        #expect(iso(longer.resolveDue) == "2026-05-31T02:00:00.000Z")
        #expect(iso(longer.ackDue) == "2026-03-17T02:00:00.000Z")
        #expect(iso(longer.resolveWarningAt) == "2026-05-13T02:00:00.000Z")  // 72 of 90 days
        #expect(longer.isExtended)
        #expect(longer.extended(in: calendar) == .refused(.alreadyExtended))

        let hotline = try dispatched(.hotline, .urgent, at: "2026-03-02T02:00:00Z")
        #expect(hotline.extended(in: calendar) == .refused(.notAllowed))
    }

    // MARK: Escalation and timers

    @Test func overdueEscalatesToTheDistrictAtDAndToTheCityAtDPlusW() throws {
        // Friday 2026-11-20 15:30 (+08:00), 5 working days: D = 11-27 15:30, W = 7 days.
        let clock = try dispatched(.twelve345, .normal, at: "2026-11-20T07:30:00Z")
        #expect(iso(clock.cityEscalationAt) == "2026-12-04T07:30:00.000Z")
        let escalations = TimerPlan.resolveTimers(for: clock).compactMap { (timer: PlannedTimer) -> String? in
            guard case .assignment(_, let escalation?) = TimerRule.decide(timer.kind, ticket: .dispatched, assignment: .acknowledged)
            else { return nil }
            return "\(iso(timer.dueAt)) \(escalation.level.rawValue) \(escalation.reason.rawValue)"
        }
        #expect(escalations == ["2026-11-27T07:30:00.000Z district overdue", "2026-12-04T07:30:00.000Z city overdue"])
        let petition = try dispatched(.petition, .normal, at: "2026-03-02T02:00:00Z")
        #expect(iso(petition.cityEscalationAt) == "2026-06-30T02:00:00.000Z")
    }

    @Test func escalationLevelsAreOrdered() {
        #expect(EscalationLevel.street < .district && EscalationLevel.district < .city)
        #expect(EscalationLevel.allCases.sorted() == [.street, .district, .city])
    }

    @Test func timersOfAnAssignmentClock() throws {
        let clock = try dispatched(.grid, .urgent, at: "2026-10-01T03:00:00Z")
        #expect(
            TimerPlan.timers(for: clock).map { "\($0.kind.rawValue) \(iso($0.dueAt))" } == [
                "ack_due_soon 2026-10-01T03:24:00.000Z",
                "ack_overdue 2026-10-01T03:30:00.000Z",
                "resolve_due_soon 2026-10-01T22:12:00.000Z",
                "resolve_overdue 2026-10-02T03:00:00.000Z",
                "escalate_city 2026-10-03T03:00:00.000Z",
            ])
        #expect(Set(TimerPlan.resolveTimers(for: clock).map(\.kind)) == TimerKind.resolveKinds)
        #expect(Set(TimerPlan.acknowledgeTimers(for: clock).map(\.kind)) == TimerKind.acknowledgeKinds)
        // 7 plain days after resolution, holidays included.
        let feedback = TimerPlan.feedbackTimer(resolvedAt: try at("2026-10-02T01:00:00Z"))
        #expect(feedback.kind.rawValue == "feedback_window")
        #expect(iso(feedback.dueAt) == "2026-10-09T01:00:00.000Z")
        #expect(
            TimerKind.allCases.map(\.rawValue) == [
                "ack_due_soon", "ack_overdue", "resolve_due_soon", "resolve_overdue", "escalate_city", "feedback_window",
            ])
    }
}
