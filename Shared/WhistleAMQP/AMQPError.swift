/// The one error type of WhistleAMQP: every rabbitmq-c status becomes one of these at the boundary.
public struct AMQPError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The `amqp://` URL could not be read.
        case invalidURL = "invalid_url"
        /// The TCP connection, login or a socket read/write failed; reconnecting may help.
        case connection
        /// The broker closed the channel or connection (e.g. 404 NOT_FOUND, 406 PRECONDITION_FAILED).
        case brokerClosed = "broker_closed"
        /// A call did not complete in time.
        case timeout
        /// The connection object was closed by its owner.
        case closed
    }

    public var code: Code
    public var message: String
    /// The AMQP reply code when the broker closed the channel or connection.
    public var replyCode: UInt16?

    public init(_ code: Code, _ message: String, replyCode: UInt16? = nil) {
        self.code = code
        self.message = message
        self.replyCode = replyCode
    }

    public var description: String {
        if let replyCode { return "AMQP \(code.rawValue) (\(replyCode)): \(message)" }
        return "AMQP \(code.rawValue): \(message)"
    }

    /// True when the connection is gone and a new one should be made.
    public var requiresReconnect: Bool { code != .invalidURL && code != .closed }
}
