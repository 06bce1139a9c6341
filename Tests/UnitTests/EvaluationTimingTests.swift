import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// 一哨一考核's timing: a department is scored only once its assignment is completed or late,
/// never when an empty-whistle ruling cancelled it; and the whistler is the one who evaluates, at
/// every level.
@Suite("Evaluation timing")
struct EvaluationTimingTests {
    typealias Rule = WhistleEvaluationRule
    /// The dispatch instant; the acknowledgement is due an hour later, the work a day later.
    static let start = Date(timeIntervalSince1970: 1_795_000_000)
    static let ackDue = start + 3600
    static let resolveDue = start + 86_400

    static func assignment(
        _ state: AssignmentState, of department: String = "XS-CGJ", acknowledged: TimeInterval? = nil, completed: TimeInterval? = nil,
        ended: TimeInterval? = nil, overdue: TimeInterval? = nil, empty: Bool = false
    ) -> Rule.Assignment {
        Rule.Assignment(
            department: department, state: state, ackDue: ackDue, resolveDue: resolveDue,
            acknowledgedAt: acknowledged.map { start + $0 }, completedAt: completed.map { start + $0 }, endedAt: ended.map { start + $0 },
            overdueAt: overdue.map { start + $0 }, emptyWhistle: empty)
    }

    static func readiness(_ assignments: [Rule.Assignment], after seconds: TimeInterval) -> Rule.Readiness {
        Rule.readiness(of: "XS-CGJ", in: assignments, at: start + seconds)
    }

    static func ticket(whistler: String = "QS-JDB", _ assignments: [Rule.Assignment]) -> Rule.Ticket {
        Rule.Ticket(
            whistled: true, whistler: whistler, departments: Set(assignments.map(\.department)).union(["XS-SWJ"]),
            assignments: assignments)
    }

    static func pairs(_ errors: [FieldError]) -> [String] { errors.map { "\($0.field ?? "null"):\($0.code.rawValue)" } }

    @Test("open work on time is not scored yet; completed work is")
    func openAndCompleted() {
        #expect(Self.readiness([Self.assignment(.dispatched)], after: 60) == .notYet)
        #expect(Self.readiness([Self.assignment(.acknowledged, acknowledged: 600)], after: 7200) == .notYet)
        #expect(Self.readiness([Self.assignment(.completed, acknowledged: 600, completed: 1800)], after: 1800) == .ready)
        let evaluation = Evaluation(ticketNo: "W20261121-000123", by: "QS-JDB", scores: [.init(department: "XS-CGJ", score: 90)])
        let early = Rule.check(evaluation, against: Self.ticket([Self.assignment(.acknowledged, acknowledged: 600)]), at: Self.start + 7200)
        #expect(Self.pairs(early) == ["scores[0].department:not_allowed"])
        #expect(early.first?.message.contains("neither completed nor overdue") == true, "\(early)")
        let done = Self.ticket([Self.assignment(.completed, acknowledged: 600, completed: 1800)])
        #expect(Rule.check(evaluation, against: done, at: Self.start + 1801).isEmpty)
    }

    @Test("late work is scored: a deadline passed without the acknowledgement or the completion")
    func late() {
        // Not acknowledged: overdue at the due instant itself, not a second before.
        #expect(Self.readiness([Self.assignment(.dispatched)], after: 3599) == .notYet)
        #expect(Self.readiness([Self.assignment(.dispatched)], after: 3600) == .ready)
        // Acknowledged after the deadline: late, though the work is still in its window.
        #expect(Self.readiness([Self.assignment(.acknowledged, acknowledged: 3601)], after: 4000) == .ready)
        #expect(Self.readiness([Self.assignment(.acknowledged, acknowledged: 3600)], after: 4000) == .notYet, "on the instant is on time")
        // Acknowledged in time, not completed by the resolve deadline.
        #expect(Self.readiness([Self.assignment(.acknowledged, acknowledged: 60)], after: 86_399) == .notYet)
        #expect(Self.readiness([Self.assignment(.acknowledged, acknowledged: 60)], after: 86_400) == .ready)
        // The dispatcher found it overdue.
        #expect(Self.readiness([Self.assignment(.acknowledged, acknowledged: 60, overdue: 500)], after: 600) == .ready)
    }

    @Test("returned and cancelled work: clocks stop where they stopped")
    func stopped() {
        #expect(Self.readiness([Self.assignment(.returned, ended: 600)], after: 90_000) == .notYet, "returned in time, never late")
        #expect(Self.readiness([Self.assignment(.returned, ended: 4000)], after: 90_000) == .ready, "returned unacknowledged after ack_due")
        #expect(Self.readiness([Self.assignment(.cancelled)], after: 90_000) == .notYet, "cancelled when, unknown: not late")
        #expect(Self.readiness([Self.assignment(.cancelled, overdue: 3600)], after: 90_000) == .ready, "cancelled after going overdue")
    }

    @Test("an assignment cancelled as an empty whistle is never scored, however late it was")
    func emptyWhistle() {
        let empty = Self.assignment(.cancelled, overdue: 3600, empty: true)
        #expect(Self.readiness([empty], after: 90_000) == .emptyWhistle)
        let evaluation = Evaluation(ticketNo: "W20261121-000123", by: "QS-JDB", scores: [.init(department: "XS-CGJ", score: 10)])
        let errors = Rule.check(evaluation, against: Self.ticket([empty]), at: Self.start + 90_000)
        #expect(Self.pairs(errors) == ["scores[0].department:not_allowed"])
        #expect(errors.first?.message.contains("empty whistle") == true, "\(errors)")
        // Another assignment of the department on the ticket (another round) still counts.
        #expect(Self.readiness([empty, Self.assignment(.completed, acknowledged: 60, completed: 600)], after: 90_000) == .ready)
    }

    @Test("a reopened ticket: any completed or late assignment of the department makes it scorable")
    func rounds() {
        let first = Self.assignment(.completed, acknowledged: 60, completed: 600)
        #expect(Self.readiness([first, Self.assignment(.dispatched)], after: 700) == .ready)
        #expect(Self.readiness([], after: 700) == .notDispatched)
        let named = Rule.Ticket(whistled: true, whistler: "QS-JDB", departments: ["XS-CGJ"], assignments: [])
        let evaluation = Evaluation(ticketNo: "W20261121-000123", by: "QS-JDB", scores: [.init(department: "XS-CGJ", score: 80)])
        let errors = Rule.check(evaluation, against: named, at: Self.start)
        #expect(Self.pairs(errors) == ["scores[0].department:not_allowed"] && errors[0].message.contains("no assignment"))
    }

    @Test("the whistler evaluates at every level; anyone else is refused, every problem listed")
    func whistlers() {
        let done = Self.assignment(.completed, acknowledged: 60, completed: 600)
        let open = Self.assignment(.dispatched, of: "XS-SWJ")
        for whistler in ["QS-JDB", "QS-ZHZX", "XS-ZHZX", "YC-ZHZX"] {
            let ticket = Self.ticket(whistler: whistler, [done, open])
            let mine = Evaluation(ticketNo: "W20261121-000123", by: whistler, scores: [.init(department: "XS-CGJ", score: 85)])
            #expect(Rule.check(mine, against: ticket, at: Self.start + 700).isEmpty, "\(whistler)")
            let other = whistler == "QS-JDB" ? "XS-ZHZX" : "QS-JDB"
            let theirs = Evaluation(ticketNo: "W20261121-000123", by: other, scores: mine.scores)
            #expect(Self.pairs(Rule.check(theirs, against: ticket, at: Self.start + 700)) == ["by:not_allowed"])
        }
        let ticket = Self.ticket(whistler: "XS-ZHZX", [done, open])
        let mixed = Evaluation(
            ticketNo: "W20261121-000123", by: "XS-ZHZX",
            scores: [
                .init(department: "XS-CGJ", score: 85), .init(department: "XS-SWJ", score: 60), .init(department: "XS-ZHZX", score: 99),
            ])
        let errors = Rule.check(mixed, against: ticket, at: Self.start + 700)
        #expect(Self.pairs(errors) == ["scores[1].department:not_allowed", "scores[2].department:not_allowed"])
        #expect(errors.map(\.message).joined().contains("itself"))
    }
}
