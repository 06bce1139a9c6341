import Testing
import WhistleRuntime

@Suite("Service configuration from WHISTLE_* variables")
struct ConfigurationTests {
    @Test("defaults when nothing is set")
    func defaults() throws {
        let c = try ServiceConfiguration(serviceName: "intake", defaultPort: 8081, environment: [:])
        #expect(c.httpPort == 8081 && c.httpHost == "127.0.0.1" && c.prefetch == 500 && c.batchSize == 200)
        #expect(c.amqpURL == "amqp://guest:guest@127.0.0.1:5672/%2F")
        #expect(c.logLevel == .info && c.logFormat == .text && c.migrate && c.timeZone == "Asia/Shanghai")
    }

    @Test("every variable is read")
    func overrides() throws {
        let c = try ServiceConfiguration(
            serviceName: "intake", defaultPort: 8081,
            environment: [
                "WHISTLE_AMQP_URL": "amqp://a:b@h:1/v", "WHISTLE_DATABASE_URL": "postgres://x@y/z", "WHISTLE_HTTP_HOST": "0.0.0.0",
                "WHISTLE_HTTP_PORT": "9000", "WHISTLE_LOG_LEVEL": "debug", "WHISTLE_LOG_FORMAT": "json", "WHISTLE_PREFETCH": "100",
                "WHISTLE_BATCH_SIZE": "50", "WHISTLE_DB_POOL_SIZE": "2", "WHISTLE_DELIVERY_LIMIT": "3", "WHISTLE_MIGRATE": "false",
                "WHISTLE_TIMEZONE": "UTC",
            ])
        #expect(c.amqpURL == "amqp://a:b@h:1/v" && c.databaseURL == "postgres://x@y/z" && c.httpHost == "0.0.0.0")
        #expect(c.httpPort == 9000 && c.logLevel == .debug && c.logFormat == .json && c.prefetch == 100)
        #expect(c.batchSize == 50 && c.databasePoolSize == 2 && c.deliveryLimit == 3 && !c.migrate && c.timeZone == "UTC")
    }

    @Test(
        "a bad value names its variable",
        arguments: [
            ("WHISTLE_HTTP_PORT", "eighty"), ("WHISTLE_HTTP_PORT", "70000"), ("WHISTLE_LOG_LEVEL", "loud"),
            ("WHISTLE_MIGRATE", "maybe"), ("WHISTLE_PREFETCH", "0"), ("WHISTLE_BATCH_SIZE", "900"),
            ("WHISTLE_DEDUP_DAYS", "0"), ("WHISTLE_DEDUP_DAYS", "3651"), ("WHISTLE_DEDUP_DAYS", "week"), ("WHISTLE_DEDUP_BATCH", "0"),
            ("WHISTLE_DEDUP_BATCH", "50001"), ("WHISTLE_DEDUP_PAUSE_MS", "-1"), ("WHISTLE_DEDUP_INTERVAL_MS", "5"),
            ("WHISTLE_OUTBOX_SWEEP_MS", "0"),
        ])
    func bad(variable: String, value: String) {
        do {
            _ = try ServiceConfiguration(serviceName: "intake", defaultPort: 8081, environment: [variable: value])
            Issue.record("\(variable)=\(value) was accepted")
        } catch let error as ConfigurationError {
            #expect(error.variable == variable)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
