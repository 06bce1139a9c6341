/// Where and how to connect to RabbitMQ, read from an `amqp://user:password@host:port/vhost` URL
/// (or `amqps://…` for TLS, see `AMQPTLSOptions`).
public struct AMQPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String
    /// Heartbeat interval negotiated with the broker, in seconds (0 disables).
    public var heartbeatSeconds: Int
    /// Bound on opening the socket and on the login handshake, in milliseconds.
    public var connectTimeoutMilliseconds: Int
    /// Bound on each synchronous RPC (declare, qos, consume), in milliseconds.
    public var rpcTimeoutMilliseconds: Int
    /// TLS settings when the broker is reached over TLS (`amqps://`); nil for plain TCP.
    public var tls: AMQPTLSOptions?

    public init(
        host: String = "127.0.0.1", port: Int = 5672, user: String = "guest", password: String = "guest",
        vhost: String = "/", heartbeatSeconds: Int = 30, connectTimeoutMilliseconds: Int = 5000,
        rpcTimeoutMilliseconds: Int = 10_000, tls: AMQPTLSOptions? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.vhost = vhost
        self.heartbeatSeconds = heartbeatSeconds
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.rpcTimeoutMilliseconds = rpcTimeoutMilliseconds
        self.tls = tls
    }

    /// Reads `amqp://user:password@host:port/vhost?heartbeat=30`. The vhost is percent-decoded
    /// (`%2F` is `/`); an empty path means `/`. User and password default to guest.
    ///
    /// `amqps://` connects over TLS (default port 5671) and takes the TLS parameters of RabbitMQ's
    /// URI specification: `cacertfile`, `certfile`, `keyfile`, `verify=verify_peer|verify_none`
    /// (percent-decoded); the broker's certificate is verified unless `verify=verify_none`.
    public init(url: String) throws(AMQPError) {
        self.init()
        let scheme: String
        if url.hasPrefix("amqps://") {
            scheme = "amqps://"
            port = 5671
            tls = AMQPTLSOptions()
        } else if url.hasPrefix("amqp://") {
            scheme = "amqp://"
        } else {
            throw AMQPError(.invalidURL, "the URL must start with amqp:// or amqps://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path: Substring?
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon])
                password = try Self.decode(userInfo[userInfo.index(after: colon)...])
            } else {
                user = try Self.decode(userInfo)
            }
        }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw AMQPError(.invalidURL, "unclosed IPv6 address") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            if rest.hasPrefix(":") { port = try Self.port(rest.dropFirst()) }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            port = try Self.port(rest[rest.index(after: colon)...])
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw AMQPError(.invalidURL, "the URL names no host") }
        if let path, !path.isEmpty { vhost = try Self.decode(path) }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw AMQPError(.invalidURL, "bad query parameter \(pair)") }
            let key = String(parts[0])
            let value = try Self.decode(parts[1])
            if key == "heartbeat" || key == "connection_timeout" {
                guard let number = Int(value), number >= 0 else { throw AMQPError(.invalidURL, "bad query parameter \(pair)") }
                if key == "heartbeat" { heartbeatSeconds = number } else { connectTimeoutMilliseconds = number }
            } else if var options = tls {
                guard try options.apply(key: key, value: value, host: host) else {
                    throw AMQPError(.invalidURL, "unknown query parameter \(key)")
                }
                tls = options
            } else if AMQPTLSOptions.parameters.contains(key) {
                throw AMQPError(.invalidURL, "query parameter \(key) needs an amqps:// URL")
            } else {
                throw AMQPError(.invalidURL, "unknown query parameter \(key)")
            }
        }
        try tls?.validate()
    }

    /// The URL without the password (nor TLS file paths), for logs.
    public var redacted: String {
        "\(tls == nil ? "amqp" : "amqps")://\(user)@\(host):\(port)/\(vhost == "/" ? "%2F" : vhost)"
    }

    private static func port(_ text: Substring) throws(AMQPError) -> Int {
        guard let value = Int(text), (1...65535).contains(value) else {
            throw AMQPError(.invalidURL, "bad port \(text)")
        }
        return value
    }

    private static func decode(_ text: Substring) throws(AMQPError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let h = iterator.next(), let l = iterator.next(),
                let value = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16)
            else { throw AMQPError(.invalidURL, "bad percent-encoding in \(text)") }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
