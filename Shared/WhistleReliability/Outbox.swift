import Foundation
import NIOConcurrencyHelpers
import WhistleAMQP
import WhistleMessages
import WhistlePostgres

/// The outbox of one service: messages written in the transaction of the effect, published
/// afterwards by that service's `OutboxRelay` with publisher confirms.
public struct Outbox: Sendable {
    /// The service whose relay publishes these rows.
    public let publisher: String

    public init(publisher: String) { self.publisher = publisher }

    /// The PostgreSQL channel on which a commit that wrote rows of `publisher` notifies the relays
    /// of that publisher (`whistle_outbox:<publisher>`), so that a relay of another instance
    /// wakes without polling.
    public static func channel(publisher: String) -> String { "whistle_outbox:\(publisher)" }

    /// This outbox's notification channel (`Outbox.channel(publisher:)`).
    public var channel: String { Self.channel(publisher: publisher) }

    /// Adds messages to the outbox in one multi-row statement, which also queues a `pg_notify` on
    /// `channel`. PostgreSQL sends it when the transaction commits, and folds the notifications of
    /// one transaction with the same channel and payload into one, so a transaction that enqueues
    /// several times still sends one notification (none when it rolls back).
    public func enqueue(_ connection: PostgresConnection, _ messages: [OutboundMessage]) throws {
        guard !messages.isEmpty else { return }
        _ = try connection.query(
            """
            WITH queued AS (
                INSERT INTO outbox (publisher, exchange, routing_key, message_id, type, body, mandatory)
                SELECT $1, m.* FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[]) AS m
            )
            SELECT pg_notify($8, '')
            """,
            [
                publisher, TextArray(messages.map(\.exchange)), TextArray(messages.map(\.routingKey)),
                TextArray(messages.map(\.messageId)), TextArray(messages.map(\.type)),
                TextArray(messages.map { String(decoding: $0.body, as: UTF8.self) }),
                TextArray(messages.map { $0.mandatory ? "t" : "f" }), channel,
            ])
    }

    /// An event on `whistle.events`: AMQP `message_id` = `event_id`, `type` = the event type.
    public static func event<Payload: Codable & Sendable>(_ envelope: EventEnvelope<Payload>) throws -> OutboundMessage {
        OutboundMessage(
            exchange: Exchange.events, routingKey: envelope.type.routingKey, body: Array(try WhistleJSON.encode(envelope)),
            messageId: envelope.eventId, type: envelope.type.rawValue)
    }
}

/// Wakes the relay when a transaction has just written to the outbox (or another loop when its
/// work has just been committed, such as notifier's deliveries).
///
/// A notification is kept until the relay waits (at most one is kept, as with an `AsyncStream`
/// buffering the newest element); a waiting relay is resumed at once through its continuation.
/// One task waits at a time: the service's `OutboxRelay`. A signal may pass each notification on
/// to followers (`forward(to:)`), so that one commit wakes several loops.
public final class OutboxSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var lastWaitID: UInt64 = 0
        var expiredWaitID: UInt64 = 0
        var followers: [OutboxSignal] = []
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// From now on, every `notify()` of this signal also notifies `follower`.
    public func forward(to follower: OutboxSignal) {
        state.withLockedValue { $0.followers.append(follower) }
    }

    /// Something was committed to the outbox.
    public func notify() {
        let (waiter, followers) = state.withLockedValue { state -> (CheckedContinuation<Void, Never>?, [OutboxSignal]) in
            guard let waiter = state.waiter else {
                state.pending = true
                return (nil, state.followers)
            }
            state.waiter = nil
            return (waiter.continuation, state.followers)
        }
        waiter?.resume()
        for follower in followers { follower.notify() }
    }

    /// Waits until notified, `milliseconds` pass or the task is cancelled; clears the notification.
    public func wait(milliseconds: Int) async {
        let id = state.withLockedValue { state -> UInt64? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.lastWaitID += 1
            return state.lastWaitID
        }
        guard let id else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await Task.sleep(for: .milliseconds(milliseconds))
                } catch {
                    // Cancelled (the wait ended or the task was cancelled): stop waiting now.
                }
                self.expire(id)
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLockedValue { state -> Bool in
                    if state.pending || state.expiredWaitID == id {
                        state.pending = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
            group.cancelAll()
        }
    }

    /// Ends wait `id` (its time is up).
    private func expire(_ id: UInt64) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.expiredWaitID = max(state.expiredWaitID, id)
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }
}
