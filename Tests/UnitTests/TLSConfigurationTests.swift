import Testing
import WhistleAMQP

@testable import WhistlePostgres

/// `amqps://` URLs (RabbitMQ's URI specification) and PostgreSQL's TLS keywords.
@Suite("TLS settings in broker and database URLs")
struct TLSConfigurationTests {
    @Test("amqps:// means TLS on port 5671 with verification against the system CA bundle")
    func amqpsDefaults() throws {
        let c = try AMQPConfiguration(url: "amqps://whistle-intake:secret@broker.city.gov.cn/%2F")
        #expect(c.port == 5671)
        let tls = try #require(c.tls)
        #expect(tls.verifyPeer && tls.caFile == nil && tls.certFile == nil && tls.keyFile == nil)
        #expect(tls.effectiveCAFile == AMQPTLSOptions.systemCAFile)
        #expect(c.redacted == "amqps://whistle-intake@broker.city.gov.cn:5671/%2F")
        #expect(try AMQPConfiguration(url: "amqp://h").tls == nil)
    }

    @Test("cacertfile, certfile, keyfile (percent-decoded) and verify from the query")
    func amqpsQuery() throws {
        let c = try AMQPConfiguration(
            url: "amqps://u:p@localhost:5772/city?cacertfile=/etc/whistle/ca%20bundle.pem&certfile=/etc/whistle/c.pem"
                + "&keyfile=/etc/whistle/c.key&verify=verify_peer&heartbeat=10&server_name_indication=localhost")
        #expect(c.port == 5772 && c.vhost == "city" && c.heartbeatSeconds == 10)
        #expect(
            c.tls == AMQPTLSOptions(caFile: "/etc/whistle/ca bundle.pem", certFile: "/etc/whistle/c.pem", keyFile: "/etc/whistle/c.key"))
        #expect(!c.redacted.contains("/etc/whistle"), "the log form names no files")
        let none = try AMQPConfiguration(url: "amqps://u:p@h?verify=verify_none")
        #expect(none.tls?.verifyPeer == false)
        #expect(none.tls?.effectiveCAFile == nil, "verify_none loads no CA")
    }

    @Test(
        "bad TLS parameters are refused with invalid_url and a reason",
        arguments: [
            ("amqp://h?cacertfile=/ca.pem", "needs an amqps:// URL"),
            ("amqps://h?verify=maybe", "verify must be verify_peer or verify_none"),
            ("amqps://h?certfile=/c.pem", "certfile and keyfile go together"),
            ("amqps://h?keyfile=/c.key", "certfile and keyfile go together"),
            ("amqps://h?cacertfile=", "needs a file path"),
            ("amqps://h?server_name_indication=other.example", "server_name_indication=other.example is not supported"),
            ("amqps://h?fail_if_no_peer_cert=true", "unknown query parameter fail_if_no_peer_cert"),
            ("amqps://h?cacertfile=%zz", "bad percent-encoding"),
        ])
    func badTLS(url: String, reason: String) {
        do {
            _ = try AMQPConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.code == .invalidURL)
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }

    @Test("PostgreSQL's TLS keywords reach libpq untouched and never show in the description")
    func postgresTLS() throws {
        let c = try PostgresConfiguration(
            url: "postgres://whistle_intake:pw@db.city.gov.cn:5432/whistle?sslmode=verify-full&sslrootcert=/etc/whistle/ca.pem"
                + "&sslcert=/etc/whistle/c.pem&sslkey=/etc/whistle/c.key&sslpassword=k%26y")
        #expect(
            c.parameters == [
                "sslmode": "verify-full", "sslrootcert": "/etc/whistle/ca.pem", "sslcert": "/etc/whistle/c.pem",
                "sslkey": "/etc/whistle/c.key", "sslpassword": "k&y",
            ])
        let keywords = Dictionary(c.connectionKeywords, uniquingKeysWith: { $1 })
        #expect(
            keywords["sslmode"] == "verify-full" && keywords["sslrootcert"] == "/etc/whistle/ca.pem"
                && keywords["sslkey"] == "/etc/whistle/c.key")
        #expect(!c.description.contains("ssl") && !c.description.contains("k&y") && !c.description.contains("pw"))
    }
}
