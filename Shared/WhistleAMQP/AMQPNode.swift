/// One broker node of an `AMQPConfiguration`: where a connection may open its socket.
///
/// `description` is `host:port` (an IPv6 address in brackets): what logs show of a node. It
/// never carries a user or password.
public struct AMQPNode: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address.
    public var host: String
    /// TCP port (5672 for `amqp://`, 5671 for `amqps://` unless the URL says otherwise).
    public var port: Int

    /// A node at `host:port`.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Reads one `host`, `host:port` or `[ipv6]:port` of a URL's host list.
    init(_ text: Substring, defaultPort: Int) throws(AMQPError) {
        var rest = text
        var port = defaultPort
        let host: String
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
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private static func port(_ text: Substring) throws(AMQPError) -> Int {
        guard let value = Int(text), (1...65535).contains(value) else {
            throw AMQPError(.invalidURL, "bad port \(text)")
        }
        return value
    }
}

extension AMQPConfiguration {
    /// Splits a broker setting into its URLs: at every comma that is followed by `amqp://` or
    /// `amqps://`. A single URL (even one whose password holds a comma) comes back whole.
    public static func splitList(_ text: String) -> [String] {
        var urls: [String] = []
        var current = Substring(text)
        var searchFrom = current.startIndex
        while let comma = current[searchFrom...].firstIndex(of: ",") {
            let next = current[current.index(after: comma)...]
            if next.hasPrefix("amqp://") || next.hasPrefix("amqps://") {
                urls.append(String(current[..<comma]))
                current = next
                searchFrom = current.startIndex
            } else {
                searchFrom = current.index(after: comma)
            }
        }
        urls.append(String(current))
        return urls
    }

    /// Refuses a list whose URL number `position` does not name the same cluster as the first:
    /// user, password, vhost, scheme and query parameters must agree (only nodes may differ).
    static func checkSameCluster(_ first: AMQPConfiguration, _ other: AMQPConfiguration, position: Int) throws(AMQPError) {
        func refuse(_ what: String) -> AMQPError {
            AMQPError(
                .invalidURL,
                "the broker URLs of a list must be nodes of one cluster with the same user, password, vhost and parameters; "
                    + "URL \(position) \(what)")
        }
        if other.user != first.user { throw refuse("names user \(other.user), URL 1 names user \(first.user)") }
        if other.password != first.password { throw refuse("has another password than URL 1") }
        if other.vhost != first.vhost { throw refuse("names vhost \(other.vhost), URL 1 names vhost \(first.vhost)") }
        if (other.tls == nil) != (first.tls == nil) { throw refuse("mixes amqp:// and amqps:// with URL 1") }
        if other.tls != first.tls { throw refuse("has other TLS parameters than URL 1") }
        if other.heartbeatSeconds != first.heartbeatSeconds || other.connectTimeoutMilliseconds != first.connectTimeoutMilliseconds {
            throw refuse("has another heartbeat or connection_timeout than URL 1")
        }
    }
}
