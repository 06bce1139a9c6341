import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// The events and rows of the whistle scores scenario: whistles blown at every level (a district,
/// the city, a street office's grid whistle, a street command center), contests ruled empty and
/// upheld, a pre-dispatch escalation, a reopening of two departments' work and period evaluations.
extension EvaluatorWhistleScoresTests {
    static let w1 = "W20261116-900001"  // XS-ZHZX (district) → XS-CGJ, XS-GA; XS-GA contests, ruled empty
    static let w2 = "W20261116-900002"  // YC-ZHZX (city) → XS-ZJJ; contested, ruled empty by the city itself
    static let w3 = "W20261116-900003"  // QS-JDB's grid whistle → XS-CGJ, XS-SWJ; XS-CGJ contests, ruled upheld
    static let w4 = "W20261116-900004"  // QS-ZHZX (street command center) → XS-SWJ; contested, not yet ruled
    static let w5 = "W20261116-900005"  // escalated before any dispatch: held by XS-ZHZX
    static let w6 = "W20261116-900006"  // XS-CGJ leads, XS-SWJ co; reopened, both reworked
    static let w7 = "W20261116-900007"  // a complaint against XS-ZHZX escalated to it: never on its page
    static let w8 = "W20261116-900008"  // escalated to the street: QS-ZHZX

    static func at(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }

    /// Every event of the scenario, as the services emit them (types, payloads, times).
    static func events() throws -> [(type: EventType, ticket: String?, at: Date, data: any Codable & Sendable)] {
        let monday = try at("2026-11-16T09:00:00+08:00")
        let ackDue = try at("2026-11-16T10:00:00+08:00")
        let resolveDue = try at("2026-11-19T18:00:00+08:00")
        func accepted(_ channel: String, _ area: String?, _ whistler: String?) -> TicketAccepted {
            TicketAccepted(
                source: MessageSource(channel: channel, externalId: UUID().uuidString, messageId: UUID().uuidString), category: nil,
                urgency: .normal, area: area, whistler: whistler)
        }
        func round(_ ticket: String, _ parties: [(String, String)]) -> TicketDispatched {
            TicketDispatched(
                round: 1,
                assignments: parties.map {
                    DispatchedAssignment(
                        assignmentId: "\(ticket)-\($0.0)", department: $0.0, role: $0.1, ackDue: ackDue, resolveDue: resolveDue)
                }, category: nil, rule: "whistle")
        }
        func assignment(
            _ ticket: String, _ department: String, role: String = "co", onTime: Bool? = nil, clock: String? = nil
        )
            -> AssignmentEvent
        {
            var event = AssignmentEvent(
                assignmentId: "\(ticket)-\(department)", department: department, role: role, onTime: onTime, clock: clock)
            if onTime != nil { event.dispatchedAt = monday }
            return event
        }
        func contested(_ ticket: String, _ department: String, whistler: String, ruler: String) -> AssignmentContested {
            AssignmentContested(
                assignmentId: "\(ticket)-\(department)", department: department, role: "co", reasonCode: "not_needed", note: "无需本部门到场",
                whistler: whistler, ruler: ruler)
        }
        func period(_ by: String, _ period: String, _ scores: [(String, Int)]) -> EvaluationRecorded {
            EvaluationRecorded(
                source: MessageSource(channel: nil, externalId: "\(by)-\(period)", messageId: UUID().uuidString), by: by,
                scores: scores.map { .init(department: $0.0, score: $0.1) }, period: period)
        }
        let later = monday.addingTimeInterval(3600 * 2)
        let judged = FeedbackJudgment(satisfaction: "unsatisfied", resolved: false, departments: ["XS-CGJ", "XS-SWJ"])
        return [
            (.ticketAccepted, w1, monday, accepted("whistle", "G-QS-SQ-01", "XS-ZHZX")),
            (.ticketAccepted, w2, monday, accepted("whistle", "G-FL-FW-01", "YC-ZHZX")),
            (.ticketAccepted, w3, monday, accepted("grid", "G-QS-SQ-04", "QS-JDB")),
            (.ticketAccepted, w4, monday, accepted("whistle", "G-QS-LX-03", "QS-ZHZX")),
            (.ticketAccepted, w6, monday, accepted("12345", nil, nil)),
            (.ticketDispatched, w1, monday, round(w1, [("XS-ZHZX", "lead"), ("XS-CGJ", "co"), ("XS-GA", "co")])),
            (.ticketDispatched, w2, monday, round(w2, [("YC-ZHZX", "lead"), ("XS-ZJJ", "co")])),
            (.ticketDispatched, w3, monday, round(w3, [("QS-JDB", "lead"), ("XS-CGJ", "co"), ("XS-SWJ", "co")])),
            (.ticketDispatched, w4, monday, round(w4, [("QS-ZHZX", "lead"), ("XS-SWJ", "co")])),
            (.ticketDispatched, w6, monday, round(w6, [("XS-CGJ", "lead"), ("XS-SWJ", "co")])),
            (.assignmentAcknowledged, w1, monday, assignment(w1, "XS-CGJ", onTime: true)),
            (.assignmentAcknowledged, w2, monday, assignment(w2, "XS-ZJJ", onTime: true)),
            (.assignmentAcknowledged, w3, monday, assignment(w3, "XS-CGJ", onTime: true)),
            (.assignmentAcknowledged, w3, monday, assignment(w3, "XS-SWJ", onTime: true)),
            (.assignmentOverdue, w1, ackDue, assignment(w1, "XS-GA", clock: "acknowledge")),
            (.assignmentContested, w1, later, contested(w1, "XS-GA", whistler: "XS-ZHZX", ruler: "YC-ZHZX")),
            (.assignmentContested, w2, later, contested(w2, "XS-ZJJ", whistler: "YC-ZHZX", ruler: "YC-ZHZX")),
            (.assignmentContested, w3, later, contested(w3, "XS-CGJ", whistler: "QS-JDB", ruler: "XS-ZHZX")),
            (.assignmentContested, w4, later, contested(w4, "XS-SWJ", whistler: "QS-ZHZX", ruler: "QS-JDB")),
            (
                .whistleRuled, w1, try at("2026-11-17T10:00:00+08:00"),
                WhistleRuled(
                    assignmentId: "\(w1)-XS-GA", department: "XS-GA", whistler: "XS-ZHZX", ruling: "empty", ruledBy: "YC-ZHZX",
                    dispatchedAt: monday, acknowledgedOnTime: nil, overdueAt: [ackDue])
            ),
            (
                .whistleRuled, w2, try at("2026-11-17T10:00:00+08:00"),
                WhistleRuled(
                    assignmentId: "\(w2)-XS-ZJJ", department: "XS-ZJJ", whistler: "YC-ZHZX", ruling: "empty", ruledBy: "YC-ZHZX",
                    dispatchedAt: monday, acknowledgedOnTime: true, overdueAt: [])
            ),
            (
                .whistleRuled, w3, try at("2026-11-17T10:00:00+08:00"),
                WhistleRuled(
                    assignmentId: "\(w3)-XS-CGJ", department: "XS-CGJ", whistler: "QS-JDB", ruling: "upheld", ruledBy: "XS-ZHZX",
                    dispatchedAt: monday, acknowledgedOnTime: true, overdueAt: [])
            ),
            (.ticketEscalated, w5, later, TicketEscalated(level: "district", reason: "overdue", department: "XS-ZHZX", heldBy: "XS-ZHZX")),
            (.assignmentCompleted, w6, later, assignment(w6, "XS-CGJ", role: "lead", onTime: true)),
            (.assignmentCompleted, w6, later, assignment(w6, "XS-SWJ", onTime: true)),
            (
                .ticketReopened, w6, try at("2026-11-18T09:00:00+08:00"),
                TicketReopened(reopenCount: 1, leadDepartment: "XS-CGJ", feedback: judged)
            ),
            (
                .evaluationRecorded, w1, try at("2026-11-18T09:00:00+08:00"),
                EvaluationRecorded(
                    source: MessageSource(channel: nil, externalId: "ev-w1", messageId: "ev-w1"), by: "XS-ZHZX",
                    scores: [.init(department: "XS-CGJ", score: 90)])
            ),
            (.evaluationRecorded, nil, try at("2026-12-20T09:00:00+08:00"), period("QS-JDB", "2026-Q4", [("XS-CGJ", 80), ("XS-ZJJ", 90)])),
            (.evaluationRecorded, nil, try at("2026-12-21T09:00:00+08:00"), period("FL-JDB", "2026", [("XS-CGJ", 60)])),
            (.evaluationRecorded, nil, try at("2026-09-30T09:00:00+08:00"), period("QS-JDB", "2026-Q3", [("XS-GA", 50)])),
        ]
    }

    /// Publishes the events `times` times straight to evaluator's queue, then a marker, and waits
    /// until evaluator has counted the marker.
    static func publish(_ sandbox: TestSandbox, times: Int) async throws {
        let events = try Self.events().enumerated().map { index, event in
            EvaluatorFeed.Event(
                id: "whistle-scores-\(index)", type: event.type.rawValue, body: try body(event, id: "whistle-scores-\(index)"))
        }
        try await EvaluatorFeed.publish(sandbox, events, times: times, name: "whistle-scores")
    }

    static func body(_ event: (type: EventType, ticket: String?, at: Date, data: any Codable & Sendable), id: String) throws -> [UInt8] {
        func encode<Payload: Codable & Sendable>(_ data: Payload) throws -> [UInt8] {
            Array(
                try WhistleJSON.encode(
                    EventEnvelope(eventId: id, type: event.type, occurredAt: event.at, ticketNo: event.ticket, data: data)))
        }
        return try encode(event.data)
    }

    /// The scenario's tickets as intake and dispatcher would have stored them (facts, states, one
    /// overdue assignment and the timeline entries the dashboard reads), for the four-level view.
    static func storeTickets(_ sandbox: TestSandbox) async throws {
        let w = (w1, w2, w3, w4, w5, w7, w8)
        try await sandbox.withDatabase { connection in
            _ = try connection.query(
                """
                INSERT INTO ticket_facts (ticket_no, channel, urgency, area_code, content, confidential, petition_kind, subject_unit,
                                          whistle, opened_at)
                SELECT * FROM (VALUES
                    ($1, 'whistle', 'normal', 'G-QS-SQ-01', '区指挥中心吹哨', false, NULL, NULL,
                     '{"by":"XS-ZHZX","departments":["XS-CGJ","XS-GA"],"reason":"联合执法"}'::jsonb, '2026-11-16T01:00:00Z'::timestamptz),
                    ($2, 'whistle', 'normal', 'G-FL-FW-01', '市指挥中心吹哨', false, NULL, NULL,
                     '{"by":"YC-ZHZX","departments":["XS-ZJJ"],"reason":"联合执法"}'::jsonb, '2026-11-16T01:00:00Z'),
                    ($3, 'grid', 'normal', 'G-QS-SQ-04', '网格吹哨', false, NULL, NULL,
                     '{"departments":["XS-CGJ","XS-SWJ"],"reason":"联合处置"}'::jsonb, '2026-11-16T01:00:00Z'),
                    ($4, 'whistle', 'normal', 'G-QS-LX-03', '街道指挥中心吹哨', false, NULL, NULL,
                     '{"by":"QS-ZHZX","departments":["XS-SWJ"],"reason":"联合处置"}'::jsonb, '2026-11-16T01:00:00Z'),
                    ($5, '12345', 'normal', NULL, '无处派的诉求', false, NULL, NULL, NULL, '2026-11-16T01:00:00Z'),
                    ($6, 'petition', 'normal', 'G-QS-SQ-02', '投诉区指挥中心', true, 'complaint', 'XS-ZHZX', NULL, '2026-11-16T01:00:00Z'),
                    ($7, '12345', 'normal', 'G-QS-SQ-02', '街道督办的诉求', false, NULL, NULL, NULL, '2026-11-16T01:00:00Z')
                ) AS v
                """, [w.0, w.1, w.2, w.3, w.4, w.5, w.6])
            _ = try connection.query(
                """
                INSERT INTO ticket_states (ticket_no, status, lead_department, escalation_level)
                VALUES ($1, 'dispatched', 'XS-ZHZX', NULL), ($2, 'dispatched', 'YC-ZHZX', NULL), ($3, 'in_progress', 'QS-JDB', NULL),
                       ($4, 'dispatched', 'QS-ZHZX', NULL), ($5, 'triage', NULL, 'district'), ($6, 'dispatched', 'YC-CGJ', 'district'),
                       ($7, 'dispatched', 'XS-CGJ', 'street')
                """, [w.0, w.1, w.2, w.3, w.4, w.5, w.6])
            _ = try connection.query(
                """
                INSERT INTO assignments (assignment_id, ticket_no, department, role, status, round, ack_due, resolve_due, acknowledged_at)
                VALUES ($1::uuid, $3, 'XS-SWJ', 'co', 'acknowledged', 1, '2026-11-16T02:00:00Z', '2026-11-18T10:00:00Z', '2026-11-16T01:30:00Z'),
                       ($2::uuid, $3, 'QS-JDB', 'lead', 'acknowledged', 1, '2026-11-16T02:00:00Z', '2026-12-18T10:00:00Z', '2026-11-16T01:30:00Z')
                """, [UUID().uuidString.lowercased(), UUID().uuidString.lowercased(), w.2])
            _ = try connection.query(
                """
                INSERT INTO dispatch_timeline (ticket_no, at, type, actor, data)
                VALUES ($1, '2026-11-16T03:00:00Z', 'assignment.contested', 'XS-GA', '{"department":"XS-GA","role":"co"}'),
                       ($1, '2026-11-17T02:00:00Z', 'whistle.ruled', 'YC-ZHZX', '{"department":"XS-GA","ruling":"empty"}'),
                       ($2, '2026-11-16T03:00:00Z', 'ticket.escalated', 'dispatcher', '{"level":"district","department":"XS-ZHZX"}'),
                       ($3, '2026-11-16T03:00:00Z', 'ticket.escalated', 'dispatcher', '{"level":"district","department":"XS-ZHZX"}'),
                       ($4, '2026-11-16T03:00:00Z', 'ticket.escalated', 'dispatcher', '{"level":"street","department":"QS-ZHZX"}')
                """, [w.0, w.4, w.5, w.6])
        }
    }
}
