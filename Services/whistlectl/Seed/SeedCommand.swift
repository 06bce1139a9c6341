import ArgumentParser
import Foundation
import WhistlePostgres

/// `whistlectl seed <folder>`: validate the six YAML files completely, then upsert them in one
/// transaction and declare the department queues.
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Load reference data (areas, departments, categories, routing, deadlines, calendar, gazetteer) from YAML files.",
        discussion: """
            Reads areas.yaml, departments.yaml, categories.yaml, routing.yaml, deadlines.yaml and calendar.yaml \
            from FOLDER (schema: deploy/seed/README.md), and gazetteer.yaml when FOLDER has one (its entries then \
            replace the gazetteer's: entries no longer in the file are removed). Everything is validated first; every problem is printed \
            as file:line:column and nothing is written when there is one. References may name codes already in \
            the database. Then all rows are upserted in one transaction: rows that differ are updated, equal ones \
            left as they are, rows only in the database left alone. Running it twice changes nothing. Finally \
            the queue dept.<code> of every department is declared on the broker (a warning if unreachable).
            """)

    @Argument(help: "The folder with the six YAML files, e.g. deploy/seed.")
    var folder: String

    @Flag(help: "Only validate the files, on their own (references must resolve within them); no database, no broker.")
    var check = false

    @Flag(name: .customLong("dry-run"), help: "Validate against the database and show what would change, then roll back.")
    var dryRun = false

    @Flag(name: .customLong("no-broker"), help: "Do not declare the department queues on the broker.")
    var noBroker = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if check && dryRun { throw ValidationError("--check and --dry-run exclude each other") }
    }

    func run() async throws {
        let load = try SeedLoader.load(folder: folder)
        if check {
            try Self.stopOnIssues(load.validate(against: .none, withDatabase: false), load: load)
            print("\(folder): the seed files are valid (\(load.sizes)).")
            return
        }
        let written: SeedOutcome
        do {
            written = try await connection.withDatabase { pool in try await seed(load, pool) }
        } catch let error where !(error is ExitCode) {
            // The database was not reachable: still show what the files alone tell.
            Self.printIssues(load.issues)
            throw error
        }
        SeedReport.print(written.counts, folder: folder, dryRun: dryRun)
        guard !dryRun else { return }
        if noBroker {
            print("broker: skipped (--no-broker); the department queues were not declared.")
            return
        }
        do {
            let amqp = try connection.amqpConfiguration()
            try await DepartmentQueues.declare(written.departments, configuration: amqp, logger: connection.logger)
            print("broker: declared \(written.departments.count) department queues dept.<code> on \(amqp.redacted).")
        } catch {
            let reason = CtlError.from(error)?.message ?? "\(error)"
            printError(
                "whistlectl: warning: the department queues were not declared (\(CtlError.oneLine(reason))); "
                    + "the database part is committed. Run the seed again once the broker is up.")
        }
    }

    struct SeedOutcome: Sendable {
        var counts: [TableCount]
        /// Every department code in the database after the seed.
        var departments: [String]
    }

    private func seed(_ load: SeedLoad, _ pool: PostgresPool) async throws -> SeedOutcome {
        let known = try await pool.withConnection { try KnownReferences.load($0) }
        try Self.stopOnIssues(load.validate(against: known), load: load)
        let data = load.data
        let counts: [TableCount]
        if dryRun {
            counts = try await pool.withConnection { connection in
                try connection.execute("BEGIN")
                do {
                    let counts = try SeedWriter.write(data, connection)
                    try connection.execute("ROLLBACK")
                    return counts
                } catch {
                    try? connection.execute("ROLLBACK")
                    throw error
                }
            }
        } else {
            counts = try await pool.transaction { try SeedWriter.write(data, $0) }
        }
        let departments = try await pool.withConnection { connection in
            try connection.query("SELECT code FROM departments ORDER BY code").map { try $0.decode(0, as: String.self) }
        }
        return SeedOutcome(counts: counts, departments: departments)
    }

    /// Prints every issue, one per line, then stops with exit code 1 when there is any.
    static func stopOnIssues(_ issues: [SeedIssue], load: SeedLoad) throws {
        guard !issues.isEmpty else { return }
        printIssues(issues)
        if !load.complete {
            printError("whistlectl: note: references between the files are checked once every file is there and parses.")
        }
        let folder = load.files.folder
        printError("whistlectl: error: \(issues.count) problem\(issues.count == 1 ? "" : "s") in \(folder); nothing was written.")
        throw ExitCode(1)
    }

    static func printIssues(_ issues: [SeedIssue]) {
        for issue in issues { printError(CtlError.oneLine(issue.description)) }
    }
}
