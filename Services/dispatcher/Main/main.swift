import DispatcherService
import Foundation
import WhistleRuntime

let configuration = ServiceStartup.configuration(of: "dispatcher") {
    try DispatcherConfiguration(environment: ProcessInfo.processInfo.environment)
}
let logger = WhistleLogging.bootstrap(configuration.service)
await ServiceStartup.run("dispatcher", logger: logger) {
    let group = try await DispatcherApp.build(configuration: configuration, logger: logger)
    try await group.run()
}
