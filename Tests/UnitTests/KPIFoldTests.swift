import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// How events count in the departments' KPIs, and the local day they fall on.
@Suite("KPI fold")
struct KPIFoldTests {
    func data(_ json: String) throws -> JSONValue { try JSONParser().parse(Array(json.utf8)) }

    /// One assignment of a `ticket.dispatched` round, to `department`.
    func dispatchedTo(_ department: String) -> String {
        #"{"assignment_id":"a-"# + department + #"","department":""# + department
            + #"","role":"co","ack_due":"2026-11-17T09:00:00+08:00","resolve_due":"2026-11-20T18:00:00+08:00"}"#
    }

    /// An `assignment.*` data object of department A with `extra` members (`,"on_time":true`).
    func assignment(_ extra: String = "") -> String { #"{"assignment_id":"a-1","department":"A","role":"lead""# + extra + "}" }

    func fold(_ type: String, _ json: String) throws -> [String: KPICounts] {
        var out: [String: KPICounts] = [:]
        guard let event = try KPIEvent.decode(type: type, data: try data(json)) else { return out }
        for (department, counts, _) in KPIFold.contributions(event) {
            out[department] = (out[department] ?? KPICounts()) + counts
        }
        return out
    }

    @Test("a dispatch round counts one assignment per department")
    func dispatched() throws {
        let counts = try fold(
            "ticket.dispatched",
            #"{"round":1,"rule":"r","assignments":["# + ["A", "B", "C"].map(dispatchedTo).joined(separator: ",") + "]}")
        #expect(counts.keys.sorted() == ["A", "B", "C"])
        #expect(
            counts.values.allSatisfy {
                $0.dispatched == 1
                    && $0
                        == {
                            var c = KPICounts(); c.dispatched = 1; return c
                        }()
            })
    }

    @Test("acknowledgements and completions count, and count as on time only when the event says so")
    func replies() throws {
        #expect(
            try fold("assignment.acknowledged", assignment(#","on_time":true"#))["A"].map { ($0.acknowledged, $0.acknowledgedOnTime) } ?? (
                0, 0
            ) == (1, 1))
        #expect(
            try fold("assignment.acknowledged", assignment(#","on_time":false"#))["A"].map { ($0.acknowledged, $0.acknowledgedOnTime) } ?? (
                0, 0
            ) == (1, 0))
        #expect(
            try fold("assignment.completed", assignment(#","on_time":true"#))["A"].map { ($0.completed, $0.completedOnTime) } ?? (0, 0) == (
                1, 1
            ))
        #expect(try fold("assignment.completed", assignment())["A"].map { ($0.completed, $0.completedOnTime) } ?? (0, 0) == (1, 0))
        #expect(try fold("assignment.returned", assignment(#","reason_code":"wrong_area""#))["A"]?.returned == 1)
        #expect(try fold("assignment.overdue", assignment(#","clock":"acknowledge""#))["A"]?.overdue == 1)
        #expect(try fold("assignment.due_soon", assignment(#","clock":"acknowledge""#)).isEmpty, "a warning is not a KPI")
        #expect(try fold("assignment.progress", assignment(#","note":"x""#)).isEmpty)
    }

    @Test("an escalation counts against the ticket's lead at that moment, else against the command center holding its triage")
    func escalations() throws {
        #expect(try fold("ticket.escalated", #"{"level":"street","reason":"overdue","lead_department":"A"}"#)["A"]?.escalations == 1)
        let held = try fold("ticket.escalated", #"{"level":"district","reason":"overdue","held_by":"CC"}"#)
        #expect(held.keys.sorted() == ["CC"] && held["CC"]?.escalations == 1, "before any lead: the triage's holder")
        let both = try fold("ticket.escalated", #"{"level":"street","reason":"returned","lead_department":"A","held_by":"CC"}"#)
        #expect(both.keys.sorted() == ["A"], "the lead, when there is one")
        #expect(try fold("ticket.escalated", #"{"level":"street","reason":"repeated"}"#).isEmpty)
    }

    @Test("feedback counts for every department it judged; a reopening is rework for each of them")
    func feedback() throws {
        let closed = try fold(
            "ticket.closed",
            #"{"outcome":"satisfied","feedback":{"satisfaction":"basically_satisfied","resolved":true,"departments":["A","B"]}}"#)
        for department in ["A", "B"] {
            let c = try #require(closed[department])
            #expect(c.answered == 1 && c.basicallySatisfied == 1 && c.satisfied == 0 && c.resolved == 1 && c.reworked == 0)
        }
        let reopened = try fold(
            "ticket.reopened",
            #"{"reopen_count":1,"lead_department":"A","feedback":{"satisfaction":"unsatisfied","resolved":false,"departments":["A","B"]}}"#)
        #expect(reopened["A"].map { ($0.answered, $0.satisfied, $0.resolved, $0.reworked) } ?? (0, 0, 0, 0) == (1, 0, 0, 1))
        #expect(reopened["B"].map { ($0.answered, $0.reworked) } ?? (0, 0) == (1, 1), "the co-department's work was judged too")
        #expect(reopened["C"] == nil, "nor anyone the feedback did not judge")
        let unjudged = try fold("ticket.reopened", #"{"reopen_count":1,"lead_department":"A"}"#)
        #expect(unjudged.keys.sorted() == ["A"] && unjudged["A"]?.reworked == 1 && unjudged["A"]?.answered == 0)
        #expect(try fold("ticket.closed", #"{"outcome":"no_feedback"}"#).isEmpty, "no feedback is not an answer")
    }

    @Test("evaluations add each scored department's score once")
    func evaluations() throws {
        let counts = try fold(
            "evaluation.recorded",
            #"{"source":{"channel":null,"external_id":null,"message_id":"m"},"by":"S","scores":[{"department":"A","score":90},{"department":"B","score":75}]}"#
        )
        #expect(counts["A"].map { ($0.evaluationSum, $0.evaluationCount) } ?? (0, 0) == (90, 1))
        #expect(counts["B"].map { ($0.evaluationSum, $0.evaluationCount) } ?? (0, 0) == (75, 1))
    }

    @Test("other types count nothing; data that is not its type's payload is an error naming the field")
    func ignored() throws {
        #expect(try fold("ticket.accepted", #"{"source":{}}"#).isEmpty, "a ticket that is no whistle's")
        #expect(try KPIEvent.decode(type: "ticket.merged", data: try data(#"{"source":{}}"#)) == nil)
        #expect(throws: JSONDecodeError(path: "data.department", message: "is required")) {
            try fold("assignment.acknowledged", #"{"assignment_id":"a-1","role":"lead","on_time":true}"#)
        }
        #expect(throws: JSONDecodeError(path: "data.assignments", message: "must be an array, not string")) {
            try fold("ticket.dispatched", #"{"round":1,"rule":"r","assignments":"none"}"#)
        }
        var ledger = KPILedger(timeZone: .gmt)
        #expect(throws: JSONDecodeError.self) { try ledger.add(type: "assignment.overdue", occurredAt: Date(), data: [:]) }
        #expect(ledger.isEmpty, "nothing is added")
        #expect(Set(KPIFold.eventTypes).isSubset(of: Set(EventType.allCases.map(\.rawValue))))
    }

    @Test("the ledger puts each count on the local day of its event")
    func ledgerDays() throws {
        let zone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        var ledger = KPILedger(timeZone: zone)
        let beforeMidnight = try #require(RFC3339.parse("2026-11-21T15:59:59Z"))  // 23:59:59 in Beijing
        let afterMidnight = try #require(RFC3339.parse("2026-11-21T16:00:00Z"))  // 00:00 on the 22nd
        let ack = try data(assignment(#","on_time":true"#))
        try ledger.add(type: "assignment.acknowledged", occurredAt: beforeMidnight, data: ack)
        try ledger.add(type: "assignment.acknowledged", occurredAt: beforeMidnight, data: ack)
        try ledger.add(type: "assignment.acknowledged", occurredAt: afterMidnight, data: ack)
        let days = ledger.counts.keys.sorted().map { "\($0.department) \($0.day)" }
        #expect(days == ["A 2026-11-21", "A 2026-11-22"])
        #expect(ledger.counts.values.map(\.acknowledged).sorted() == [1, 2])
    }

    @Test("an acknowledgement and a return fall on the day of their dispatch, so a day's response rate stays within 100 %")
    func cohortDays() throws {
        let zone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        var ledger = KPILedger(timeZone: zone)
        let monday = try #require(RFC3339.parse("2026-11-16T15:00:00Z"))  // Monday 23:00 in Beijing
        let tuesday = try #require(RFC3339.parse("2026-11-17T01:00:00Z"))  // Tuesday 09:00
        let round = #"{"round":1,"rule":"r","assignments":["# + dispatchedTo("A") + "," + dispatchedTo("A") + "]}"
        try ledger.add(type: "ticket.dispatched", occurredAt: monday, data: try data(round))
        let dispatched = #","dispatched_at":"2026-11-16T23:00:00+08:00""#
        try ledger.add(type: "assignment.acknowledged", occurredAt: tuesday, data: try data(assignment(#","on_time":false"# + dispatched)))
        try ledger.add(type: "assignment.returned", occurredAt: tuesday, data: try data(assignment(dispatched)))
        try ledger.add(type: "assignment.completed", occurredAt: tuesday, data: try data(assignment(#","on_time":true"# + dispatched)))
        let days = Dictionary(uniqueKeysWithValues: ledger.counts.map { ("\($0.key.day)", $0.value) })
        #expect(days["2026-11-16"].map { ($0.dispatched, $0.acknowledged, $0.returned, $0.completed) } ?? (0, 0, 0, 0) == (2, 1, 1, 0))
        #expect(
            days["2026-11-17"].map { ($0.dispatched, $0.acknowledged, $0.completed) } ?? (0, 0, 0) == (0, 0, 1),
            "a completion counts on its own day")
        let undated = try #require(try KPIEvent.decode(type: "assignment.acknowledged", data: try data(assignment())))
        #expect(KPIFold.countedAt(undated, occurredAt: tuesday) == tuesday)
    }
}
