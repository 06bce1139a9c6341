import EvaluatorService
import Foundation
import WhistleRuntime

let configuration = ServiceStartup.configuration(of: "evaluator") {
    try EvaluatorConfiguration(environment: ProcessInfo.processInfo.environment)
}
let logger = WhistleLogging.bootstrap(configuration.service)
await ServiceStartup.run("evaluator", logger: logger) {
    let group = try await EvaluatorApp.build(configuration: configuration, logger: logger)
    try await group.run()
}
