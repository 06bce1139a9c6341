import Foundation
import Logging
import WhistleAMQP
import WhistleReliability
import WhistleRuntime

/// Declares `dept.<code>` for every department of the seed (CONTRACT: a department can consume
/// before its first assignment): `WhistleTopology.departmentQueues`, as dispatcher declares them.
enum DepartmentQueues {
    /// The delivery limit dispatcher declares department queues with: `WHISTLE_DELIVERY_LIMIT`,
    /// else `WhistleTopology.defaultDeliveryLimit` (read as `ServiceConfiguration` reads it).
    static func deliveryLimit(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        try ConfigurationReader(environment: environment)
            .int("WHISTLE_DELIVERY_LIMIT", default: WhistleTopology.defaultDeliveryLimit, in: 1...1000)
    }

    static func declare(_ codes: [String], configuration: AMQPConfiguration, logger: Logger) async throws {
        let topology = WhistleTopology.departmentQueues(codes, deliveryLimit: try deliveryLimit())
        let connection = AMQPConnection(configuration: configuration, name: "whistlectl-seed", logger: logger)
        do {
            try await connection.declare(topology)
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
    }
}
