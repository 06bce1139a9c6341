import ArgumentParser
import Foundation
import WhistleAMQP
import WhistleRuntime

/// `whistle-bench work`: the departments, citizens and streets of the sample district at work.
struct WorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract:
            "Play the departments, citizens and whistling streets: acknowledge, complete (or return), answer surveys, evaluate whistles.",
        discussion: "Runs until nothing has arrived for --idle seconds. Choices are random from --seed, so a run repeats.")

    @Option(help: "The seed departments.yaml whose dept.<code> queues to work.") var departments = "deploy/seed/departments.yaml"
    @Option(help: "Stop after this many seconds without an assignment or event.") var idle = 3.0
    @Option(help: "Share of assignments returned (退单) instead of done.") var returnRatio = 0.05
    @Option(help: "Share of assignments acknowledged but left unfinished.") var unfinishedRatio = 0.1
    @Option(help: "Share of surveys answered satisfied.") var satisfied = 0.7
    @Option(help: "Share of surveys answered basically satisfied (the rest: unsatisfied).") var basicallySatisfied = 0.2
    @Option(help: "Seed of the random choices.") var seed: UInt64 = 2026
    @Option(name: .customLong("amqp-url"), help: "Broker (default: $WHISTLE_AMQP_URL).") var amqpURL: String?
    @Option(
        help: ArgumentHelp(
            "The site's accounts file (KEY=VALUE, deploy/secrets.sh --accounts): the passwords adapters and streets send with.",
            discussion: """
                Without it, a user's password comes from the same variable in the environment \
                (WHISTLE_AMQP_PASSWORD_ADAPTER_12345, docker run --env-file ACCOUNTS), else it is the user's name \
                (the local servers' development passwords).
                """))
    var accounts: String?

    func validate() throws {
        for (name, value) in [
            ("return-ratio", returnRatio), ("unfinished-ratio", unfinishedRatio), ("satisfied", satisfied),
            ("basically-satisfied", basicallySatisfied),
        ]
        where !(0...1).contains(value) {
            throw ValidationError("--\(name) must be between 0 and 1")
        }
        guard returnRatio + unfinishedRatio <= 1, satisfied + basicallySatisfied <= 1 else {
            throw ValidationError("the shares of one choice add up to more than 1")
        }
        guard idle > 0 else { throw ValidationError("--idle must be positive") }
    }

    func run() async throws {
        let url = amqpURL ?? ProcessInfo.processInfo.environment["WHISTLE_AMQP_URL"] ?? ServiceConfiguration.defaultAMQPURL
        let mix = DepartmentSimulator.Mix(
            returnRatio: returnRatio, unfinishedRatio: unfinishedRatio, satisfied: satisfied, basicallySatisfied: basicallySatisfied)
        let simulator = try await DepartmentSimulator(
            configuration: try AMQPConfiguration(url: url), departments: try AssignmentObserver.departmentCodes(in: departments), mix: mix,
            seed: seed, senderPassword: try senderPasswords())
        let tally = try await simulator.run(idle: .milliseconds(Int(idle * 1000)), progress: isatty(STDERR_FILENO) == 1)
        await simulator.close()
        print(tally)
    }

    /// The password of an adapter's or a street's broker user: from `--accounts`, else from the
    /// environment, else its name.
    private func senderPasswords() throws -> @Sendable (String) -> String {
        let passwords = try accounts.map { try AccountsFile(path: $0) } ?? AccountsFile(environment: ProcessInfo.processInfo.environment)
        return { user in passwords.password(of: user) ?? user }
    }
}
