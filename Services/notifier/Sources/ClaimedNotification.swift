import Foundation
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// A notification claimed for one delivery attempt.
struct ClaimedNotification: Sendable {
    var id: Int64
    var eventId: String
    /// This attempt's number (1 for the first).
    var attempts: Int
    var body: WebhookNotification

    /// Claims up to `limit` due notifications: marks them `sending` until `lease` (when an
    /// unfinished claim becomes due again) and counts the attempt.
    static func claim(_ connection: PostgresConnection, now: Date, lease: Date, limit: Int) throws -> [ClaimedNotification] {
        let rows = try connection.query(
            """
            UPDATE notifications n SET status = 'sending', attempts = n.attempts + 1, next_attempt_at = $2
            WHERE n.id IN (SELECT id FROM notifications WHERE status IN ('pending', 'sending') AND next_attempt_at <= $1
                           ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING n.id, n.notification_id::text, n.event_id, n.event_type, n.ticket_no, n.audience, n.recipient, n.template,
                      n.text, n.attempts
            """, [now, lease, limit])
        return try rows.compactMap { row in
            guard let audience = WebhookNotification.Audience(rawValue: try row.decode(5)) else { return nil }
            return ClaimedNotification(
                id: try row.decode(0), eventId: try row.decode(2), attempts: try row.decode(9),
                body: WebhookNotification(
                    notificationId: try row.decode(1), audience: audience, recipient: try row.decode(6),
                    ticketNo: try row.decodeIfPresent(4),
                    eventType: try row.decode(3), template: try row.decode(7), text: try row.decode(8)))
        }
    }
}

/// When a notification finally fails, the supervisor of its ticket's area is told — unless the
/// failed one was itself such an alert (no alert about an alert).
struct FailureAlerts: Sendable {
    let reference: ReferenceCache
    let templates: Templates
    let configuration: NotifierConfiguration

    static let template = "supervisor_delivery_failed"

    /// Alerts the supervisors about `items` (those that are not alerts themselves): the areas of
    /// their tickets are read in one query and the alerts inserted in one statement.
    func raise(for items: [ClaimedNotification], on connection: PostgresConnection, now: Date) throws {
        let items = items.filter { $0.body.template != Self.template }
        guard !items.isEmpty else { return }
        let ticketNos = Array(Set(items.compactMap(\.body.ticketNo)))
        var areas: [String: String] = [:]
        if !ticketNos.isEmpty {
            for row in try connection.query("SELECT ticket_no, area_code FROM tickets WHERE ticket_no = ANY($1::text[])", [ticketNos]) {
                if let area = try row.decodeIfPresent(1, as: String.self) { areas[try row.decode(0, as: String.self)] = area }
            }
        }
        var rows = NotificationRows()
        for item in items { rows.append(alert(for: item, area: item.body.ticketNo.flatMap { areas[$0] }, now: now)) }
        try rows.insert(connection)
    }

    /// The alert about `item`, to the command center of `area` (none when it has none).
    private func alert(for item: ClaimedNotification, area: String?, now: Date) -> NotificationRows.Row? {
        let data = reference.snapshot.data
        guard let center = data.commandCenter(level: .district, for: area) ?? data.commandCenter(for: area) else { return nil }
        let audiences = ["citizen": "市民", "department": "部门", "supervisor": "督办人员", "reporter": "网格员"]
        let kinds = [
            "citizen_receipt": "受理回执", "citizen_merged": "并单告知", "citizen_result": "办结回复", "citizen_reopened": "重办告知",
            "citizen_closed": "归档告知", "reporter_verify": "核查请求", "department_assignment": "新工单", "department_due_soon": "到期提醒",
            "department_overdue": "超期通知", "supervisor_overdue": "督办", "supervisor_escalated": "升级督办", "supervisor_triage": "待分拨",
            "supervisor_hotspot": "热点预警", "street_report": "报到反馈",
        ]
        let text = templates.render(
            Self.template,
            [
                "ticket_no": item.body.ticketNo ?? "", "template_name": kinds[item.body.template] ?? item.body.template,
                "audience_name": audiences[item.body.audience.rawValue] ?? item.body.audience.rawValue,
            ])
        let deliverable = configuration.endpoints[.supervisor] != nil
        return NotificationRows.Row(
            eventId: "failed:\(item.body.notificationId)", eventType: EventType.notificationFailed.rawValue,
            ticketNo: item.body.ticketNo,
            audience: WebhookNotification.Audience.supervisor.rawValue, recipient: center.code, template: Self.template, text: text,
            urgent: true, status: deliverable ? "pending" : "undeliverable",
            reason: deliverable ? nil : "no endpoint configured (\(WebhookNotification.Audience.supervisor.endpointVariable))",
            nextAttemptAt: now)
    }
}
