import ArgumentParser
import Foundation
import WhistleReliability

/// `whistlectl broker-definitions`: the broker's users, permissions and topic permissions as
/// RabbitMQ definitions JSON, from `BrokerAccess` (the topology, the sender rules) and the seed's
/// departments. Needs neither the broker nor the database.
struct BrokerDefinitionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker-definitions",
        abstract: "Print the broker's users and permissions as RabbitMQ definitions JSON.",
        discussion: """
            MODE (passwords of boot and accounts: WHISTLE_AMQP_PASSWORD_* variables):
              plain          all users, development passwords (the user name) in clear
              hashed         the same as password hashes (check-definitions.sh)
              boot           the admin and the services, passwords from the environment
              boot-template  boot with @VARIABLE@ for each hash (rabbitmq/boot-definitions.json)
              accounts       the adapters and the seed's departments, passwords from the
                             environment or the file WHISTLE_BROKER_ACCOUNTS (KEY=VALUE);
                             a missing one stops it, naming every user
              users          the adapters and the seed's departments: "USER VARIABLE" lines
              variable       the password variable of --user
            The departments come from --seed (a seed folder or its departments.yaml).
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case plain, hashed, boot, bootTemplate = "boot-template", accounts, users, variable
    }

    @Argument(help: "plain, hashed, boot, boot-template, accounts, users or variable.")
    var mode: Mode

    @Option(help: "The seed folder (or its departments.yaml) whose departments get users.")
    var seed: String?

    @Option(help: "The vhost the permissions are on.")
    var vhost: String = "/"

    @Option(help: "The broker user whose password variable mode variable prints.")
    var user: String?

    func run() throws {
        let departments = try seed.map(BrokerSeedDepartments.read) ?? []
        let accounts = BrokerAccess.accounts(departments: departments)
        let environment = ProcessInfo.processInfo.environment
        let output: String
        switch mode {
        case .plain:
            output = try BrokerDefinitions(BrokerAccess.services().adding(accounts), vhost: vhost) { .plain($0) }.json()
        case .hashed:
            output = try BrokerDefinitions(BrokerAccess.services().adding(accounts), vhost: vhost) {
                .hash(BrokerPasswordHash.hash($0))
            }.json()
        case .boot:
            let passwords = try BrokerSitePasswords(users: BrokerAccess.services().users, environment: environment, accountsFile: nil)
            output = try BrokerDefinitions(BrokerAccess.services(), vhost: vhost) { .hash(BrokerPasswordHash.hash(passwords[$0])) }.json()
        case .bootTemplate:
            output = try BrokerDefinitions(BrokerAccess.services(), vhost: vhost) {
                .hash("@" + BrokerAccess.passwordVariable(of: $0) + "@")
            }.json()
        case .accounts:
            let passwords = try BrokerSitePasswords(
                users: accounts.users, environment: environment,
                accountsFile: environment["WHISTLE_BROKER_ACCOUNTS"].flatMap { $0.isEmpty ? nil : $0 })
            output = try BrokerDefinitions(accounts, vhost: vhost) { .hash(BrokerPasswordHash.hash(passwords[$0])) }.json()
        case .users:
            output = accounts.users.map { "\($0.name) \(BrokerAccess.passwordVariable(of: $0.name))\n" }.joined()
        case .variable:
            guard let user, !user.isEmpty else { throw CtlError(.usage, "mode variable needs --user USER") }
            output = BrokerAccess.passwordVariable(of: user) + "\n"
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
