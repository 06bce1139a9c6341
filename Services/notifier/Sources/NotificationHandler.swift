import Foundation
import Logging
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Notifier's work on a batch of events: each event's notifications are planned, worded and
/// stored in `notifications` in the batch's transaction (once per event, audience, recipient and
/// template), ready for `DeliveryService`. Suppressed and undeliverable ones are stored too,
/// with the reason: nothing is skipped silently.
struct NotificationHandler: EventsHandler {
    /// The events notifier turns into messages.
    static let eventKeys = [
        EventType.ticketAccepted, .ticketMerged, .ticketDispatched, .assignmentAcknowledged, .assignmentCompleted,
        .assignmentDueSoon, .assignmentOverdue, .ticketEscalated, .ticketTriage, .ticketResolved, .ticketReopened,
        .ticketClosed, .hotspotDetected,
    ].map(\.routingKey)

    let reference: ReferenceCache
    let templates: Templates
    let configuration: NotifierConfiguration
    let timeZone: TimeZone
    let clock: @Sendable () -> Date
    let logger: Logger

    func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
        let events = EventJournalHandler.events(messages, logger: logger)
        try EventJournalHandler.record(events, consumer: "notifier", on: connection)
        let contexts = try TicketContext.load(connection, events.compactMap(\.ticketNo))
        let rules = NotificationRules(reference: reference.snapshot, timeZone: timeZone)
        let now = clock()
        var rows = NotificationRows()
        for event in events {
            if event.type == EventType.hotspotDetected.rawValue {
                rows.append(hotspot(event, now: now))
                continue
            }
            guard let ticketNo = event.ticketNo, let ticket = contexts[ticketNo] else { continue }
            let plan: [PlannedNotification]
            do {
                plan = try rules.plan(event, ticket)
            } catch {
                // A producer's bug, not the ticket's: the event is journaled, nobody is told.
                logger.error(
                    "event data not as its type carries; no notification",
                    metadata: ["event.id": "\(event.eventId)", "event.type": "\(event.type)", "error": "\(error)"])
                continue
            }
            for planned in plan { rows.append(row(planned, event: event, ticketNo: ticketNo, now: now)) }
        }
        try rows.insert(connection)
    }

    /// A planned notification as a row: pending (after the quiet hours for a non-urgent citizen
    /// message), or suppressed / undeliverable with the reason; the text with its phone and ID
    /// numbers masked unless the recipient may read them (`PlannedNotification.clearText`).
    func row(_ planned: PlannedNotification, event: ReceivedEvent, ticketNo: String?, now: Date) -> NotificationRows.Row {
        var status = "pending"
        var reason = planned.suppressed
        var due = now
        if reason != nil {
            status = "suppressed"
        } else if configuration.endpoints[planned.audience] == nil {
            status = "undeliverable"
            reason = "no endpoint configured (\(planned.audience.endpointVariable))"
        } else if planned.audience == .citizen, !planned.urgent, let quiet = configuration.quietHours {
            let (_, second) = LocalDate.local(of: now, in: timeZone)
            let wait = quiet.minutesUntilEnd(from: second / 60)
            if wait > 0 {
                due = now.addingTimeInterval(Double(wait * 60 - second % 60))
                reason = "quiet hours: held until their end"
            }
        }
        return NotificationRows.Row(
            eventId: event.eventId, eventType: event.type, ticketNo: ticketNo, audience: planned.audience.rawValue,
            recipient: planned.recipient, template: planned.template, text: text(planned),
            urgent: planned.urgent, status: status, reason: reason, nextAttemptAt: due)
    }

    /// The rendered text as the recipient may read it.
    func text(_ planned: PlannedNotification) -> String {
        let text = templates.render(planned.template, planned.values)
        return planned.clearText ? text : PersonalData.maskText(text)
    }

    /// `hotspot.detected` → the district command center of the area (none when the data is not
    /// a hotspot's: logged).
    private func hotspot(_ event: ReceivedEvent, now: Date) -> NotificationRows.Row? {
        let hotspot: HotspotDetected
        do {
            hotspot = try event.payload(HotspotDetected.self)
        } catch {
            logger.warning("unreadable hotspot; no notification", metadata: ["event.id": "\(event.eventId)", "error": "\(error)"])
            return nil
        }
        let snapshot = reference.snapshot
        let area = hotspot.area
        guard let center = snapshot.data.commandCenter(level: .district, for: area) ?? snapshot.data.commandCenter(for: area) else {
            return nil
        }
        let category = hotspot.category
        let values: [String: Any] = [
            "area_name": snapshot.data.areas[area]?.name ?? area, "category_name": snapshot.data.categories[category]?.name ?? category,
            "window": hotspot.window, "count": hotspot.count, "baseline": Self.number(hotspot.baseline), "ticket_no": "",
        ]
        let planned = PlannedNotification(
            audience: .supervisor, recipient: center.code, template: "supervisor_hotspot", values: values, urgent: true, suppressed: nil,
            clearText: TextDisclosure.noTicket.isClear(toDepartment: center.code, kind: center.kind))
        return row(planned, event: event, ticketNo: nil, now: now)
    }

    /// A number as the event wrote it: `2` for a whole number, else `2.5`.
    static func number(_ value: Double) -> String {
        if let whole = Int(exactly: value) { return String(whole) }
        return "\(value)"
    }
}

/// Notification rows of a batch, inserted in one statement (a repeat of an event's
/// notification is ignored by the unique key).
struct NotificationRows {
    struct Row {
        var eventId, eventType: String
        var ticketNo: String?
        var audience, recipient, template, text: String
        var urgent: Bool
        var status: String
        var reason: String?
        var nextAttemptAt: Date
    }

    private(set) var rows: [Row] = []

    mutating func append(_ row: Row?) { if let row { rows.append(row) } }

    func insert(_ connection: PostgresConnection) throws {
        guard !rows.isEmpty else { return }
        _ = try connection.query(
            """
            INSERT INTO notifications (notification_id, event_id, event_type, ticket_no, audience, recipient, template, text,
                                       urgent, status, reason, next_attempt_at)
            SELECT gen_random_uuid(), r.event_id, r.event_type, r.ticket_no, r.audience, r.recipient, r.template, r.text,
                   r.urgent::bool, r.status, r.reason, r.due::timestamptz
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::text[], $10::text[], $11::text[]) AS r(event_id, event_type, ticket_no, audience, recipient, template,
                                                                   text, urgent, status, reason, due)
            ON CONFLICT (event_id, audience, recipient, template) DO NOTHING
            """,
            [
                TextArray(rows.map(\.eventId)), TextArray(rows.map(\.eventType)), TextArray(rows.map(\.ticketNo)),
                TextArray(rows.map(\.audience)), TextArray(rows.map(\.recipient)), TextArray(rows.map(\.template)),
                TextArray(rows.map(\.text)), TextArray(rows.map { $0.urgent ? "t" : "f" }), TextArray(rows.map(\.status)),
                TextArray(rows.map(\.reason)), TextArray(rows.map { RFC3339.format($0.nextAttemptAt) }),
            ])
    }
}
