import WhistleMessages

public enum FeedbackValidation: Sendable, Hashable {
    case valid(Feedback)
    /// Every problem found; a body that is not a JSON object gives one `invalid_json` error.
    case invalid([FieldError])
}

public enum EvaluationValidation: Sendable, Hashable {
    case valid(Evaluation)
    case invalid([FieldError])
}

public enum ReplyValidation: Sendable, Hashable {
    case valid(Reply)
    case invalid([FieldError])
}

/// Feedback bodies, routing key `feedback` (CONTRACT §2):
/// `{ticket_no, satisfaction, resolved, comment?}`; `comment` ≤ 1000.
public struct FeedbackValidator: Sendable {
    public init() {}

    public func validate(body: [UInt8]) -> FeedbackValidation {
        MessageBody.read(body, invalid: FeedbackValidation.invalid) { object, reader in
            let ticketNo = readTicketNo(object["ticket_no"], &reader)
            let satisfaction = reader.choice(object["satisfaction"], Feedback.Satisfaction.self, required: true)
            let resolved = reader.bool(object["resolved"], required: true)
            let comment = reader.string(object["comment"], maxLength: 1000)
            guard reader.errors.isEmpty, let ticketNo, let satisfaction, let resolved else { return .invalid(reader.errors) }
            return .valid(Feedback(ticketNo: ticketNo, satisfaction: satisfaction, resolved: resolved, comment: comment))
        }
    }

    /// The body's `ticket_no` when it is a well-formed ticket number, else nil (for the
    /// envelope of `feedback.rejected`).
    public static func ticketNo(in body: [UInt8]) -> String? { readableTicketNo(body) }
}

/// Evaluations, routing key `evaluation` (CONTRACT §2, §10): `{ticket_no | period, by, scores:
/// [{department, score, comment?}]}`. Exactly one of `ticket_no` (a ticket number) and `period`
/// (`YYYY` or `YYYY-Qn`); neither is `ticket_no` `required`, both is `period` `not_allowed`. `by`
/// a street office or a command center (whether it may evaluate this ticket or period is for
/// `WhistleEvaluationRule` and `PeriodEvaluationRule`), 1–50 scores, each department a known
/// code scored once, `score` an integer 0–100, `comment` ≤ 500.
public struct EvaluationValidator: Sendable {
    public static let maxScores = 50
    public var reference: ReferenceCodes

    public init(reference: ReferenceCodes) {
        self.reference = reference
    }

    public func validate(body: [UInt8]) -> EvaluationValidation {
        MessageBody.read(body, invalid: EvaluationValidation.invalid) { object, reader in
            var ticketNo: String?
            var period: EvaluationPeriod?
            if object["period"].isPresent {
                period = Self.readPeriod(object["period"], &reader)
                if object["ticket_no"].isPresent {
                    reader.fail(object["period"].path, .notAllowed, "give either ticket_no (a whistle ticket) or period, not both")
                    period = nil
                }
            } else {
                ticketNo = readTicketNo(object["ticket_no"], &reader)
            }
            let by = reader.code(
                object["by"], in: reference.streetOffices.union(reference.commandCenters), of: "street office or command center",
                required: true)
            var scores: [Evaluation.Score] = []
            let list = object["scores"]
            if let elements = reader.array(list, required: true) {
                if elements.isEmpty { reader.fail(list.path, .tooShort, "must hold at least one score") }
                if elements.count > Self.maxScores {
                    reader.fail(list.path, .tooMany, "must hold at most \(Self.maxScores) scores, got \(elements.count)")
                }
                var seen = Set<String>()
                for element in elements {
                    guard let entry = reader.object(element, required: true) else { continue }
                    var department = reader.code(entry["department"], in: reference.departments, of: "department", required: true)
                    if let code = department, !seen.insert(code).inserted {
                        reader.fail(entry["department"].path, .invalidValue, "department \(TextRules.quoted(code)) is scored twice")
                        department = nil
                    }
                    let score = reader.integer(entry["score"], required: true, range: 0...100)
                    let comment = reader.string(entry["comment"], maxLength: 500)
                    if let department, let score {
                        scores.append(Evaluation.Score(department: department, score: score, comment: comment))
                    }
                }
            }
            guard reader.errors.isEmpty, let by else { return .invalid(reader.errors) }
            if let period { return .valid(Evaluation(period: period, by: by, scores: scores)) }
            guard let ticketNo else { return .invalid(reader.errors) }
            return .valid(Evaluation(ticketNo: ticketNo, by: by, scores: scores))
        }
    }

    /// `period`: `YYYY` or `YYYY-Qn` (`invalid_format` otherwise).
    private static func readPeriod(_ field: Field, _ reader: inout FieldReader) -> EvaluationPeriod? {
        guard let text = reader.string(field, required: true) else { return nil }
        guard let period = EvaluationPeriod(text) else {
            reader.fail(field.path, .invalidFormat, "must be a year or a quarter such as 2026 or 2026-Q4")
            return nil
        }
        return period
    }

    /// The body's `ticket_no` when it is a well-formed ticket number, else nil.
    public static func ticketNo(in body: [UInt8]) -> String? { readableTicketNo(body) }
}

/// Replies, on `whistle.replies` (CONTRACT §4 and §10), structure only: `assignment_id` 1–128,
/// `action`, `note` ≤ 2000 (required for `extend`, `contest` and `rule`), `result` ≤ 4000
/// (required for `complete`), `reason_code` (required for `return`: `not_our_duty|wrong_area|
/// duplicate|insufficient_info`; for `contest`: `not_needed|not_our_duty`), `ruling` (required
/// for `rule`: `upheld|empty`), `at` an RFC 3339 timestamp with an offset.
public struct ReplyValidator: Sendable {
    public init() {}

    public func validate(body: [UInt8]) -> ReplyValidation {
        MessageBody.read(body, invalid: ReplyValidation.invalid) { object, reader in
            let assignmentId = reader.string(object["assignment_id"], required: true, maxLength: 128)
            let action = reader.choice(object["action"], Reply.Action.self, required: true)
            let needsNote: Set<Reply.Action> = [.extend, .contest, .rule]
            let note = reader.string(object["note"], required: action.map { needsNote.contains($0) } ?? false, maxLength: 2000)
            let result = reader.string(object["result"], required: action == .complete, maxLength: 4000)
            var reasonCode: Reply.ReturnReason?
            var contestReason: Reply.ContestReason?
            if action == .contest {
                contestReason = reader.choice(object["reason_code"], Reply.ContestReason.self, required: true)
            } else {
                reasonCode = reader.choice(object["reason_code"], Reply.ReturnReason.self, required: action == .return)
            }
            let ruling = reader.choice(object["ruling"], Reply.Ruling.self, required: action == .rule)
            let at = reader.timestamp(object["at"])
            guard reader.errors.isEmpty, let assignmentId, let action else { return .invalid(reader.errors) }
            return .valid(
                Reply(
                    assignmentId: assignmentId, action: action, note: note, result: result, reasonCode: reasonCode,
                    contestReason: contestReason, ruling: ruling, at: at?.date))
        }
    }

    /// The body's trimmed `assignment_id` when it is valid (1–128 characters, no control
    /// characters), else nil (for `reply.rejected`).
    public static func assignmentId(in body: [UInt8]) -> String? {
        guard case .object(let members) = MessageBody(body) else { return nil }
        var reader = FieldReader()
        let id = reader.string(Field(value: members["assignment_id"], path: .root), maxLength: 128)
        return reader.errors.isEmpty ? id : nil
    }
}

/// `ticket_no`: required, `W` + 8 digits + `-` + 6 digits (`invalid_format` otherwise).
func readTicketNo(_ field: Field, _ reader: inout FieldReader) -> String? {
    guard let ticketNo = reader.string(field, required: true) else { return nil }
    guard TextRules.isTicketNumber(ticketNo) else {
        reader.fail(field.path, .invalidFormat, "must be a ticket number such as W20261121-000123")
        return nil
    }
    return ticketNo
}

private func readableTicketNo(_ body: [UInt8]) -> String? {
    guard case .object(let members) = MessageBody(body) else { return nil }
    var reader = FieldReader()
    let ticketNo = readTicketNo(Field(value: members["ticket_no"], path: .root), &reader)
    return reader.errors.isEmpty ? ticketNo : nil
}
