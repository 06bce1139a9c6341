import Logging
import ServiceLifecycle
import WhistleAMQP
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Declares `dept.<code>` for every active department in the reference data, at start and
/// whenever new departments appear, so that a department can consume before its first
/// assignment (CONTRACT §3).
final class DepartmentQueues: Service, @unchecked Sendable {
    private let pool: PostgresPool
    private let connection: AMQPConnection
    private let deliveryLimit: Int
    private let interval: Duration
    private let logger: Logger
    private var declared = Set<String>()

    init(pool: PostgresPool, amqp: AMQPConfiguration, deliveryLimit: Int, interval: Duration = .seconds(15), logger: Logger) {
        self.pool = pool
        self.connection = AMQPConnection(configuration: amqp, name: "dispatcher-departments", logger: logger)
        self.deliveryLimit = deliveryLimit
        self.interval = interval
        self.logger = logger
    }

    /// The start-up has declared the queues once (`declareNew`, a start-up step): pauses first.
    func run() async throws {
        let work = PeriodicWork(interval: interval, failure: "declaring department queues failed; retrying", logger: logger)
        await work.run(pauseFirst: true) {
            try await declareNew()
            return .pause
        }
        await connection.close()
    }

    /// Declares the queues of departments not declared yet by this process.
    func declareNew() async throws {
        let codes = try await pool.withConnection { connection in
            try connection.query("SELECT code FROM departments WHERE active ORDER BY code").map { try $0.decode(0, as: String.self) }
        }
        let fresh = codes.filter { !declared.contains($0) }
        guard !fresh.isEmpty else { return }
        // One declaration per queue: a queue that exists with other arguments makes the broker
        // close the channel, and must not keep the other departments' queues from being declared.
        var count = 0
        for code in fresh {
            do {
                try await connection.declare(WhistleTopology.departmentQueues([code], deliveryLimit: deliveryLimit))
                declared.insert(code)
                count += 1
            } catch {
                logger.error("cannot declare the department's queue", metadata: ["department": "\(code)", "error": "\(error)"])
            }
        }
        if count > 0 { logger.info("department queues declared", metadata: ["count": "\(count)"]) }
    }
}
