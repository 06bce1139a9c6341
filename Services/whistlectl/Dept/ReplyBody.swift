import Foundation
import WhistleDomain
import WhistleMessages

/// A department's reply as the contract has it: `{assignment_id, action, note?, result?,
/// reason_code?, ruling?, at?}`, snake_case, members without a value left out. `at` is sent
/// exactly as the operator wrote it. `reason_code` is a return's reason or a contest's; `ruling`
/// is a command center's ruling on a contest (吹空哨).
struct ReplyBody: Encodable, Sendable, Equatable {
    var assignmentId: String
    var action: String
    var note: String?
    var result: String?
    var reasonCode: String?
    var ruling: String?
    var at: String?

    static let actions = Reply.Action.allCases.map(\.rawValue)
    static let reasons = Reply.ReturnReason.allCases.map(\.rawValue)
    static let contestReasons = Reply.ContestReason.allCases.map(\.rawValue)
    static let rulings = Reply.Ruling.allCases.map(\.rawValue)
    static let maxNote = 2000
    static let maxResult = 4000

    /// Every problem the dispatcher would reject the reply for without looking at the
    /// assignment's state, plus flags that the action would ignore; empty when it may be sent.
    var problems: [String] {
        var problems: [String] = []
        let id = assignmentId.trimmingCharacters(in: .whitespaces)
        if id.isEmpty || id.unicodeScalars.count > 128 { problems.append("the assignment id must be 1–128 characters") }
        guard Self.actions.contains(action) else {
            return problems + ["unknown action '\(action)': use \(Self.actions.joined(separator: ", "))"]
        }
        let isContest = action == Reply.Action.contest.rawValue
        let allowedReasons = isContest ? Self.contestReasons : Self.reasons
        if let reasonCode, !allowedReasons.contains(reasonCode) {
            problems.append("unknown --reason '\(reasonCode)': use \(allowedReasons.joined(separator: ", "))")
        }
        if let ruling, !Self.rulings.contains(ruling) {
            problems.append("unknown --ruling '\(ruling)': use \(Self.rulings.joined(separator: ", "))")
        }
        switch action {
        case Reply.Action.complete.rawValue where Self.blank(result):
            problems.append("complete needs --result (what was done, 1–\(Self.maxResult) characters)")
        case Reply.Action.return.rawValue where reasonCode == nil:
            problems.append("return needs --reason (\(Self.reasons.joined(separator: ", ")))")
        case Reply.Action.extend.rawValue where Self.blank(note):
            problems.append("extend needs --note (why the petition needs the 30-day extension)")
        case Reply.Action.contest.rawValue:
            if reasonCode == nil { problems.append("contest needs --reason (\(Self.contestReasons.joined(separator: ", ")))") }
            if Self.blank(note) { problems.append("contest needs --note (why the department was not needed)") }
        case Reply.Action.rule.rawValue:
            if ruling == nil { problems.append("rule needs --ruling (\(Self.rulings.joined(separator: ", ")))") }
            if Self.blank(note) { problems.append("rule needs --note (the grounds of the ruling)") }
        default:
            break
        }
        if result != nil && action != Reply.Action.complete.rawValue { problems.append("--result applies to complete only") }
        if reasonCode != nil && action != Reply.Action.return.rawValue && !isContest {
            problems.append("--reason applies to return and contest only")
        }
        if ruling != nil && action != Reply.Action.rule.rawValue { problems.append("--ruling applies to rule only") }
        if let note, note.unicodeScalars.count > Self.maxNote { problems.append("--note is longer than \(Self.maxNote) characters") }
        if let result, result.unicodeScalars.count > Self.maxResult {
            problems.append("--result is longer than \(Self.maxResult) characters")
        }
        if let at, RFC3339.parse(at) == nil {
            problems.append("--at must be an RFC 3339 timestamp with an offset, e.g. 2026-11-21T16:30:00+08:00")
        }
        return problems
    }

    private static func blank(_ text: String?) -> Bool {
        (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }
}
