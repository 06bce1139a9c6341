import Foundation
import WhistleAMQP
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// The outcomes of one round of deliveries, written with one statement whatever their number:
/// each notification becomes `sent` (never sent again), `pending` again with its next attempt
/// after a backoff, or — after the last attempt — `failed`. Only rows still `sending` change: a
/// claim whose lease ran out and that another instance took over is left to that instance.
struct DeliveryOutcomes {
    /// One row of the statement: the notification, its new status, when it is due again (a
    /// retry), and why the attempt failed.
    struct Change: Equatable {
        var id: Int64
        var status: String
        var due: Date?
        var error: String?
    }

    let now: Date
    let maxAttempts: Int
    let backoffMilliseconds: Int
    private(set) var changes: [Change] = []
    /// `notification.sent` and `notification.failed`, for the outbox.
    private(set) var events: [OutboundMessage] = []
    /// The notifications that failed for good (the supervisor is alerted: `FailureAlerts`).
    private(set) var failed: [ClaimedNotification] = []

    init(now: Date, maxAttempts: Int, backoffMilliseconds: Int) {
        self.now = now
        self.maxAttempts = maxAttempts
        self.backoffMilliseconds = backoffMilliseconds
    }

    /// Records the outcome of `item`'s attempt: nil when it was delivered, else why not.
    mutating func add(_ item: ClaimedNotification, error: String?) throws {
        let outcome = NotificationOutcome(
            notificationId: item.body.notificationId, audience: item.body.audience.rawValue, template: item.body.template,
            eventId: item.eventId, attempts: item.attempts, error: error)
        if error == nil {
            changes.append(Change(id: item.id, status: "sent", due: nil, error: nil))
            events.append(
                try Outbox.event(EventEnvelope(type: .notificationSent, occurredAt: now, ticketNo: item.body.ticketNo, data: outcome)))
        } else if item.attempts < maxAttempts {
            let due = now.addingTimeInterval(Backoff.delay(attempt: item.attempts, baseMilliseconds: backoffMilliseconds))
            changes.append(Change(id: item.id, status: "pending", due: due, error: error))
        } else {
            changes.append(Change(id: item.id, status: "failed", due: nil, error: error))
            events.append(
                try Outbox.event(EventEnvelope(type: .notificationFailed, occurredAt: now, ticketNo: item.body.ticketNo, data: outcome)))
            failed.append(item)
        }
    }

    /// Writes every change in one `UPDATE … FROM unnest` (a sent one gets `sent_at`, a retried
    /// one its next attempt; `last_error` is the attempt's error, none once sent).
    func update(_ connection: PostgresConnection) throws {
        guard !changes.isEmpty else { return }
        _ = try connection.query(
            """
            UPDATE notifications n
            SET status = u.status, last_error = u.error,
                sent_at = CASE WHEN u.status = 'sent' THEN $1::timestamptz ELSE n.sent_at END,
                next_attempt_at = coalesce(u.due::timestamptz, n.next_attempt_at)
            FROM unnest($2::int8[], $3::text[], $4::text[], $5::text[]) AS u(id, status, due, error)
            WHERE n.id = u.id AND n.status = 'sending'
            """,
            [
                now, changes.map(\.id), TextArray(changes.map(\.status)), TextArray(changes.map { $0.due.map(RFC3339.format) }),
                TextArray(changes.map(\.error)),
            ])
    }
}
