import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import WhistleAMQP
import WhistleDomain
import WhistlePostgres
import WhistleRuntime

/// What every service is made of: a database pool, a confirming publisher with its outbox relay,
/// batch consumers, and the HTTP endpoints; assembled into one `ServiceGroup`.
///
/// Start-up work (the schema migration, then the service's own `StartupStep`s) runs inside the
/// group, before the relay, the service's loops and the consumers start, so that SIGTERM during
/// the start-up is a graceful shutdown. Shutdown runs in reverse order of start: consumers finish
/// their in-flight batch and stop, then the service's own loops, then the relay drains the
/// outbox, then HTTP, then the pool.
public final class ServiceKit: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let amqp: AMQPConfiguration
    public let pool: PostgresPool
    public let registry: PrometheusCollectorRegistry
    public let signal = OutboxSignal()
    /// This service's outbox: handlers enqueue here, the relay publishes it.
    public let outbox: Outbox
    public let publisher: AMQPPublisher
    public let relay: OutboxRelay

    /// Reads the URLs (a bad one is a clear error naming its variable) and creates the clients;
    /// nothing connects yet.
    public init(configuration: ServiceConfiguration, logger: Logger, publisherTopology: Topology = WhistleTopology.base) throws {
        self.configuration = configuration
        self.logger = logger
        do {
            amqp = try AMQPConfiguration(url: configuration.amqpURL)
        } catch {
            throw ConfigurationError(variable: "WHISTLE_AMQP_URL", message: "\(error)")
        }
        let database: PostgresConfiguration
        do {
            database = try PostgresConfiguration(
                url: configuration.databaseURL, poolSize: configuration.databasePoolSize,
                applicationName: "whistle-\(configuration.serviceName)")
        } catch {
            throw ConfigurationError(variable: "WHISTLE_DATABASE_URL", message: "\(error)")
        }
        pool = PostgresPool(configuration: database, logger: logger)
        registry = WhistleMetrics.bootstrap()
        publisher = AMQPPublisher(
            configuration: amqp, name: "\(configuration.serviceName)-publisher", topology: publisherTopology, logger: logger)
        outbox = Outbox(publisher: configuration.serviceName)
        relay = OutboxRelay(
            pool: pool, publisher: publisher, outbox: outbox, signal: signal,
            sweepInterval: .milliseconds(configuration.outboxSweepMilliseconds), logger: logger)
    }

    /// Brings the schema up to date when `WHISTLE_MIGRATE` allows it and this service's role owns
    /// the schema; otherwise waits until the owner has (see `WhistleSchema.migrate`). The first
    /// start-up step of `serviceGroup`. A database that stays unreachable (or refuses the login)
    /// is a `ConfigurationError` naming `WHISTLE_DATABASE_URL`.
    public func prepare() async throws {
        do {
            try await WhistleSchema.migrate(pool: pool, logger: logger, apply: configuration.migrate)
        } catch let error as PostgresError where error.isConnectionLoss && !error.isReadOnlyServer {
            throw ConfigurationError(variable: "WHISTLE_DATABASE_URL", message: "the database cannot be used: \(error.message)")
        }
    }

    /// Who may send what (the `user_id` rule), as configured.
    public var senders: SenderRules { SenderRules(configuration: configuration) }

    /// A batch consumer of `queues`, declaring `topology` on every (re)connection. A consumer of
    /// `whistle.events` only (its queues bound to nothing else) refuses every event whose broker
    /// user does not emit its type: dead-lettered with the reason, never applied.
    public func consumer(name: String, queues: [String], topology: Topology, handler: any BatchHandler) -> BatchConsumer {
        let amqpConsumer = AMQPConsumer(
            configuration: amqp, name: "\(configuration.serviceName)-\(name)", queues: queues,
            prefetch: configuration.prefetch, topology: topology, logger: logger)
        let rules = senders
        var screen: BatchConsumer.Screen?
        if topology.consumesEventsOnly(queues) && rules.mode == .strict { screen = { @Sendable in rules.eventRefusal($0) } }
        return BatchConsumer(
            name: name, consumer: amqpConsumer, pool: pool, handler: handler, signal: signal,
            batchSize: configuration.batchSize, logger: logger, screen: screen)
    }

    /// A consumer of `whistle.events` that records the events of `eventKeys` in `event_journal`.
    public func journalConsumer(name: String, queue: String, eventKeys: [String]) -> BatchConsumer {
        consumer(
            name: name, queues: [queue],
            topology: WhistleTopology.events(queue: queue, keys: eventKeys, deliveryLimit: configuration.deliveryLimit),
            handler: EventJournalHandler(consumer: name, logger: logger))
    }

    /// The service group: HTTP (`/healthz`, `/metrics`, `routes`) and the start-up (the schema,
    /// then `startup`, in order); once that is done, the relay, `services`, then the consumers;
    /// graceful shutdown on SIGTERM and SIGINT.
    public func serviceGroup(
        consumers: [BatchConsumer], services: [any Service] = [], startup: [StartupStep] = [],
        routes: (Router<BasicRequestContext>) -> Void = { _ in }
    ) -> ServiceGroup {
        serviceGroup(consumers: consumers, services: services, startup: startup, context: BasicRequestContext.self, routes: routes)
    }

    /// The service group, with HTTP routes of a request context of the service's own.
    public func serviceGroup<Context: RequestContext>(
        consumers: [BatchConsumer], services: [any Service] = [], startup: [StartupStep] = [], context: Context.Type,
        routes: (Router<Context>) -> Void
    ) -> ServiceGroup where Context.Source == ApplicationRequestContextSource {
        let pool = pool
        let publisher = publisher
        let checks = [
            HealthCheck("database") { await pool.ping(timeout: .seconds(2)) },
            HealthCheck("broker") { publisher.isConnected && consumers.allSatisfy(\.isConnected) },
        ]
        let http = HTTPServer.make(
            configuration: configuration, checks: checks, registry: registry, logger: logger, context: Context.self, routes: routes)
        let gate = StartupGate()
        let steps = [StartupStep("schema", failureIsFatal: true) { try await self.prepare() }] + startup
        var all: [any Service] = [PoolCloser(pool: pool), http, StartupService(steps: steps, gate: gate, logger: logger)]
        all += ([relay] + services + consumers).map { AfterStartup(service: $0, gate: gate) }
        return ServiceGroup(
            configuration: .init(
                services: all.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }
}

/// Closes the pool last, once everything that uses it has stopped.
struct PoolCloser: Service {
    let pool: PostgresPool
    func run() async throws {
        try? await gracefulShutdown()
        await pool.close()
    }
}
