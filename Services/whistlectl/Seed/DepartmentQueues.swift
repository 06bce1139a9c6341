import Logging
import WhistleAMQP
import WhistleReliability

/// Declares `dept.<code>` for every department (CONTRACT: a department can consume before its
/// first assignment), with the exchanges their dead-letter arguments name.
enum DepartmentQueues {
    /// The delivery limit of department queues, as the dispatcher declares them.
    static let deliveryLimit = 5

    static func topology(_ codes: [String]) -> Topology {
        Topology(exchanges: WhistleTopology.exchanges, queues: codes.map { WhistleTopology.department($0, deliveryLimit: deliveryLimit) })
    }

    static func declare(_ codes: [String], configuration: AMQPConfiguration, logger: Logger) async throws {
        let connection = AMQPConnection(configuration: configuration, name: "whistlectl-seed", logger: logger)
        do {
            try await connection.declare(topology(codes))
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
    }
}
