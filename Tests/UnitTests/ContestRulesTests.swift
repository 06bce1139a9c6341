import Foundation
import Testing
import WhistleDomain
import WhistleMessages

private let t0 = Date(timeIntervalSince1970: 1_763_700_000)
/// A grid whistle of 枫林街道: the street office blew it, the district command center rules.
private let parties = ContestParties(whistler: "FL-JDB", ruler: "XS-ZHZX")

private func assignment(
    _ state: AssignmentState, role: AssignmentRole = .co, contested: Bool = false, ruled: Bool = false
) -> AssignmentSnapshot {
    AssignmentSnapshot(
        assignmentId: "a-1", ticketNo: "W20261118-000001", department: "XS-CGJ", role: role, state: state,
        ackDue: t0 + 3_600, resolveDue: t0 + 3 * 86_400, contested: contested, ruled: ruled)
}

private let contest = Reply(assignmentId: "a-1", action: .contest, note: "该处无需城管介入", contestReason: .notNeeded)

private func ruling(_ ruling: Reply.Ruling?, note: String? = "经核查，确属空哨") -> Reply {
    Reply(assignmentId: "a-1", action: .rule, note: note, ruling: ruling)
}

private func decide(
    _ reply: Reply, _ snapshot: AssignmentSnapshot, by speaker: String = "XS-CGJ", whistle: ContestParties? = parties
) -> AssignmentDecision {
    AssignmentMachine.apply(reply: reply, to: snapshot, replyingDepartment: speaker, isPetition: false, whistle: whistle, now: t0)
}

/// `field:code` of each error, in order.
private func problems(_ decision: AssignmentDecision) -> [String] {
    decision.errors.map { "\($0.field ?? "-"):\($0.code.rawValue)" }
}

/// 吹空哨 (CONTRACT §10): who may contest a whistle and when, who rules and what a ruling does.
@Suite("Contests and rulings (吹空哨)")
struct ContestRulesTests {
    @Test("a co of a whistle ticket contests while its work is open; its state and clocks stay", arguments: AssignmentState.allCases)
    func contestInEveryState(_ state: AssignmentState) {
        let decision = decide(contest, assignment(state))
        if state.isOpen {
            #expect(decision == .accepted(state, [.emit(.assignmentContested), .contested(reason: .notNeeded)]))
        } else {
            #expect(problems(decision) == ["action:not_allowed"], "\(state.rawValue) work takes no contest")
        }
    }

    @Test func aContestIsRefusedForEveryReasonAtOnce() {
        // The lead, a second time: both reported.
        #expect(
            problems(decide(contest, assignment(.acknowledged, role: .lead, contested: true))) == [
                "action:not_allowed", "action:not_allowed",
            ])
        // No whistle on the ticket.
        let plain = decide(contest, assignment(.dispatched), whistle: nil)
        #expect(plain.errors.map(\.message) == ["contest is allowed only on the assignments of a whistle ticket"])
        // A whistler nobody supervises: nobody could rule.
        let orphan = decide(contest, assignment(.dispatched), whistle: ContestParties(whistler: "X-JDB", ruler: nil))
        #expect(orphan.errors.first?.message.contains("nobody could rule") == true)
        // Another department: only that, nothing of the state.
        #expect(problems(decide(contest, assignment(.completed), by: "XS-SCJG")) == ["assignment_id:not_allowed"])
        // A reason and a note are required (a blank note counts as missing).
        let bare = Reply(assignmentId: "a-1", action: .contest, note: "  ")
        #expect(problems(decide(bare, assignment(.dispatched))) == ["reason_code:required", "note:required"])
    }

    /// Every state × (contested, ruled): the ruler's ruling is accepted only on open, contested,
    /// not yet ruled work; every problem is reported.
    @Test("the ruler rules only on open, contested, unruled work", arguments: AssignmentState.allCases)
    func ruleInEveryState(_ state: AssignmentState) {
        for (contested, ruled) in [(false, false), (true, false), (true, true)] {
            let decision = decide(ruling(.upheld), assignment(state, contested: contested, ruled: ruled), by: "XS-ZHZX")
            var expected: [String] = []
            if !state.isOpen { expected.append("action:not_allowed") }
            if !contested { expected.append("action:not_allowed") }
            if ruled { expected.append("action:not_allowed") }
            if expected.isEmpty {
                #expect(decision == .accepted(state, [.emit(.whistleRuled), .ruled(.upheld)]), "\(state.rawValue)")
            } else {
                #expect(problems(decision) == expected, "\(state.rawValue) contested \(contested) ruled \(ruled)")
            }
        }
    }

    @Test func emptyCancelsTheAssignmentThroughTheTicketAndUpheldChangesNothing() {
        let empty = decide(ruling(.empty), assignment(.acknowledged, contested: true), by: "XS-ZHZX")
        #expect(
            empty
                == .accepted(
                    .cancelled,
                    [.emit(.whistleRuled), .ruled(.empty), .ticket(.assignmentCancelled(assignmentId: "a-1", reason: .emptyWhistle))]))
        let upheld = decide(ruling(.upheld), assignment(.dispatched, contested: true), by: "XS-ZHZX")
        #expect(upheld == .accepted(.dispatched, [.emit(.whistleRuled), .ruled(.upheld)]))
        #expect(upheld.event == .whistleRuled && upheld.acknowledgedOnTime == nil)
    }

    @Test func onlyTheWhistlersRulerRulesAndOthersLearnNothingOfTheAssignment() {
        let contested = assignment(.dispatched, contested: true)
        for speaker in ["FL-ZHZX", "YC-ZHZX", "XS-CGJ", "FL-JDB"] {
            let decision = decide(ruling(.empty), contested, by: speaker)
            #expect(problems(decision) == ["assignment_id:not_allowed"], "\(speaker)")
        }
        // On a ticket without a whistle, the same word: nothing to learn about the ticket.
        let plain = decide(ruling(.empty), assignment(.completed), by: "XS-ZHZX", whistle: nil)
        #expect(plain.errors == decide(ruling(.empty), contested, by: "XS-ZHZX", whistle: nil).errors)
        #expect(problems(plain) == ["assignment_id:not_allowed"])
        // The ruler's ruling needs a ruling and a note, besides the rest.
        #expect(problems(decide(ruling(nil, note: nil), contested, by: "XS-ZHZX")) == ["ruling:required", "note:required"])
    }

    @Test func theSenderRuleNamesTheRulerOnly() {
        #expect(ReplySenderRule.rulingProblem(speaker: "XS-ZHZX", assignmentId: "a-1", parties: parties) == nil)
        let wrong = ReplySenderRule.rulingProblem(speaker: "FL-ZHZX", assignmentId: "a-1", parties: parties)
        #expect(wrong?.field == "assignment_id" && wrong?.code == .notAllowed)
        #expect(ReplySenderRule.rulingProblem(speaker: "XS-ZHZX", assignmentId: "a-1", parties: nil) != nil)
        #expect(
            ReplySenderRule.rulingProblem(speaker: "XS-ZHZX", assignmentId: "a-1", parties: ContestParties(whistler: "X", ruler: nil))
                != nil)
    }

    @Test func theTicketsPartiesComeFromWhistleParties() {
        let data = RoutingTown.reference
        let grid = ContestParties.of(
            channel: .grid, area: "G-FL-HF-01", whistle: Whistle(departments: ["XS-CGJ"], reason: "联合执法"), reference: data)
        #expect(grid == ContestParties(whistler: "FL-JDB", ruler: "XS-ZHZX"))
        let message = ContestParties.of(
            channel: .whistle, area: "D-XS", whistle: Whistle(by: "XS-ZHZX", departments: ["XS-CGJ"]), reference: data)
        #expect(message == ContestParties(whistler: "XS-ZHZX", ruler: "YC-ZHZX"))
        #expect(ContestParties.of(channel: .twelve345, area: "G-FL-HF-01", whistle: nil, reference: data) == nil)
    }
}

/// The wire of `contest` and `rule` (CONTRACT §10): one `reason_code`, typed by the action.
@Suite("Contest and rule replies on the wire")
struct ContestReplyValidationTests {
    private func validate(_ json: String) -> ReplyValidation { ReplyValidator().validate(body: Array(json.utf8)) }

    @Test func aContestCarriesAContestReasonAndARuleARuling() {
        #expect(
            validate(#"{"assignment_id":"A-1","action":"contest","reason_code":"not_needed","note":"无需本部门"}"#)
                == .valid(Reply(assignmentId: "A-1", action: .contest, note: "无需本部门", contestReason: .notNeeded)))
        #expect(
            validate(#"{"assignment_id":"A-1","action":"contest","reason_code":"not_our_duty","note":"非本部门职责"}"#)
                == .valid(Reply(assignmentId: "A-1", action: .contest, note: "非本部门职责", contestReason: .notOurDuty)))
        #expect(
            validate(#"{"assignment_id":"A-1","action":"rule","ruling":"empty","note":"空哨"}"#)
                == .valid(Reply(assignmentId: "A-1", action: .rule, note: "空哨", ruling: .empty)))
    }

    @Test func eachActionKeepsItsOwnReasons() {
        func fields(_ json: String) -> [String] {
            guard case .invalid(let errors) = validate(json) else { return [] }
            return errors.map { "\($0.field ?? "-"):\($0.code.rawValue)" }
        }
        #expect(
            fields(#"{"assignment_id":"A-1","action":"contest","reason_code":"wrong_area","note":"x"}"#) == ["reason_code:invalid_value"])
        #expect(fields(#"{"assignment_id":"A-1","action":"return","reason_code":"not_needed"}"#) == ["reason_code:invalid_value"])
        #expect(fields(#"{"assignment_id":"A-1","action":"contest"}"#) == ["note:required", "reason_code:required"])
        #expect(fields(#"{"assignment_id":"A-1","action":"rule","ruling":"maybe"}"#) == ["note:required", "ruling:invalid_value"])
    }

    @Test func aReplyEncodesOneReasonCode() throws {
        let contest = Reply(assignmentId: "A-1", action: .contest, note: "无需", contestReason: .notNeeded)
        let object = try #require(try JSONSerialization.jsonObject(with: WhistleJSON.encode(contest)) as? [String: Any])
        #expect(object["reason_code"] as? String == "not_needed" && object["contest_reason"] == nil)
        let decoded = try WhistleJSON.decode(Reply.self, from: WhistleJSON.encode(contest))
        #expect(decoded == contest)
        let back = Reply(assignmentId: "A-1", action: .return, reasonCode: .wrongArea)
        #expect(try WhistleJSON.decode(Reply.self, from: WhistleJSON.encode(back)) == back)
    }
}
