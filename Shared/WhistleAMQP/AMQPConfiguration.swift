/// Where and how to connect to RabbitMQ, read from an `amqp://user:password@host:port/vhost` URL
/// (or `amqps://…` for TLS, see `AMQPTLSOptions`), or from a comma-separated list of such URLs
/// naming the nodes of one cluster (see `init(url:)`).
public struct AMQPConfiguration: Sendable, Equatable {
    /// The broker nodes, in the order of the URL. A connection uses one node at a time: it tries
    /// them in order, starting after the node that failed last, and moves on to the next node
    /// whenever its node fails. One node for a plain `amqp://host` URL.
    public var nodes: [AMQPNode]
    public var user: String
    public var password: String
    public var vhost: String
    /// Heartbeat interval negotiated with the broker, in seconds (0 disables).
    public var heartbeatSeconds: Int
    /// Bound on opening the socket and on the login handshake, in milliseconds (per node).
    public var connectTimeoutMilliseconds: Int
    /// Bound on each synchronous RPC (declare, qos, consume), in milliseconds.
    public var rpcTimeoutMilliseconds: Int
    /// TLS settings when the broker is reached over TLS (`amqps://`); nil for plain TCP.
    public var tls: AMQPTLSOptions?

    /// The first node's host name or address; setting it changes the first node.
    public var host: String {
        get { nodes.first?.host ?? "" }
        set { if nodes.isEmpty { nodes = [AMQPNode(host: newValue, port: 5672)] } else { nodes[0].host = newValue } }
    }

    /// The first node's port; setting it changes the first node.
    public var port: Int {
        get { nodes.first?.port ?? 0 }
        set { if nodes.isEmpty { nodes = [AMQPNode(host: "127.0.0.1", port: newValue)] } else { nodes[0].port = newValue } }
    }

    public init(
        host: String = "127.0.0.1", port: Int = 5672, user: String = "guest", password: String = "guest",
        vhost: String = "/", heartbeatSeconds: Int = 30, connectTimeoutMilliseconds: Int = 5000,
        rpcTimeoutMilliseconds: Int = 10_000, tls: AMQPTLSOptions? = nil
    ) {
        self.nodes = [AMQPNode(host: host, port: port)]
        self.user = user
        self.password = password
        self.vhost = vhost
        self.heartbeatSeconds = heartbeatSeconds
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.rpcTimeoutMilliseconds = rpcTimeoutMilliseconds
        self.tls = tls
    }

    /// Reads a broker URL or a list of them (the nodes of one cluster).
    ///
    /// One URL: `amqp://user:password@host:port/vhost?heartbeat=30`; see `parse(single:)`.
    ///
    /// Several nodes, two equivalent forms:
    /// - a comma-separated list of whole URLs,
    ///   `amqp://u:p@rabbit-1:5672/%2F,amqp://u:p@rabbit-2:5672/%2F,amqp://u:p@rabbit-3:5672/%2F`;
    /// - one URL with a comma-separated host list, `amqp://u:p@rabbit-1:5672,rabbit-2:5672,rabbit-3/%2F`.
    ///
    /// The nodes of a list belong to one cluster: every URL must name the same user, password,
    /// vhost, scheme (`amqp` or `amqps`) and query parameters; a list that mixes them is refused
    /// with `.invalidURL` saying which URL differs. The list is split only before `amqp://` or
    /// `amqps://`, so a comma inside a password stays part of it.
    public init(url: String) throws(AMQPError) {
        let urls = Self.splitList(url)
        var configuration = try Self.parse(single: urls[0])
        for (offset, other) in urls.dropFirst().enumerated() {
            let node = try Self.parse(single: other)
            try Self.checkSameCluster(configuration, node, position: offset + 2)
            configuration.nodes += node.nodes
        }
        self = configuration
    }

    /// Reads one URL, `amqp://user:password@host:port/vhost?heartbeat=30`. The vhost is
    /// percent-decoded (`%2F` is `/`); an empty path means `/`. User and password default to
    /// guest. The host part may list several nodes, `host1:port1,host2:port2` (IPv6 in brackets).
    ///
    /// `amqps://` connects over TLS (default port 5671) and takes the TLS parameters of RabbitMQ's
    /// URI specification: `cacertfile`, `certfile`, `keyfile`, `verify=verify_peer|verify_none`
    /// (percent-decoded); the broker's certificate is verified unless `verify=verify_none`.
    static func parse(single url: String) throws(AMQPError) -> AMQPConfiguration {
        var configuration = AMQPConfiguration()
        try configuration.read(url)
        return configuration
    }

    private mutating func read(_ url: String) throws(AMQPError) {
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
        nodes = try rest.split(separator: ",", omittingEmptySubsequences: false).map { text throws(AMQPError) in
            try AMQPNode(text, defaultPort: port)
        }
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
                guard try options.apply(key: key, value: value, hosts: nodes.map(\.host)) else {
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

    /// The URL without the password (nor TLS file paths), for logs: every node, in the one-URL
    /// form `amqp://user@host1:port1,host2:port2/vhost`.
    public var redacted: String {
        let hosts = nodes.map(\.description).joined(separator: ",")
        return "\(tls == nil ? "amqp" : "amqps")://\(user)@\(hosts)/\(vhost == "/" ? "%2F" : vhost)"
    }

    static func decode(_ text: Substring) throws(AMQPError) -> String {
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
