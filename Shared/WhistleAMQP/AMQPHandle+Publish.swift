import CRabbitMQ
import Foundation

/// A frame that settles publishes on a confirm-mode channel.
enum ConfirmFrame {
    case ack(UInt64, multiple: Bool)
    case nack(UInt64, multiple: Bool)
    /// A mandatory message came back unroutable; its `basic.ack` follows.
    case returned(messageId: String?)
}

extension AMQPHandle {
    /// Publishes one persistent message (does not wait for the confirm).
    func publish(_ message: OutboundMessage) throws(AMQPError) {
        let arena = ByteArena()
        var properties = amqp_basic_properties_t()
        properties._flags = WHISTLE_PROPS_PUBLISH
        properties.content_type = arena.bytes(message.contentType)
        properties.delivery_mode = 2
        properties.message_id = arena.bytes(message.messageId)
        properties.timestamp = UInt64(Date().timeIntervalSince1970)
        properties._flags |= WHISTLE_FLAG_USER_ID
        properties.user_id = arena.bytes(userId)
        if let type = message.type {
            properties.type = arena.bytes(type)
        } else {
            properties._flags &= ~WHISTLE_FLAG_TYPE
        }
        if !message.headers.isEmpty {
            let entries = message.headers.sorted { $0.key < $1.key }.map { whistle_entry_utf8(arena.bytes($0.key), arena.bytes($0.value)) }
            properties._flags |= WHISTLE_FLAG_HEADERS
            properties.headers = arena.table(entries)
        }
        let status = message.body.withUnsafeBytes { raw -> Int32 in
            let body = amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress))
            return amqp_basic_publish(
                state, channel, arena.bytes(message.exchange), arena.bytes(message.routingKey),
                message.mandatory ? 1 : 0, 0, &properties, body)
        }
        try checkStatus(status, "basic.publish to \(message.exchange)")
    }

    /// Waits up to `timeoutMilliseconds` for the next confirm-related frame; nil on timeout.
    func nextConfirmFrame(timeoutMilliseconds: Int) throws(AMQPError) -> ConfirmFrame? {
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        while true {
            let remaining = max(0, Int(deadline.timeIntervalSinceNow * 1000))
            var frame = amqp_frame_t()
            var timeout = whistle_timeval_ms(remaining)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &timeout)
            if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
            try checkStatus(status, "waiting for publisher confirms")
            let method = whistle_frame_method_id(&frame)
            switch method {
            case WHISTLE_BASIC_ACK:
                let ack = whistle_frame_method(&frame).assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
                amqp_maybe_release_buffers(state)
                return .ack(ack.delivery_tag, multiple: ack.multiple != 0)
            case WHISTLE_BASIC_NACK:
                let nack = whistle_frame_method(&frame).assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
                amqp_maybe_release_buffers(state)
                return .nack(nack.delivery_tag, multiple: nack.multiple != 0)
            case WHISTLE_BASIC_RETURN:
                let messageId = try readReturnedContent()
                amqp_maybe_release_buffers(state)
                return .returned(messageId: messageId)
            case WHISTLE_CHANNEL_CLOSE, WHISTLE_CONNECTION_CLOSE:
                throw brokerClose(methodId: method, decoded: whistle_frame_method(&frame), context: "publishing")
            default:
                // Heartbeats are handled inside rabbitmq-c; connection.blocked/unblocked and
                // anything else carry nothing for the publisher.
                amqp_maybe_release_buffers(state)
                if deadline.timeIntervalSinceNow <= 0 { return nil }
            }
        }
    }

    /// Reads the header and body frames that follow `basic.return`; returns the message id.
    private func readReturnedContent() throws(AMQPError) -> String? {
        var header = amqp_frame_t()
        try checkStatus(amqp_simple_wait_frame(state, &header), "reading a returned message")
        var messageId: String?
        if let properties = whistle_frame_properties(&header),
            properties.pointee._flags & WHISTLE_FLAG_MESSAGE_ID != 0
        {
            messageId = properties.pointee.message_id.string
        }
        var remaining = whistle_frame_body_size(&header)
        while remaining > 0 {
            var body = amqp_frame_t()
            try checkStatus(amqp_simple_wait_frame(state, &body), "reading a returned message")
            let length = UInt64(whistle_frame_body_fragment_len(&body))
            guard length > 0 else { break }
            remaining -= min(remaining, length)
        }
        return messageId
    }
}
