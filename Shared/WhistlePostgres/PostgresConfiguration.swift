import Foundation

/// Where and how to connect, and how many connections a `PostgresPool` may open.
///
/// `description` never shows the password.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// Host name, IP address, or a Unix-socket directory (starting with `/`).
    public var host: String
    /// TCP port (or the socket file's port suffix); 5432 unless the URL says otherwise.
    public var port: Int
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
        self.host = host
        self.port = port
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
        var host = "", portText: Substring = ""
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("unclosed [ in IPv6 host") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = try decoded(rest[..<colon], "host")
            portText = rest[rest.index(after: colon)...]
        } else {
            host = try decoded(rest, "host")
        }
        var port = 5432
        if !portText.isEmpty {
            guard let value = Int(portText), (1...65_535).contains(value) else { throw invalid("port must be 1–65535") }
            port = value
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
            case "host": host = value
            case "port":
                guard let value = Int(value), (1...65_535).contains(value) else { throw invalid("port must be 1–65535") }
                port = value
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "":
                throw invalid("empty query key")
            default: parameters[key] = value
            }
        }
        guard !host.isEmpty else { throw invalid("missing host") }
        guard !user.isEmpty else { throw invalid("missing user") }
        if database.isEmpty { database = user }
        self.init(
            host: host, port: port, user: user, password: password, database: database,
            applicationName: appName, poolSize: poolSize, connectTimeoutSeconds: timeout, parameters: parameters)
    }

    /// The configuration as a URL-like text with the password hidden.
    public var description: String {
        let secret = password.isEmpty ? "" : ":***"
        return "postgres://\(user)\(secret)@\(host):\(port)/\(database) (pool \(poolSize))"
    }

    /// libpq keyword/value pairs for `PQconnectdbParams`.
    var connectionKeywords: [(String, String)] {
        var pairs: [(String, String)] = [
            ("host", host), ("port", String(port)), ("user", user), ("dbname", database),
            ("application_name", applicationName), ("connect_timeout", String(connectTimeoutSeconds)),
            ("client_encoding", "UTF8"),
        ]
        if !password.isEmpty { pairs.append(("password", password)) }
        var options = "-c TimeZone=UTC -c DateStyle=ISO"
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
            if key == "options" { options += " " + value } else { pairs.append((key, value)) }
        }
        pairs.append(("options", options))
        return pairs
    }
}
