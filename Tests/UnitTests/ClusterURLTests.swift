import Testing
import WhistleAMQP

@testable import WhistlePostgres

/// Broker URLs naming several nodes of one cluster, and database URLs naming several hosts.
@Suite("Several broker nodes and database hosts in one URL setting")
struct ClusterURLTests {
    static let threeNodes = [
        AMQPNode(host: "rabbit-1", port: 5672), AMQPNode(host: "rabbit-2", port: 5673), AMQPNode(host: "rabbit-3", port: 5672),
    ]

    @Test("a comma-separated list of amqp:// URLs gives the nodes in order with one user and vhost")
    func urlList() throws {
        let c = try AMQPConfiguration(
            url: "amqp://whistle-intake:s%40cret@rabbit-1:5672/city,amqp://whistle-intake:s%40cret@rabbit-2:5673/city,"
                + "amqp://whistle-intake:s%40cret@rabbit-3/city")
        #expect(c.nodes == Self.threeNodes)
        #expect(c.user == "whistle-intake" && c.password == "s@cret" && c.vhost == "city")
        #expect(c.host == "rabbit-1" && c.port == 5672, "host and port are the first node's")
        #expect(c.redacted == "amqp://whistle-intake@rabbit-1:5672,rabbit-2:5673,rabbit-3:5672/city")
        #expect(!c.redacted.contains("cret"))
    }

    @Test("one URL with a host list is the same configuration as the list of URLs")
    func hostList() throws {
        let list = try AMQPConfiguration(url: "amqp://u:p@rabbit-1,rabbit-2:5673,rabbit-3/%2F?heartbeat=10")
        #expect(list.nodes == Self.threeNodes)
        #expect(list.heartbeatSeconds == 10 && list.vhost == "/")
        let urls = try AMQPConfiguration(
            url: "amqp://u:p@rabbit-1/%2F?heartbeat=10,amqp://u:p@rabbit-2:5673/%2F?heartbeat=10,amqp://u:p@rabbit-3/%2F?heartbeat=10")
        #expect(urls == list)
    }

    @Test("amqps:// lists keep TLS on every node (port 5671 by default) and IPv6 nodes in brackets")
    func tlsAndIPv6() throws {
        let c = try AMQPConfiguration(url: "amqps://u:p@[fd00::1]:5771,[fd00::2]/%2F?verify=verify_none")
        #expect(c.nodes == [AMQPNode(host: "fd00::1", port: 5771), AMQPNode(host: "fd00::2", port: 5671)])
        #expect(c.tls?.verifyPeer == false)
        #expect(c.redacted == "amqps://u@[fd00::1]:5771,[fd00::2]:5671/%2F")
    }

    @Test("a single URL stays one node, even with a comma in its password")
    func single() throws {
        let c = try AMQPConfiguration(url: "amqp://u:a,b@broker:5782/%2F")
        #expect(c.nodes == [AMQPNode(host: "broker", port: 5782)])
        #expect(c.password == "a,b")
        #expect(AMQPConfiguration.splitList("amqp://u:a,b@broker/%2F") == ["amqp://u:a,b@broker/%2F"])
        #expect(AMQPConfiguration.splitList("amqp://h1,amqps://h2") == ["amqp://h1", "amqps://h2"])
    }

    @Test(
        "a list whose URLs are not one cluster is refused, saying which URL differs",
        arguments: [
            ("amqp://a:p@h1/city,amqp://b:p@h2/city", "URL 2 names user b, URL 1 names user a"),
            ("amqp://a:p@h1/city,amqp://a:p@h2/town", "URL 2 names vhost town, URL 1 names vhost city"),
            ("amqp://a:p@h1/city,amqp://a:p@h2/city,amqp://a:q@h3/city", "URL 3 has another password"),
            ("amqp://a:p@h1/city,amqps://a:p@h2/city", "URL 2 mixes amqp:// and amqps://"),
            ("amqp://a:p@h1/city?heartbeat=5,amqp://a:p@h2/city", "URL 2 has another heartbeat"),
            ("amqp://a:p@h1/city,amqp://a:p@/city", "names no host"),
            ("amqp://a:p@h1,,h2/city", "names no host"),
            ("amqp://a:p@h1/city,amqp://a:p@h2:0/city", "bad port"),
        ])
    func notOneCluster(url: String, reason: String) {
        do {
            _ = try AMQPConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.code == .invalidURL)
            #expect(error.message.contains(reason), "\(error.message)")
            #expect(!error.message.contains(":q@") && !error.message.contains("password q"), "no password in the message")
        }
    }

    @Test("libpq's multi-host form: host and port lists in order, target_session_attrs passed through")
    func postgresHosts() throws {
        let c = try PostgresConfiguration(url: "postgres://whistle:pw@db-1:5432,db-2:5433,db-3/whistle?target_session_attrs=read-write")
        #expect(c.servers == [.init(host: "db-1", port: 5432), .init(host: "db-2", port: 5433), .init(host: "db-3", port: 5432)])
        #expect(c.host == "db-1" && c.port == 5432)
        #expect(c.parameters == ["target_session_attrs": "read-write"])
        let keywords = Dictionary(c.connectionKeywords, uniquingKeysWith: { $1 })
        #expect(keywords["host"] == "db-1,db-2,db-3")
        #expect(keywords["port"] == "5432,5433,5432")
        #expect(keywords["target_session_attrs"] == "read-write")
        #expect(c.redacted == "postgres://whistle@db-1:5432,db-2:5433,db-3:5432/whistle")
        #expect(c.description == "postgres://whistle:***@db-1:5432,db-2:5433,db-3:5432/whistle (pool 4)")
    }

    @Test("hosts and ports from the query: one port for every host, or one per host")
    func postgresQueryHosts() throws {
        let shared = try PostgresConfiguration(url: "postgres://u@x/db?host=db-1,db-2&port=6432&load_balance_hosts=disable")
        #expect(shared.servers == [.init(host: "db-1", port: 6432), .init(host: "db-2", port: 6432)])
        #expect(shared.parameters == ["load_balance_hosts": "disable"])
        let each = try PostgresConfiguration(url: "postgres://u@x/db?host=db-1,db-2&port=6432,6433")
        #expect(each.servers == [.init(host: "db-1", port: 6432), .init(host: "db-2", port: 6433)])
        let ipv6 = try PostgresConfiguration(url: "postgres://u@[::1]:5799,[::2]/db")
        #expect(ipv6.servers == [.init(host: "::1", port: 5799), .init(host: "::2", port: 5432)])
        #expect(Dictionary(ipv6.connectionKeywords, uniquingKeysWith: { $1 })["host"] == "::1,::2")
    }

    @Test(
        "bad host lists are refused with invalidURL",
        arguments: ["postgres://u@h1,,h2/db", "postgres://u@h1,/db", "postgres://u@h1,h2:0/db", "postgres://u@x/db?host=a,b,c&port=1,2"])
    func postgresBadHosts(url: String) {
        let error = #expect(throws: PostgresError.self) { _ = try PostgresConfiguration(url: url) }
        #expect(error?.code == .invalidURL)
    }

    @Test("a read-only server (SQLSTATE 25006) counts as a lost connection, so work is retried elsewhere")
    func readOnlyIsConnectionLoss() {
        let error = PostgresError(.query, "cannot execute INSERT in a read-only transaction", sqlState: "25006")
        #expect(error.isReadOnlyServer && error.isConnectionLoss)
        #expect(!PostgresError(.query, "duplicate key", sqlState: "23505").isConnectionLoss)
    }
}
