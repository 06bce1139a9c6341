import Foundation
import Testing
import WhistlePostgres
import WhistleReliability

/// One writing service per table, in the real database: every table's comment names its owner,
/// and the service roles' actual grants let that owner alone write it (or, for the per-service
/// tables, every service its own rows; for reference data and the schema's own, no service).
@Suite("Table owners")
struct TableOwnersTests {
    @Test("every table names its owner, and only that service's role may insert, update or delete in it")
    func ownersMatchTheGrants() async throws {
        let sandbox = try await TestSandbox("owners")
        do {
            try await Fixtures.prepare(sandbox)
            let (comments, writers) = try await sandbox.withDatabase { connection in
                let comments = try connection.query(
                    """
                    SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v') AND c.relname <> 'schema_migrations'
                    """
                ).map { (try $0.decode(0, as: String.self), try $0.decodeIfPresent(1, as: String.self)) }
                let writers = try connection.query(
                    """
                    SELECT table_name, grantee FROM information_schema.role_table_grants
                    WHERE table_schema = current_schema() AND grantee LIKE 'whistle\\_%' AND privilege_type IN ('INSERT', 'UPDATE', 'DELETE')
                    UNION
                    SELECT table_name, grantee FROM information_schema.column_privileges
                    WHERE table_schema = current_schema() AND grantee LIKE 'whistle\\_%' AND privilege_type = 'UPDATE'
                    """
                ).map { (try $0.decode(0, as: String.self), try $0.decode(1, as: String.self)) }
                return (comments, writers)
            }
            #expect(comments.count > 25, "the schema's tables and views")
            var roles: [String: Set<String>] = [:]
            for (table, grantee) in writers { roles[table, default: []].insert(grantee) }
            let services = Set(ServiceRole.allCases.map(\.roleName))
            for (table, comment) in comments {
                let comment = try #require(comment, "\(table) has no comment naming its owner")
                let owner = comment.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
                let written = roles[table] ?? []
                switch owner {
                case let owner where owner.hasPrefix("owner: every service"):
                    #expect(written == services, "\(table): \(written.sorted())")
                case let owner where owner.hasPrefix("read model"):
                    #expect(written.isEmpty, "\(table) is a view nobody writes: \(written.sorted())")
                case let owner where owner.hasPrefix("owner: whistlectl") || owner.hasPrefix("owner: the schema owner"):
                    #expect(written.isEmpty, "\(table) is written by no service role: \(written.sorted())")
                default:
                    let service = try #require(ServiceRole(rawValue: String(owner.dropFirst("owner: ".count))), "\(table): \(comment)")
                    #expect(written == [service.roleName], "\(table) is \(service)'s alone: \(written.sorted())")
                }
            }
        } catch {
            await sandbox.tearDown()
            throw error
        }
        await sandbox.tearDown()
    }

    @Test("dispatcher cannot change what a demand said, intake cannot move a ticket's state, nobody rewrites the timeline")
    func crossWritesAreRefused() async throws {
        let sandbox = try await TestSandbox("owners-x")
        do {
            try await Fixtures.prepare(sandbox)
            try await DatabaseRolesTests.storeDemandWithPhone(sandbox)
            let attempts: [(ServiceRole, String)] = [
                (.dispatcher, "UPDATE ticket_facts SET report_count = 99"),
                (.dispatcher, "INSERT INTO intake_timeline (ticket_no, at, type) VALUES ('W20261118-000001', now(), 'x')"),
                (.intake, "INSERT INTO ticket_states (ticket_no, status) VALUES ('W20261118-000001', 'closed')"),
                (.intake, "UPDATE assignments SET status = 'completed'"),
                (.intake, "SELECT department FROM assignments"),
                (.evaluator, "UPDATE ticket_facts SET content = 'x'"),
                (.notifier, "INSERT INTO dispatch_timeline (ticket_no, at, type) VALUES ('W20261118-000001', now(), 'x')"),
            ]
            for (role, sql) in attempts {
                #expect(DatabaseRolesTests.refused(try await DatabaseRolesTests.attempt(sandbox, role: role, sql)), "\(role): \(sql)")
            }
            let read = try await DatabaseRolesTests.attempt(sandbox, role: .intake, "SELECT status FROM tickets")
            #expect(try read.get() == ["accepted"], "the read model shows a ticket dispatcher has not met yet as accepted")
        } catch {
            await sandbox.tearDown()
            throw error
        }
        await sandbox.tearDown()
    }
}
