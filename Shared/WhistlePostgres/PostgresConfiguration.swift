import Foundation

/// Where and how to connect, and how many connections a `PostgresPool` may open.
///
/// One server or several (`servers`): libpq tries them in order on every connection attempt, and
/// with `target_session_attrs=read-write` skips a standby, so a pool follows a promoted standby.
/// `description` never shows the password.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// One host of the server list: where libpq may connect.
    public struct Server: Sendable, Equatable, CustomStringConvertible {
        /// Host name, IP address, or a Unix-socket directory (starting with `/`).
        public var host: String
        /// TCP port (or the socket file's port suffix).
        public var port: Int

        /// A server at `host:port`.
        public init(host: String, port: Int = 5432) {
            self.host = host
            self.port = port
        }

        /// `host:port`, an IPv6 address in brackets.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The servers, in the order libpq tries them (`host=h1,h2 port=p1,p2`); never empty.
    public var servers: [Server]
    /// The first server's host; setting it changes the first server.
    public var host: String {
        get { servers.first?.host ?? "" }
        set { if servers.isEmpty { servers = [Server(host: newValue)] } else { servers[0].host = newValue } }
    }
    /// The first server's port; setting it changes the first server.
    public var port: Int {
        get { servers.first?.port ?? 5432 }
        set { if servers.isEmpty { servers = [Server(host: "", port: newValue)] } else { servers[0].port = newValue } }
    }
    /// Role name.
    public var user: String
    /// Password, or empty for none.
    public var password: String
    /// Database name.
    public var database: String
    /// Sent as `application_name`, visible in `pg_stat_activity`.
    public var applicationName: String
    /// Most connections the pool opens (they are opened lazily). Default 4.
    public var poolSize: Int
    /// Seconds libpq waits for a connection to open (`connect_timeout`). Default 5.
    public var connectTimeoutSeconds: Int
    /// Further libpq connection keywords from the URL's query, such as `sslmode`.
    public var parameters: [String: String]

    /// Creates a configuration from its parts.
    public init(
        host: String, port: Int = 5432, user: String, password: String = "", database: String,
        applicationName: String = "whistle", poolSize: Int = 4, connectTimeoutSeconds: Int = 5,
        parameters: [String: String] = [:]
    ) {
        self.servers = [Server(host: host, port: port)]
        self.user = user
        self.password = password
        self.database = database
        self.applicationName = applicationName
        self.poolSize = max(1, poolSize)
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.parameters = parameters
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=disable` (scheme `postgres`
    /// or `postgresql`). User, password, database and query values are percent-decoded. The port
    /// defaults to 5432 and the database to the user name. The query may carry `connect_timeout`,
    /// `application_name`, `host` (for a socket directory) and other libpq keywords. TLS keywords
    /// (`sslmode=verify-full`, `sslrootcert`, `sslcert`, `sslkey`, `sslpassword`) go to libpq
    /// untouched, and `description` never shows them.
    ///
    /// Several hosts, libpq's multi-host form: `postgres://user:pw@db-1:5432,db-2:5432/whistle?target_session_attrs=read-write`
    /// (a host without a port gets 5432; `?host=a,b&port=p1,p2` works too, one port for all or
    /// one per host). libpq tries the hosts in order; `target_session_attrs=read-write` (or
    /// `primary`) makes it pass over a standby, so the pool reaches whichever host is primary.
    /// `target_session_attrs`, `load_balance_hosts` and other keywords go to libpq unchanged.
    ///
    /// Throws `PostgresError` with code `.invalidURL` naming what is wrong (never the password).
    public init(url: String, poolSize: Int = 4, applicationName: String = "whistle") throws(PostgresError) {
        func invalid(_ why: String) -> PostgresError { PostgresError(.invalidURL, "invalid PostgreSQL URL: \(why)") }
        func decoded(_ text: Substring, _ what: String) throws(PostgresError) -> String {
            guard let value = String(text).removingPercentEncoding else { throw invalid("bad percent-encoding in \(what)") }
            return value
        }
        guard let schemeEnd = url.range(of: "://") else { throw invalid("expected postgres://user:password@host:port/database") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else { throw invalid("scheme must be postgres or postgresql") }
        var rest = url[schemeEnd.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var user = "", password = ""
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try decoded(userInfo[..<colon], "user")
                password = try decoded(userInfo[userInfo.index(after: colon)...], "password")
            } else {
                user = try decoded(userInfo, "user")
            }
        }
        var hosts: [String] = [], ports: [Int] = []
        for item in rest.split(separator: ",", omittingEmptySubsequences: false) {
            let (host, port) = try Self.hostAndPort(item, invalid: invalid, decoded: decoded)
            hosts.append(host)
            ports.append(port)
        }
        var database = try decoded(path, "database")
        guard !database.contains("/") else { throw invalid("database name must not contain /") }

        var timeout = 5
        var appName = applicationName
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let eq = pair.firstIndex(of: "=") else { throw invalid("query item without =") }
            let key = try decoded(pair[..<eq], "query key")
            let value = try decoded(pair[pair.index(after: eq)...], "query value")
            switch key {
            case "connect_timeout":
                guard let seconds = Int(value), seconds >= 0 else { throw invalid("connect_timeout must be a whole number") }
                timeout = seconds
            case "application_name": appName = value
            case "host": hosts = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            case "port":
                ports = []
                for text in value.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let port = Int(text), (1...65_535).contains(port) else { throw invalid("port must be 1–65535") }
                    ports.append(port)
                }
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "":
                throw invalid("empty query key")
            default: parameters[key] = value
            }
        }
        guard !hosts.contains(where: \.isEmpty) else { throw invalid("missing host") }
        if ports.count == 1, hosts.count > 1 { ports = Array(repeating: ports[0], count: hosts.count) }
        if hosts.count == 1, ports.count > 1 { hosts = Array(repeating: hosts[0], count: ports.count) }
        guard ports.count == hosts.count else { throw invalid("\(hosts.count) hosts but \(ports.count) ports") }
        guard !user.isEmpty else { throw invalid("missing user") }
        if database.isEmpty { database = user }
        self.init(
            host: hosts[0], port: ports[0], user: user, password: password, database: database,
            applicationName: appName, poolSize: poolSize, connectTimeoutSeconds: timeout, parameters: parameters)
        servers = zip(hosts, ports).map { Server(host: $0, port: $1) }
    }

    /// Reads one `host`, `host:port` or `[ipv6]:port` of the URL's host list.
    private static func hostAndPort(
        _ item: Substring, invalid: (String) -> PostgresError, decoded: (Substring, String) throws(PostgresError) -> String
    ) throws(PostgresError) -> (String, Int) {
        var host = "", portText: Substring = ""
        if item.hasPrefix("[") {
            guard let close = item.firstIndex(of: "]") else { throw invalid("unclosed [ in IPv6 host") }
            host = String(item[item.index(after: item.startIndex)..<close])
            let after = item[item.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = item.firstIndex(of: ":") {
            host = try decoded(item[..<colon], "host")
            portText = item[item.index(after: colon)...]
        } else {
            host = try decoded(item, "host")
        }
        guard !portText.isEmpty else { return (host, 5432) }
        guard let port = Int(portText), (1...65_535).contains(port) else { throw invalid("port must be 1–65535") }
        return (host, port)
    }

    /// The configuration as a URL-like text with the password hidden.
    public var description: String {
        let secret = password.isEmpty ? "" : ":***"
        return "postgres://\(user)\(secret)@\(serverList)/\(database) (pool \(poolSize))"
    }

    /// `postgres://user@host1:port1,host2:port2/database`: every server, no password, for messages.
    public var redacted: String { "postgres://\(user)@\(serverList)/\(database)" }

    private var serverList: String { servers.map(\.description).joined(separator: ",") }

    /// TCP settings that let a connection notice a server that vanished without closing it (a
    /// stopped primary's address gone from the network): keepalive probes after 10 s idle, every
    /// 3 s, 3 of them; and at most 15 s for sent data to be acknowledged (`tcp_user_timeout`).
    /// The connection then fails as lost, and the unit of work is retried on the new primary,
    /// instead of waiting for the kernel's retransmission timeout (many minutes). The URL's own
    /// values of these keywords win.
    static let deadPeerDefaults: [(String, String)] = [
        ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "3"), ("keepalives_count", "3"),
        ("tcp_user_timeout", "15000"),
    ]

    /// libpq keyword/value pairs for `PQconnectdbParams`. Every session runs in UTC with ISO
    /// dates and without JIT compilation: the services' statements take milliseconds, and a plan
    /// whose estimate crosses `jit_above_cost` (intake's merge candidates on a table of many open
    /// tickets) spent about 2 s compiling, every batch. A URL's `options` (e.g. `-c jit=on`) come
    /// after these, so they win.
    var connectionKeywords: [(String, String)] {
        var pairs: [(String, String)] = [
            ("host", servers.map(\.host).joined(separator: ",")), ("port", servers.map { String($0.port) }.joined(separator: ",")),
            ("user", user), ("dbname", database),
            ("application_name", applicationName), ("connect_timeout", String(connectTimeoutSeconds)),
            ("client_encoding", "UTF8"),
        ]
        if !password.isEmpty { pairs.append(("password", password)) }
        for (key, value) in Self.deadPeerDefaults where parameters[key] == nil { pairs.append((key, value)) }
        var options = "-c TimeZone=UTC -c DateStyle=ISO -c jit=off"
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
            if key == "options" { options += " " + value } else { pairs.append((key, value)) }
        }
        pairs.append(("options", options))
        return pairs
    }
}
