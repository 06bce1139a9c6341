import CRabbitMQ

extension AMQPHandle {
    /// Creates the connection's socket to `node` — TCP, or rabbitmq-c's OpenSSL socket for
    /// `amqps://` — and opens it within the connect timeout. Every C status becomes an `AMQPError`
    /// that says what failed (a CA that does not match, a host name the certificate does not carry, …).
    static func openSocket(_ state: amqp_connection_state_t, _ configuration: AMQPConfiguration, node: AMQPNode) throws(AMQPError) {
        let target = "\(node)"
        let socket: OpaquePointer
        if let tls = configuration.tls {
            guard let ssl = amqp_ssl_socket_new(state) else {
                throw AMQPError(.connection, "TLS to \(target): amqp_ssl_socket_new failed")
            }
            socket = ssl
            try configureTLS(ssl, tls, target: target)
        } else {
            guard let tcp = amqp_tcp_socket_new(state) else { throw AMQPError(.connection, "amqp_tcp_socket_new failed") }
            socket = tcp
        }
        var connectTimeout = whistle_timeval_ms(configuration.connectTimeoutMilliseconds)
        let opened = amqp_socket_open_noblock(socket, node.host, Int32(node.port), &connectTimeout)
        guard opened == AMQP_STATUS_OK.rawValue else {
            throw AMQPError(opened == AMQP_STATUS_TIMEOUT.rawValue ? .timeout : .connection, openFailure(opened, configuration, node: node))
        }
    }

    private static func configureTLS(_ socket: OpaquePointer, _ tls: AMQPTLSOptions, target: String) throws(AMQPError) {
        let verify: amqp_boolean_t = tls.verifyPeer ? 1 : 0
        amqp_ssl_socket_set_verify_peer(socket, verify)
        amqp_ssl_socket_set_verify_hostname(socket, verify)
        if let caFile = tls.effectiveCAFile {
            let status = amqp_ssl_socket_set_cacert(socket, caFile)
            guard status == AMQP_STATUS_OK.rawValue else {
                throw AMQPError(.connection, "TLS to \(target): cannot load the CA file \(caFile) (\(statusText(status)))")
            }
        }
        if let certFile = tls.certFile, let keyFile = tls.keyFile {
            let status = amqp_ssl_socket_set_key(socket, certFile, keyFile)
            guard status == AMQP_STATUS_OK.rawValue else {
                throw AMQPError(
                    .connection,
                    "TLS to \(target): cannot load the client certificate \(certFile) with key \(keyFile) (\(statusText(status)))")
            }
        }
    }

    /// Why opening the socket failed, in words an operator can act on.
    private static func openFailure(_ status: Int32, _ configuration: AMQPConfiguration, node: AMQPNode) -> String {
        let target = "\(node)"
        let detail = statusText(status)
        guard let tls = configuration.tls else { return "cannot reach \(target): \(detail)" }
        let ca = tls.effectiveCAFile ?? "none"
        switch status {
        case AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue:
            return "TLS to \(target): the broker's certificate is not signed by a CA in \(ca) (verify_peer): \(detail)"
        case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue:
            return "TLS to \(target): the broker's certificate does not name host \(node.host) (verify_peer): \(detail)"
        case AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue, AMQP_STATUS_SSL_ERROR.rawValue:
            return "TLS handshake with \(target) failed (CA \(ca)); is it the broker's TLS port, and does it accept this client? \(detail)"
        default:
            return "cannot reach \(target) over TLS: \(detail)"
        }
    }
}
