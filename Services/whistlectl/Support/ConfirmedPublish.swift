import Foundation
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// Publishes one message as an adapter, a department or the command center would: persistent,
/// `application/json`, with its `message_id`, mandatory, and waits for the publisher confirm. A
/// message no queue takes (the consuming service has not declared its queue yet) is an error,
/// never a silent drop. It declares nothing: an adapter's or a department's broker user may not
/// (no configure permission), and the services declare the exchanges.
enum ConfirmedPublish {
    /// Sends `body` to `exchange` with `routingKey`; `declarer` names the service whose queue
    /// takes it, for the error when none does.
    static func send(
        _ body: [UInt8], exchange: String = Exchange.replies, routingKey: String, messageId: String,
        connection: ConnectionOptions, declarer: String = "the dispatcher (it declares \(WhistleTopology.dispatcherRepliesQueue))"
    ) async throws {
        let publisher = AMQPPublisher(
            configuration: try connection.amqpConfiguration(), name: "whistlectl-publish", topology: Topology(),
            reconnectPolicy: ReconnectPolicy(maxAttempts: 3), logger: connection.logger)
        let message = OutboundMessage(exchange: exchange, routingKey: routingKey, body: body, messageId: messageId, mandatory: true)
        let outcome: PublishOutcome?
        do {
            outcome = try await publisher.publish([message], timeout: .seconds(15)).first
            await publisher.close()
        } catch {
            await publisher.close()
            throw error
        }
        switch outcome {
        case .confirmed:
            return
        case .returned:
            throw CtlError(
                .broker,
                "no queue is bound to \(exchange) for \(routingKey), so the broker dropped the message; start \(declarer) and publish again"
            )
        case .nacked, nil:
            throw CtlError(.broker, "the broker refused the message (basic.nack); publish again")
        }
    }

    /// The JSON of a wire body (snake_case keys, sorted, nil members left out).
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        do {
            return [UInt8](try WhistleJSON.encode(value))
        } catch {
            throw CtlError(.usage, "cannot encode the message: \(error)")
        }
    }

    /// Checks `--message-id` (1–128 characters); nil when fine.
    static func problem(messageId: String?) -> String? {
        guard let messageId else { return nil }
        return messageId.isEmpty || messageId.count > 128 ? "--message-id must be 1–128 characters" : nil
    }

    /// Checks `--wait` (more than 0, at most 3600 seconds); nil when fine.
    static func problem(wait: Double?) -> String? {
        guard let wait else { return nil }
        return wait > 0 && wait <= 3600 ? nil : "--wait must be between 0 and 3600 seconds"
    }

    /// "1.5 s", "20 s".
    static func seconds(_ value: Double) -> String { String(format: "%g s", value) }
}
