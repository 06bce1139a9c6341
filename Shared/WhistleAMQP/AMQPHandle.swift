import CRabbitMQ
import Foundation

/// Owns one rabbitmq-c connection with channel 1 open.
///
/// Not thread-safe: an `AMQPConnection` confines it to its dedicated thread. Freed in deinit
/// (closing politely when the connection is still healthy).
final class AMQPHandle {
    let state: amqp_connection_state_t
    private(set) var healthy = true
    let channel: amqp_channel_t = 1
    /// Set as `user_id` on every message published: the broker checks it is the connection's
    /// user, so a receiver knows who published (a department's reply is tied to its user).
    let userId: String

    /// Connects to `node`, one of `configuration.nodes`, logs in and opens channel 1.
    init(configuration: AMQPConfiguration, node: AMQPNode) throws(AMQPError) {
        guard let state = amqp_new_connection() else { throw AMQPError(.connection, "amqp_new_connection failed") }
        self.state = state
        userId = configuration.user
        do {
            try Self.openSocket(state, configuration, node: node)
        } catch {
            healthy = false
            throw error
        }
        var handshake = whistle_timeval_ms(configuration.connectTimeoutMilliseconds)
        amqp_set_handshake_timeout(state, &handshake)
        var rpc = whistle_timeval_ms(configuration.rpcTimeoutMilliseconds)
        amqp_set_rpc_timeout(state, &rpc)
        let login = whistle_amqp_login_plain(
            state, configuration.vhost, 0, 131_072, Int32(configuration.heartbeatSeconds),
            configuration.user, configuration.password)
        do {
            try check(login, "login as \(configuration.user) on \(node)")
            amqp_channel_open(state, channel)
            try check(amqp_get_rpc_reply(state), "channel.open")
        } catch {
            healthy = false
            throw error
        }
    }

    deinit {
        if healthy {
            _ = amqp_channel_close(state, channel, Int32(AMQP_REPLY_SUCCESS))
            _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        }
        amqp_destroy_connection(state)
    }

    /// Marks the connection unusable (it is then destroyed without a close handshake).
    func markBroken() { healthy = false }

    /// Turns an RPC reply into success or an `AMQPError`; a broker close is acknowledged.
    func check(_ reply: amqp_rpc_reply_t, _ context: String) throws(AMQPError) {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            healthy = false
            let code: AMQPError.Code = reply.library_error == AMQP_STATUS_TIMEOUT.rawValue ? .timeout : .connection
            throw AMQPError(code, "\(context): \(Self.statusText(reply.library_error))")
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            healthy = false
            throw brokerClose(methodId: reply.reply.id, decoded: reply.reply.decoded, context: context)
        default:
            healthy = false
            throw AMQPError(.connection, "\(context): no reply from the broker")
        }
    }

    /// Reads a channel.close or connection.close the broker sent, answers it, and returns the error.
    func brokerClose(methodId: amqp_method_number_t, decoded: UnsafeMutableRawPointer?, context: String) -> AMQPError {
        healthy = false
        if methodId == WHISTLE_CHANNEL_CLOSE, let decoded {
            let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, channel, WHISTLE_CHANNEL_CLOSE_OK, &ok)
            return AMQPError(.brokerClosed, "\(context): channel closed: \(close.reply_text.string)", replyCode: close.reply_code)
        }
        if methodId == WHISTLE_CONNECTION_CLOSE, let decoded {
            let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, 0, WHISTLE_CONNECTION_CLOSE_OK, &ok)
            return AMQPError(.brokerClosed, "\(context): connection closed: \(close.reply_text.string)", replyCode: close.reply_code)
        }
        return AMQPError(.brokerClosed, "\(context): unexpected method \(methodId) from the broker")
    }

    /// Turns a library status into an error (status < 0).
    func checkStatus(_ status: Int32, _ context: String) throws(AMQPError) {
        guard status < 0 else { return }
        healthy = false
        let code: AMQPError.Code = status == AMQP_STATUS_TIMEOUT.rawValue ? .timeout : .connection
        throw AMQPError(code, "\(context): \(Self.statusText(status))")
    }

    static func statusText(_ status: Int32) -> String {
        guard let text = amqp_error_string2(status) else { return "status \(status)" }
        return String(cString: text)
    }
}
