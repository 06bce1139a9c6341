import ArgumentParser
import Foundation
import Logging
import WhistlePostgres
import WhistleReliability

/// `whistlectl migrate`: applies pending schema migrations as the schema owner and gives each
/// service role exactly its grants; `--check` only reports.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending schema migrations and grant each service role exactly its privileges.",
        discussion: """
            Run it as the schema owner (the role that owns the tables, e.g. whistle) before the services start, \
            and again after creating a service role. The services connect as whistle_intake, whistle_dispatcher, \
            whistle_notifier and whistle_evaluator; roles that do not exist are reported and skipped. The report \
            shows, per role, what it may read of personal data (reporters' names and phones, a demand's raw body \
            and normalized form, notification recipients). With --check nothing changes, and the exit status is 1 \
            when migrations are pending or a service role is missing.
            """)

    @Flag(help: "Only report: apply nothing, exit 1 when migrations are pending or a role is missing.")
    var check = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let configuration = try connection.databaseConfiguration()
        let pool = PostgresPool(configuration: configuration, logger: connection.logger)
        do {
            try await run(pool: pool, configuration: configuration)
            await pool.close()
        } catch {
            await pool.close()
            throw error
        }
    }

    private func run(pool: PostgresPool, configuration: PostgresConfiguration) async throws {
        let migrations = try WhistleSchema.migrations()
        if !check {
            do {
                try await WhistleSchema.migrate(pool: pool, logger: connection.logger, patience: .seconds(3), grants: .force)
            } catch let error as PostgresError where error.isConnectionLoss {
                throw CtlError(.database, "cannot reach the database at \(ConnectionOptions.redacted(configuration)): \(error.message)")
            } catch let error as PostgresError where error.sqlState == "42501" {
                throw CtlError(.database, "this role may not migrate: connect as the schema owner (\(error.message))")
            }
        }
        let report = try await pool.withConnection { connection in
            try SchemaReport.read(migrations: migrations, on: connection, logger: self.connection.logger)
        }
        print(report.text)
        if check && !report.isComplete { throw ExitCode(1) }
    }
}

/// What `whistlectl migrate` prints: the schema version and each service role's access to
/// personal data, as the database answers it (`has_*_privilege`), not as the model says.
struct SchemaReport {
    var status: SchemaStatus
    var roles: [(role: ServiceRole, exists: Bool, personal: [String])]

    /// Columns that hold personal data.
    static let personal: [(table: String, column: String)] = [
        ("demand_reporters", "name"), ("demand_reporters", "phone"), ("demands", "raw_body"), ("demands", "normalized"),
        ("notifications", "recipient"),
    ]

    var isComplete: Bool { status.pending.isEmpty && roles.allSatisfy(\.exists) }

    static func read(migrations: [Migration], on connection: PostgresConnection, logger: Logger) throws -> SchemaReport {
        let status = try Migrator.status(of: migrations, on: connection, logger: logger)
        var roles: [(ServiceRole, Bool, [String])] = []
        for role in ServiceRole.allCases {
            let exists = try connection.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role.roleName]).count == 1
            var readable: [String] = []
            if exists {
                for (table, column) in personal {
                    let row = try connection.query(
                        "SELECT to_regclass($2) IS NOT NULL AND has_column_privilege($1, $2, $3, 'SELECT')", [role.roleName, table, column])
                    if try row.first?.decode(0, as: Bool.self) == true { readable.append("\(table).\(column)") }
                }
            }
            roles.append((role, exists, readable))
        }
        return SchemaReport(status: status, roles: roles)
    }

    var text: String {
        var lines = [
            status.pending.isEmpty
                ? "schema: up to date (\(status.applied.count) migrations, last \(status.applied.last.map(String.init) ?? "none"))"
                : "schema: migrations \(status.pending.map(String.init).joined(separator: ", ")) pending"
        ]
        lines.append("")
        var table = TextTable(["ROLE", "EXISTS", "PERSONAL DATA IT MAY READ"])
        for (role, exists, personal) in roles {
            table.append([
                role.roleName, exists ? "yes" : "no (create it: docs/operations.md)",
                exists ? (personal.isEmpty ? "none" : personal.joined(separator: ", ")) : "-",
            ])
        }
        lines.append(table.render())
        return lines.joined(separator: "\n")
    }
}
