import Foundation
import NotifierService
import WhistleRuntime

let configuration = ServiceStartup.configuration(of: "notifier") {
    try NotifierConfiguration(environment: ProcessInfo.processInfo.environment)
}
let logger = WhistleLogging.bootstrap(configuration.service)
await ServiceStartup.run("notifier", logger: logger) {
    let group = try await NotifierApp.build(configuration: configuration, logger: logger)
    try await group.run()
}
