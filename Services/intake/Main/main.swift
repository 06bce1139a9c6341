import Foundation
import IntakeService
import WhistleRuntime

let configuration = ServiceStartup.configuration(of: "intake") { try IntakeConfiguration(environment: ProcessInfo.processInfo.environment) }
let logger = WhistleLogging.bootstrap(configuration.service)
await ServiceStartup.run("intake", logger: logger) {
    let group = try await IntakeApp.build(configuration: configuration, logger: logger)
    try await group.run()
}
