import Testing
import WhistleAMQP

@Suite("amqp:// URLs")
struct AMQPConfigurationTests {
    @Test("user, password, host, port and a percent-encoded vhost")
    func full() throws {
        let c = try AMQPConfiguration(url: "amqp://whistle-intake:p%40ss%3Aw@broker.local:5782/%2F")
        #expect(c.user == "whistle-intake")
        #expect(c.password == "p@ss:w")
        #expect(c.host == "broker.local")
        #expect(c.port == 5782)
        #expect(c.vhost == "/")
        #expect(c.redacted == "amqp://whistle-intake@broker.local:5782/%2F")
    }

    @Test("defaults: guest, port 5672, vhost /")
    func defaults() throws {
        let c = try AMQPConfiguration(url: "amqp://localhost")
        #expect(c.user == "guest" && c.password == "guest" && c.port == 5672 && c.vhost == "/")
        #expect(try AMQPConfiguration(url: "amqp://h/city").vhost == "city")
    }

    @Test("query parameters set the heartbeat and the connection timeout")
    func query() throws {
        let c = try AMQPConfiguration(url: "amqp://h:1/%2F?heartbeat=10&connection_timeout=2500")
        #expect(c.heartbeatSeconds == 10)
        #expect(c.connectTimeoutMilliseconds == 2500)
    }

    @Test("bracketed IPv6 hosts")
    func ipv6() throws {
        let c = try AMQPConfiguration(url: "amqp://u:p@[::1]:5790/")
        #expect(c.host == "::1" && c.port == 5790)
    }

    @Test(
        "bad URLs are refused with invalid_url",
        arguments: ["http://h", "amqp://", "amqp://h:99999", "amqp://h:abc", "amqp://h/%zz", "amqp://h?heartbeat=x", "amqp://h?colour=red"])
    func bad(url: String) {
        #expect(throws: AMQPError.self) { try AMQPConfiguration(url: url) }
        do {
            _ = try AMQPConfiguration(url: url)
        } catch {
            #expect(error.code == .invalidURL)
        }
    }
}
