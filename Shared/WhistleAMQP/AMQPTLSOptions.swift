/// TLS settings of an `amqps://` connection (rabbitmq-c's OpenSSL socket).
///
/// Read from the URL's query in the style of RabbitMQ's URI specification:
/// `amqps://user:password@broker:5671/%2F?cacertfile=/etc/whistle/ca.pem&certfile=…&keyfile=…&verify=verify_peer`.
/// Verification of the broker's certificate and host name is on unless `verify=verify_none`.
public struct AMQPTLSOptions: Sendable, Equatable {
    /// The system's CA bundle, used to verify the broker when no `cacertfile` is given
    /// (rabbitmq-c 0.11 does not fall back to OpenSSL's default locations by itself).
    public static let systemCAFile = "/etc/ssl/certs/ca-certificates.crt"

    /// PEM file of the CA(s) that sign the broker's certificate (`cacertfile`).
    public var caFile: String?
    /// PEM file of the client certificate chain, for brokers that ask for one (`certfile`).
    public var certFile: String?
    /// PEM file of the client certificate's private key (`keyfile`).
    public var keyFile: String?
    /// Whether the broker's certificate chain and host name are checked (`verify=verify_peer`, the
    /// default) or not (`verify=verify_none`, for a test bench only).
    public var verifyPeer: Bool

    /// Creates TLS options; verification is on unless `verifyPeer` is false.
    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, verifyPeer: Bool = true) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.verifyPeer = verifyPeer
    }

    /// The CA file the connection loads: `caFile`, else the system bundle when verifying.
    public var effectiveCAFile: String? { caFile ?? (verifyPeer ? Self.systemCAFile : nil) }

    /// The URL query parameters that configure TLS.
    static let parameters: Set<String> = ["cacertfile", "certfile", "keyfile", "verify", "server_name_indication"]

    /// Applies one TLS query parameter of an `amqps://` URL whose nodes are `hosts`; false when
    /// `key` is not a TLS parameter.
    mutating func apply(key: String, value: String, hosts: [String]) throws(AMQPError) -> Bool {
        func nonEmpty() throws(AMQPError) -> String {
            guard !value.isEmpty else { throw AMQPError(.invalidURL, "query parameter \(key) needs a file path") }
            return value
        }
        switch key {
        case "cacertfile": caFile = try nonEmpty()
        case "certfile": certFile = try nonEmpty()
        case "keyfile": keyFile = try nonEmpty()
        case "verify":
            switch value {
            case "verify_peer": verifyPeer = true
            case "verify_none": verifyPeer = false
            default: throw AMQPError(.invalidURL, "verify must be verify_peer or verify_none, not \(value)")
            }
        case "server_name_indication":
            // rabbitmq-c 0.11 sends and verifies the URL's host; it cannot ask for another name.
            guard hosts.allSatisfy({ $0 == value }) else {
                throw AMQPError(
                    .invalidURL,
                    "server_name_indication=\(value) is not supported: rabbitmq-c checks the URL's host "
                        + "(\(hosts.joined(separator: ","))); connect to the name the certificate carries")
            }
        default:
            return false
        }
        return true
    }

    /// Checks that a client certificate comes with its key.
    func validate() throws(AMQPError) {
        if (certFile == nil) != (keyFile == nil) {
            throw AMQPError(.invalidURL, "certfile and keyfile go together (a client certificate needs its key)")
        }
    }
}
