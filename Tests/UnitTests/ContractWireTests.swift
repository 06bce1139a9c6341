import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// The schemas of docs/schemas against the Swift wire types: what the services actually encode
/// must validate, and every enumeration in a schema must list exactly the cases of its type.
@Suite("Contract schemas and the wire types")
struct ContractWireTests {
    let validator = JSONSchemaValidator(directory: ContractDocs.schemas)
    let at = RFC3339.parse("2026-11-21T10:15:08+08:00") ?? Date()
    let source = MessageSource(channel: "grid", externalId: "GRID-FL-20261121-0002", messageId: "grid-adapter-7f1c0e52")

    /// The violations of `value`, encoded as the services encode it, against `schema`.
    func check(_ value: some Encodable, _ schema: String) throws -> [SchemaViolation] {
        let json = try JSONParser().parse(try WhistleJSON.encode(value))
        return try validator.validate(json, against: "\(schema).schema.json")
    }

    func event(_ type: EventType, _ ticketNo: String?, _ data: some Codable & Sendable) throws -> [SchemaViolation] {
        try check(EventEnvelope(type: type, occurredAt: at, ticketNo: ticketNo, data: data), "event-envelope")
    }

    @Test("intake's events, as encoded, validate against the envelope and their data schemas")
    func intakeEvents() throws {
        let ticket = "W20261121-000123"
        let feedbackSource = MessageSource(channel: nil, externalId: nil, messageId: "callback-0042")
        let errors = [FieldError(field: "location.lat", code: .outOfRange, message: "must be between -90.0 and 90.0, got 200.0")]
        #expect(try event(.ticketAccepted, ticket, TicketAccepted(source: source, category: nil, urgency: .urgent, area: nil)).isEmpty)
        #expect(
            try event(.ticketAccepted, ticket, TicketAccepted(source: source, category: "ZAXF-QZFAQ", urgency: .normal, area: "G-FL-FW-05"))
                .isEmpty)
        #expect(try event(.ticketMerged, ticket, TicketMerged(source: source, reportCount: 3)).isEmpty)
        #expect(try event(.demandDuplicate, ticket, DemandDuplicate(source: source)).isEmpty)
        #expect(try event(.demandRejected, nil, InboundRejected(source: source, errors: errors)).isEmpty)
        #expect(try event(.feedbackRejected, ticket, InboundRejected(source: feedbackSource, errors: errors)).isEmpty)
        #expect(
            try event(
                .feedbackReceived, ticket, FeedbackReceived(source: feedbackSource, satisfaction: "satisfied", resolved: true, comment: nil)
            ).isEmpty)
        let scores = [EvaluationRecorded.Score(department: "XS-GA", score: 95)]
        #expect(try event(.evaluationRecorded, ticket, EvaluationRecorded(source: feedbackSource, by: "FL-JDB", scores: scores)).isEmpty)
        // The schemas can fail: a demand.rejected must not name a ticket, a ticket event must.
        #expect(try !event(.demandRejected, ticket, InboundRejected(source: source, errors: errors)).isEmpty)
        #expect(try !event(.ticketMerged, nil, TicketMerged(source: source, reportCount: 3)).isEmpty)
        #expect(try !event(.ticketMerged, ticket, TicketMerged(source: source, reportCount: 1)).isEmpty)
    }

    @Test("dispatcher's events, as encoded, validate against the envelope and their data schemas")
    func dispatcherEvents() throws {
        let ticket = "W20261121-000123"
        let lead = DispatchedAssignment(
            assignmentId: "a-1", department: "FL-JDB", role: "lead", ackDue: at, resolveDue: at.addingTimeInterval(86_400))
        #expect(
            try event(.ticketDispatched, ticket, TicketDispatched(round: 1, assignments: [lead], category: nil, rule: "whistle S-FL"))
                .isEmpty)
        #expect(
            try event(.ticketDispatched, ticket, TicketDispatched(round: 2, assignments: [lead], category: "ZAXF-QZFAQ", rule: "rule"))
                .isEmpty)
        #expect(try event(.ticketTriage, ticket, TicketTriaged(reason: "no_rule", detail: nil, commandCenter: "XS-ZHZX")).isEmpty)
        let assignmentEvents: [(EventType, AssignmentEvent)] = [
            (.assignmentAcknowledged, AssignmentEvent(assignmentId: "a-1", department: "FL-JDB", role: "lead", onTime: true)),
            (.assignmentCompleted, AssignmentEvent(assignmentId: "a-1", department: "FL-JDB", role: "lead", onTime: false, result: "已整改")),
            (
                .assignmentReturned,
                AssignmentEvent(assignmentId: "a-1", department: "FL-JDB", role: "lead", note: "非本辖区", reasonCode: "wrong_area")
            ),
            (.assignmentExtended, AssignmentEvent(assignmentId: "a-1", department: "XS-XFJ", role: "lead", note: "申请延期", resolveDue: at)),
            (.assignmentDueSoon, AssignmentEvent(assignmentId: "a-1", department: "XS-GA", role: "co", clock: "acknowledge", dueAt: at)),
            (.assignmentOverdue, AssignmentEvent(assignmentId: "a-1", department: "XS-GA", role: "co", clock: "resolve", dueAt: at)),
        ]
        for (type, data) in assignmentEvents { #expect(try event(type, ticket, data).isEmpty, "\(type)") }
        #expect(try event(.ticketEscalated, ticket, TicketEscalated(level: "district", reason: "overdue", department: "XS-ZHZX")).isEmpty)
        #expect(try event(.ticketResolved, ticket, TicketResolved(feedbackDue: at)).isEmpty)
        #expect(try event(.ticketReopened, ticket, TicketReopened(reopenCount: 1, leadDepartment: "FL-JDB")).isEmpty)
        #expect(try event(.ticketClosed, ticket, TicketClosed(outcome: "no_feedback")).isEmpty)
        let replySource = MessageSource(channel: nil, externalId: nil, messageId: "reply-7")
        let rejected = ReplyRejected(
            assignmentId: nil, department: "XS-CGJ", errors: [FieldError(field: "assignment_id", code: .required, message: "is required")],
            source: replySource)
        #expect(try event(.replyRejected, ticket, rejected).isEmpty)
        #expect(try !event(.ticketClosed, ticket, TicketClosed(outcome: "forgotten")).isEmpty)
        #expect(try !event(.assignmentOverdue, ticket, AssignmentEvent(assignmentId: "a-1", department: "XS-GA", role: "boss")).isEmpty)
    }

    @Test("assignments, as encoded for a lead, a co-department and a petition, validate")
    func assignments() throws {
        let reporter = Reporter(name: "罗志强", phone: "18908712254", anonymous: false, id: "GW-0405")
        func message(_ role: AssignmentRole, _ channel: Channel, reporter: Reporter?, category: String?) -> AssignmentMessage {
            AssignmentMessage(
                assignmentId: "3f9d2c4e-8b1a-4f6e-9c0d-5a7b2e1f4c88", ticketNo: "W20261121-000123", role: role.rawValue,
                department: "XS-GA", leadDepartment: "FL-JDB", coDepartments: ["XS-GA"], category: category, urgency: .urgent,
                title: nil, content: "楼道私拉电线充电",
                location: Location(grid: "G-FL-FW-05"),
                reporter: ReporterView.for(role: role, confidential: channel == .petition, reporter: reporter),
                attachments: [Attachment(url: "https://grid.xishan.example/1.jpg", kind: .image)], ackDue: at, resolveDue: at,
                whistle: Whistle(departments: ["XS-GA"]), reopenCount: 0, channel: channel.rawValue, round: 1)
        }
        #expect(try check(message(.lead, .grid, reporter: reporter, category: "ZAXF-QZFAQ"), "assignment").isEmpty)
        #expect(try check(message(.co, .grid, reporter: reporter, category: nil), "assignment").isEmpty)
        #expect(try check(message(.lead, .petition, reporter: reporter, category: "XFZX-ZFWT"), "assignment").isEmpty)
        #expect(try check(message(.lead, .grid, reporter: Reporter(anonymous: true), category: nil), "assignment").isEmpty)
        var bad = message(.lead, .grid, reporter: nil, category: nil)
        bad.ticketNo = "W2026-1"
        #expect(try check(bad, "assignment").map(\.path) == ["ticket_no"])
    }

    @Test("normalised inbound messages encode to bodies their schemas accept")
    func inboundRoundTrip() throws {
        #expect(try check(Feedback(ticketNo: "W20261121-000123", satisfaction: .basicallySatisfied, resolved: true), "feedback").isEmpty)
        let evaluation = Evaluation(
            ticketNo: "W20261121-000123", by: "FL-JDB", scores: [.init(department: "XS-GA", score: 100, comment: "及时")])
        #expect(try check(evaluation, "evaluation").isEmpty)
        #expect(try check(Reply(assignmentId: "a-1", action: .return, reasonCode: .notOurDuty, at: at), "reply").isEmpty)
        #expect(try check(Reply(assignmentId: "a-1", action: .complete), "reply").map(\.path) == ["result"])
        #expect(try check(TriageRoute(ticketNo: "W20261121-000123", lead: "XS-CGJ", co: ["QS-JDB"]), "triage-route").isEmpty)
    }

    /// The strings of the `enum` at `path` (member names and `$defs`) of a schema file, nulls left out.
    func enumeration(_ file: String, _ path: String...) throws -> Set<String> {
        var node = try ContractDocs.parse(ContractDocs.schemas.appendingPathComponent("\(file).schema.json"))
        for key in path { node = try #require(node[key], "\(file): no \(key)") }
        return Set(try #require(node["enum"]?.arrayValue, "\(file): no enum").compactMap(\.stringValue))
    }

    @Test("every enumeration in the schemas lists exactly the cases of its Swift type")
    func enumerations() throws {
        func names<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> Set<String> where T.RawValue == String {
            Set(T.allCases.map(\.rawValue))
        }
        #expect(try enumeration("event-envelope", "properties", "type") == names(EventType.self))
        #expect(try enumeration("common", "$defs", "channel") == names(Channel.self))
        #expect(try enumeration("common", "$defs", "urgency") == names(Urgency.self))
        #expect(try enumeration("demand-common", "properties", "urgency") == names(Urgency.self))
        #expect(try enumeration("common", "$defs", "role") == names(AssignmentRole.self))
        #expect(try enumeration("common", "$defs", "attachment", "properties", "kind") == names(Attachment.Kind.self))
        #expect(try enumeration("demand-common", "properties", "attachments", "items", "properties", "kind") == names(Attachment.Kind.self))
        #expect(try enumeration("demand-petition", "properties", "form") == names(Petition.Form.self))
        #expect(try enumeration("demand-petition", "properties", "kind") == names(Petition.Kind.self))
        #expect(try enumeration("feedback", "properties", "satisfaction") == names(Feedback.Satisfaction.self))
        #expect(try enumeration("feedback-received", "properties", "satisfaction") == names(Feedback.Satisfaction.self))
        #expect(try enumeration("reply", "properties", "action") == names(Reply.Action.self))
        // One `reason_code` on the wire: a return's reasons, and a contest's (CONTRACT §10).
        #expect(
            try enumeration("reply", "properties", "reason_code") == names(Reply.ReturnReason.self).union(names(Reply.ContestReason.self)))
        #expect(try enumeration("reply", "properties", "ruling") == names(Reply.Ruling.self))
        #expect(try enumeration("assignment-contested", "properties", "reason_code") == names(Reply.ContestReason.self))
        #expect(try enumeration("whistle-ruled", "properties", "ruling") == names(Reply.Ruling.self))
        #expect(try enumeration("assignment-cancelled", "properties", "reason") == names(AssignmentCancelReason.self))
        #expect(try enumeration("assignment-event", "properties", "reason_code") == names(Reply.ReturnReason.self))
        #expect(try enumeration("ticket-closed", "properties", "outcome") == names(TicketOutcome.self))
        #expect(try enumeration("ticket-triage", "properties", "reason") == names(TicketTriageReason.self))
        #expect(try enumeration("ticket-escalated", "properties", "level") == names(EscalationLevel.self))
        #expect(try enumeration("ticket-escalated", "properties", "reason") == names(EscalationReason.self))
    }
}
