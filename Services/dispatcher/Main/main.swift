import Foundation
import DispatcherService
import WhistleRuntime

let configuration = ServiceStartup.configuration(of: "dispatcher") { try DispatcherConfiguration(environment: ProcessInfo.processInfo.environment) }
let logger = WhistleLogging.bootstrap(configuration.service)
let group = try await DispatcherApp.build(configuration: configuration, logger: logger)
try await group.run()
