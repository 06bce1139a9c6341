import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// The KPIs of issue 15 in the fold: whistles, contests and their rulings (with the take-back of
/// an empty whistle's assignment), and the streets' period evaluations.
@Suite("KPI fold: whistles, contests, period evaluations")
struct KPIFoldWhistleTests {
    let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt

    func data(_ json: String) throws -> JSONValue { try JSONParser().parse(Array(json.utf8)) }

    func instant(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }

    /// The ledger's counts as `"department day" → counts`.
    func days(_ ledger: KPILedger) -> [String: KPICounts] {
        Dictionary(uniqueKeysWithValues: ledger.counts.map { ("\($0.key.department) \($0.key.day)", $0.value) })
    }

    @Test("a whistle's ticket counts one whistle for its whistler; any other ticket counts nothing, whatever else its data holds")
    func whistles() throws {
        var ledger = KPILedger(timeZone: zone)
        let at = try instant("2026-11-16T01:00:00Z")
        try ledger.add(
            type: "ticket.accepted", occurredAt: at,
            data: try data(#"{"source":{"channel":"whistle"},"category":null,"urgency":"normal","area":"D-XS","whistler":"XS-ZHZX"}"#))
        // The timeline's entry holds less than the event: its source and the whistler.
        try ledger.add(type: "ticket.accepted", occurredAt: at, data: try data(#"{"source":{"channel":"grid"},"whistler":"QS-JDB"}"#))
        try ledger.add(type: "ticket.accepted", occurredAt: at, data: try data(#"{"source":{"channel":"12345"}}"#))
        let counts = days(ledger)
        #expect(counts.keys.sorted() == ["QS-JDB 2026-11-16", "XS-ZHZX 2026-11-16"])
        #expect(counts.values.allSatisfy { $0.whistles == 1 && $0.dispatched == 0 })
    }

    @Test("a contest counts for the contesting department; an upheld ruling is a contest lost and nothing else")
    func contests() throws {
        var ledger = KPILedger(timeZone: zone)
        let at = try instant("2026-11-17T02:00:00Z")
        try ledger.add(
            type: "assignment.contested", occurredAt: at,
            data: try data(
                #"{"assignment_id":"a-1","department":"XS-GA","role":"co","reason_code":"not_needed","note":"无需","whistler":"FL-JDB","ruler":"XS-ZHZX"}"#
            ))
        try ledger.add(
            type: "whistle.ruled", occurredAt: at.addingTimeInterval(3600),
            data: try data(
                #"{"assignment_id":"a-1","department":"XS-GA","whistler":"FL-JDB","ruling":"upheld","dispatched_at":"2026-11-16T09:00:00+08:00","acknowledged_on_time":true}"#
            ))
        let counts = days(ledger)
        #expect(counts.keys.sorted() == ["XS-GA 2026-11-17"])
        let ga = try #require(counts["XS-GA 2026-11-17"])
        var expected = KPICounts()
        expected.contests = 1
        expected.contestsLost = 1
        #expect(ga == expected, "the whistler is not touched by an upheld whistle")
    }

    @Test("an empty ruling counts against the whistler and takes back, on their own days, what the assignment counted")
    func emptyRuling() throws {
        var ledger = KPILedger(timeZone: zone)
        // Monday 09:00 dispatched, acknowledged late; both clocks ran out (Monday 12:00, Thursday 18:00); ruled Friday.
        let round =
            #"{"round":1,"rule":"r","assignments":[{"assignment_id":"a-1","department":"XS-GA","role":"co","ack_due":"2026-11-16T10:00:00+08:00","resolve_due":"2026-11-19T18:00:00+08:00"}]}"#
        try ledger.add(type: "ticket.dispatched", occurredAt: try instant("2026-11-16T01:00:00Z"), data: try data(round))
        try ledger.add(
            type: "assignment.overdue", occurredAt: try instant("2026-11-16T04:00:00Z"),
            data: try data(#"{"assignment_id":"a-1","department":"XS-GA","role":"co","clock":"acknowledge"}"#))
        try ledger.add(
            type: "assignment.acknowledged", occurredAt: try instant("2026-11-16T05:00:00Z"),
            data: try data(
                #"{"assignment_id":"a-1","department":"XS-GA","role":"co","on_time":false,"dispatched_at":"2026-11-16T09:00:00+08:00"}"#))
        try ledger.add(
            type: "assignment.overdue", occurredAt: try instant("2026-11-19T10:00:00Z"),
            data: try data(#"{"assignment_id":"a-1","department":"XS-GA","role":"co","clock":"resolve"}"#))
        let before = days(ledger)
        #expect(before["XS-GA 2026-11-16"].map { ($0.dispatched, $0.acknowledged, $0.overdue) } ?? (0, 0, 0) == (1, 1, 1))
        try ledger.add(
            type: "whistle.ruled", occurredAt: try instant("2026-11-20T02:00:00Z"),
            data: try data(
                #"{"assignment_id":"a-1","department":"XS-GA","whistler":"FL-JDB","ruling":"empty","ruled_by":"XS-ZHZX","#
                    + #""dispatched_at":"2026-11-16T09:00:00+08:00","acknowledged_on_time":false,"#
                    + #""overdue_at":["2026-11-16T12:00:00+08:00","2026-11-19T18:00:00+08:00"]}"#))
        let after = days(ledger)
        #expect(after["XS-GA 2026-11-16"] == KPICounts(), "the dispatch, its acknowledgement and its first overdue taken back")
        #expect(after["XS-GA 2026-11-19"] == KPICounts(), "the second overdue taken back on its own day")
        #expect(after["XS-GA 2026-11-20"] == nil, "nothing is scored against the department")
        var whistler = KPICounts()
        whistler.whistlesEmpty = 1
        #expect(after["FL-JDB 2026-11-20"] == whistler)
    }

    @Test("an empty ruling of an assignment acknowledged in time takes back the on-time acknowledgement; one never acknowledged, none")
    func emptyRulingAcknowledgements() throws {
        func takeBack(_ extra: String) throws -> KPICounts? {
            let event = try #require(
                try KPIEvent.decode(
                    type: "whistle.ruled",
                    data: try data(
                        #"{"assignment_id":"a-1","department":"B","whistler":"W","ruling":"empty","dispatched_at":"2026-11-16T09:00:00+08:00""#
                            + extra + "}")))
            return KPIFold.contributions(event).first { $0.department == "B" }?.counts
        }
        #expect(
            try takeBack(#","acknowledged_on_time":true"#).map { ($0.dispatched, $0.acknowledged, $0.acknowledgedOnTime) } ?? (0, 0, 0) == (
                -1, -1, -1
            ))
        #expect(try takeBack("").map { ($0.dispatched, $0.acknowledged, $0.acknowledgedOnTime) } ?? (0, 0, 0) == (-1, 0, 0))
        #expect(try takeBack(#","overdue_at":[]"#)?.overdue == 0, "no clock ran out: no overdue taken back")
        let unknownRuling = try #require(
            try KPIEvent.decode(
                type: "whistle.ruled", data: try data(#"{"assignment_id":"a","department":"B","whistler":"W","ruling":"later"}"#)))
        #expect(KPIFold.contributions(unknownRuling).isEmpty)
    }

    @Test("a period evaluation adds to no day: it is kept as a period score; a bad period is an error naming the field")
    func periodEvaluations() throws {
        var ledger = KPILedger(timeZone: zone)
        let body =
            #"{"source":{"channel":null,"external_id":"e","message_id":"m"},"by":"QS-JDB","period":"2026-Q4","scores":[{"department":"XS-CGJ","score":88},{"department":"XS-ZJJ","score":70}]}"#
        try ledger.add(type: "evaluation.recorded", occurredAt: try instant("2026-12-20T02:00:00Z"), data: try data(body))
        #expect(ledger.counts.isEmpty && !ledger.isEmpty)
        let quarter = try #require(EvaluationPeriod("2026-Q4"))
        #expect(
            ledger.periodScores == [
                PeriodScore(department: "XS-CGJ", by: "QS-JDB", period: quarter, score: 88),
                PeriodScore(department: "XS-ZJJ", by: "QS-JDB", period: quarter, score: 70),
            ])
        let bad = body.replacingOccurrences(of: "2026-Q4", with: "2026-Q5")
        #expect(throws: JSONDecodeError(path: "data.period", message: "must be YYYY or YYYY-Qn")) {
            try ledger.add(type: "evaluation.recorded", occurredAt: Date(), data: try data(bad))
        }
        #expect(ledger.periodScores.count == 2, "nothing added")
    }

    @Test("periods: a year or a quarter as local days, overlapping a range when they share a day")
    func periods() throws {
        let year = try #require(EvaluationPeriod("2026"))
        #expect(year.firstDay.description == "2026-01-01" && year.lastDay.description == "2026-12-31" && year.description == "2026")
        let q1 = try #require(EvaluationPeriod("2028-Q1"))
        #expect(q1.firstDay.description == "2028-01-01" && q1.lastDay.description == "2028-03-31", "a leap year's quarter")
        let q4 = try #require(EvaluationPeriod("2026-Q4"))
        #expect(q4.firstDay.description == "2026-10-01" && q4.lastDay.description == "2026-12-31")
        for bad in ["26", "2026-Q0", "2026-Q5", "2026-q1", "2026-", "2026-Q1-1", "２０２６", "2026-11", ""] {
            #expect(EvaluationPeriod(bad) == nil, "\(bad)")
        }
        func day(_ text: String) throws -> LocalDate { try #require(LocalDate(iso: text)) }
        #expect(q4.overlaps(from: try day("2026-11-01"), to: try day("2026-11-30")))
        #expect(q4.overlaps(from: try day("2026-12-31"), to: try day("2027-01-05")), "one shared day is enough")
        #expect(!q4.overlaps(from: try day("2026-09-01"), to: try day("2026-09-30")))
        #expect(!q4.overlaps(from: try day("2027-01-01"), to: try day("2027-01-31")))
    }
}
