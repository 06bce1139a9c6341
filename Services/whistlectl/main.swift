// whistlectl: the operator's command line for Whistle — load reference data, publish a demand
// by hand, and see where demands and tickets went.
import ArgumentParser
import Foundation

struct Whistlectl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whistlectl",
        abstract: "Operate Whistle: seed reference data, publish messages, inspect tickets, act as a department or the command center.",
        discussion: """
            Connection settings come from WHISTLE_AMQP_URL and WHISTLE_DATABASE_URL (or --amqp-url and \
            --database-url). Local times use WHISTLE_TIMEZONE (default Asia/Shanghai). Every command that \
            reads or writes the database first applies pending schema migrations.
            """,
        subcommands: [
            SeedCommand.self, PublishCommand.self, TicketsCommand.self, OutcomesCommand.self, TicketCommand.self, DeptCommand.self,
            TriageCommand.self, NotificationsCommand.self, WebhookSinkCommand.self, ScoresCommand.self, PointsCommand.self, DLQCommand.self,
            MigrateCommand.self,
            TokenCommand.self, BrokerDefinitionsCommand.self, Open311Command.self, AdaptersCommand.self,
        ])
}

/// Parses the command line and runs the command. Every failure prints one line to standard
/// error (`whistlectl: error: …`): runtime failures exit 1, usage errors ArgumentParser's code
/// (64); `--help` prints the help and exits 0.
func runWhistlectl() async -> Never {
    do {
        var command = try Whistlectl.parseAsRoot()
        if var asyncCommand = command as? AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
        exit(0)
    } catch {
        if let failure = CtlError.from(error) {
            printError(failure.line)
            exit(1)
        }
        let code = Whistlectl.exitCode(for: error)
        if code == .success { Whistlectl.exit(withError: error) }
        if let exitCode = error as? ExitCode { exit(exitCode.rawValue) }
        let message = CtlError.oneLine(Whistlectl.message(for: error))
        printError("whistlectl: error: \(message) (see whistlectl help)")
        exit(code.rawValue)
    }
}

await runWhistlectl()
