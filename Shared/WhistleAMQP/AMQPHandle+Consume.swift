import CRabbitMQ
import Foundation

extension AMQPHandle {
    /// Waits up to `timeoutMilliseconds` for one delivery; nil on timeout.
    func nextDelivery(timeoutMilliseconds: Int, generation: UInt64) throws(AMQPError) -> Delivery? {
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var timeout = whistle_timeval_ms(timeoutMilliseconds)
        let reply = amqp_consume_message(state, &envelope, &timeout, 0)
        if reply.reply_type == AMQP_RESPONSE_NORMAL {
            defer { amqp_destroy_envelope(&envelope) }
            return Self.copy(envelope, generation: generation)
        }
        if reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION {
            if reply.library_error == AMQP_STATUS_TIMEOUT.rawValue { return nil }
            if reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue {
                // A frame other than a delivery: a broker close, a cancel, or an ack of ours echoed.
                var frame = amqp_frame_t()
                try checkStatus(amqp_simple_wait_frame(state, &frame), "reading a non-delivery frame")
                let method = whistle_frame_method_id(&frame)
                if method == WHISTLE_CHANNEL_CLOSE || method == WHISTLE_CONNECTION_CLOSE {
                    throw brokerClose(methodId: method, decoded: whistle_frame_method(&frame), context: "consuming")
                }
                if method == WHISTLE_BASIC_CANCEL {
                    markBroken()
                    throw AMQPError(.brokerClosed, "the broker cancelled the consumer (queue deleted?)")
                }
                return nil
            }
        }
        try check(reply, "basic.consume")
        return nil
    }

    /// Acknowledges `tag` (and, with `multiple`, every earlier unacknowledged tag).
    func ack(_ tag: UInt64, multiple: Bool) throws(AMQPError) {
        try checkStatus(amqp_basic_ack(state, channel, tag, multiple ? 1 : 0), "basic.ack")
    }

    /// Rejects `tag`; with `requeue` the broker delivers it again (and counts the delivery).
    func nack(_ tag: UInt64, multiple: Bool, requeue: Bool) throws(AMQPError) {
        try checkStatus(amqp_basic_nack(state, channel, tag, multiple ? 1 : 0, requeue ? 1 : 0), "basic.nack")
    }

    private static func copy(_ envelope: amqp_envelope_t, generation: UInt64) -> Delivery {
        let properties = envelope.message.properties
        let flags = properties._flags
        var deliveryCount: Int64 = 0
        var death: DeadLetter?
        var whistleHeaders: [String: String] = [:]
        if flags & WHISTLE_FLAG_HEADERS != 0 {
            var headers = properties.headers
            _ = whistle_table_get_int(&headers, "x-delivery-count", &deliveryCount)
            func string(_ key: String) -> String? {
                var bytes = amqp_bytes_t()
                return whistle_table_get_bytes(&headers, key, &bytes) == 1 ? bytes.string : nil
            }
            if let exchange = string("x-first-death-exchange") {
                death = DeadLetter(
                    exchange: exchange, queue: string("x-first-death-queue") ?? "", reason: string("x-first-death-reason") ?? "")
            }
            whistleHeaders = Self.whistleHeaders(headers)
        }
        var delivery = Delivery(
            body: envelope.message.body.array,
            exchange: envelope.exchange.string,
            routingKey: envelope.routing_key.string,
            messageId: flags & WHISTLE_FLAG_MESSAGE_ID != 0 ? properties.message_id.string : nil,
            type: flags & WHISTLE_FLAG_TYPE != 0 ? properties.type.string : nil,
            userId: flags & WHISTLE_FLAG_USER_ID != 0 ? properties.user_id.string : nil,
            contentType: flags & WHISTLE_FLAG_CONTENT_TYPE != 0 ? properties.content_type.string : nil,
            redelivered: envelope.redelivered != 0,
            deliveryCount: Int(deliveryCount),
            deliveryTag: envelope.delivery_tag,
            generation: generation, deadLetter: death)
        delivery.whistleHeaders = whistleHeaders
        return delivery
    }

    /// The string headers named `x-whistle-…` of a table (at most 16, values up to 256 bytes).
    private static func whistleHeaders(_ table: amqp_table_t) -> [String: String] {
        guard table.num_entries > 0, let entries = table.entries else { return [:] }
        var found: [String: String] = [:]
        for index in 0..<Int(table.num_entries) where found.count < 16 {
            let entry = entries[index]
            let key = entry.key.string
            let kind = entry.value.kind
            guard key.hasPrefix("x-whistle-"), kind == UInt8(AMQP_FIELD_KIND_UTF8.rawValue) || kind == UInt8(AMQP_FIELD_KIND_BYTES.rawValue)
            else { continue }
            let value = entry.value.value.bytes
            guard value.len <= 256 else { continue }
            found[key] = value.string
        }
        return found
    }
}
