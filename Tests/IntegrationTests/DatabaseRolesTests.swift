import Foundation
import Testing
import WhistlePostgres
import WhistleReliability

/// The services' PostgreSQL roles (deploy/postgres/roles.sh) against a real server: what each
/// may read and write equals `ServiceRole`, the evaluator cannot read a phone, drift is repaired
/// by `whistlectl migrate`, and a service role never migrates: it waits for the owner.
@Suite("Database roles", .serialized)
struct DatabaseRolesTests {
    static let phone = "13812345678"

    /// Runs `sql` as `role`; returns the rows' first column, or the SQLSTATE of the refusal.
    static func attempt(_ sandbox: TestSandbox, role: ServiceRole, _ sql: String) async throws -> Result<[String?], PostgresError> {
        let pool = PostgresPool(
            configuration: try PostgresConfiguration(url: sandbox.databaseURL(role: role.roleName), poolSize: 1),
            logger: .init(label: "test"))
        defer { Task { await pool.close() } }
        do {
            let values = try await pool.withConnection { connection in
                try connection.query(sql).map { try $0.decodeIfPresent(0, as: String.self) }
            }
            return .success(values)
        } catch let error as PostgresError where error.sqlState != nil {
            return .failure(error)
        }
    }

    static func refused(_ result: Result<[String?], PostgresError>) -> Bool {
        if case .failure(let error) = result { return error.sqlState == "42501" }
        return false
    }

    /// A ticket with one demand whose reporter has a name and a phone, written as the owner.
    static func storeDemandWithPhone(_ sandbox: TestSandbox) async throws {
        _ = try await sandbox.withDatabase { connection in
            try connection.execute(
                """
                INSERT INTO ticket_facts (ticket_no, channel, urgency, content, opened_at)
                VALUES ('W20261118-000001', '12345', 'normal', '井盖缺失', now());
                INSERT INTO demands (message_id, routing_key, channel, external_id, outcome, ticket_no, raw_body, normalized)
                VALUES ('m-1', '12345', '12345', 'E-1', 'accepted', 'W20261118-000001',
                        convert_to('{"reporter":{"name":"王小明","phone":"\(phone)"}}', 'UTF8'),
                        '{"reporter":{"name":"王小明","phone":"\(phone)"}}');
                INSERT INTO demand_reporters (demand_id, name, phone) SELECT id, '王小明', '\(phone)' FROM demands;
                INSERT INTO notifications (notification_id, event_id, event_type, audience, recipient, template, text, status)
                VALUES (gen_random_uuid(), 'e-1', 'ticket.accepted', 'citizen', '\(phone)', 'citizen_accepted', '您的诉求已受理', 'sent');
                """)
        }
    }

    @Test(
        "the evaluator role reads a reporter only through the columns its read API shows, never a raw body, a normalized form or a notification"
    )
    func evaluatorCannotReadAPhone() async throws {
        let sandbox = try await TestSandbox("db-roles")
        do {
            try await Fixtures.prepare(sandbox)
            try await Self.storeDemandWithPhone(sandbox)
            for sql in [
                "SELECT reporter_ref FROM demand_reporters", "SELECT r::text FROM demand_reporters r", "SELECT raw_body::text FROM demands",
                "SELECT normalized::text FROM demands", "SELECT recipient FROM notifications", "SELECT text FROM notifications",
                "SELECT d::text FROM demands d",
            ] {
                #expect(Self.refused(try await Self.attempt(sandbox, role: .evaluator, sql)), "evaluator: \(sql)")
            }
            let allowed = try await Self.attempt(
                sandbox, role: .evaluator, "SELECT ticket_no || '/' || channel || '/' || outcome FROM demands")
            #expect(try allowed.get() == ["W20261118-000001/12345/accepted"], "evaluator reads what a demand says of its ticket")
            #expect(
                try await Self.attempt(sandbox, role: .evaluator, "SELECT phone FROM demand_reporters").get() == [Self.phone],
                "its read API shows the reporter to the lead (and records it)")
            #expect(try await Self.attempt(sandbox, role: .notifier, "SELECT phone FROM demand_reporters").get() == [Self.phone])
            #expect(try await Self.attempt(sandbox, role: .notifier, "SELECT recipient FROM notifications").get() == [Self.phone])
            #expect(try await Self.attempt(sandbox, role: .dispatcher, "SELECT phone FROM demand_reporters").get() == [Self.phone])
            #expect(Self.refused(try await Self.attempt(sandbox, role: .dispatcher, "SELECT recipient FROM notifications")))
            for role in ServiceRole.allCases {
                #expect(
                    Self.refused(try await Self.attempt(sandbox, role: role, "SELECT raw_body::text FROM demands")), "\(role): raw body")
                #expect(Self.refused(try await Self.attempt(sandbox, role: role, "CREATE TABLE stolen (phone text)")), "\(role): create")
                #expect(Self.refused(try await Self.attempt(sandbox, role: role, "DELETE FROM demands")), "\(role): delete demands")
                #expect(
                    Self.refused(try await Self.attempt(sandbox, role: role, "UPDATE departments SET name = 'x'")),
                    "\(role): reference data")
            }
            #expect(
                Self.refused(try await Self.attempt(sandbox, role: .intake, "SELECT phone FROM demand_reporters")),
                "intake writes, never reads")
        } catch {
            Issue.record("\(error)")
        }
        await sandbox.tearDown()
    }

    @Test("every table privilege of every role in the database equals the model, column by column (SELECT and UPDATE)")
    func catalogEqualsModel() async throws {
        let sandbox = try await TestSandbox("db-catalog")
        do {
            try await Fixtures.prepare(sandbox)
            let mismatches: [String] = try await sandbox.withDatabase { connection in
                var mismatches: [String] = []
                let columns = try connection.query(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"
                ).map { (try $0.decode(0, as: String.self), try $0.decode(1, as: String.self)) }
                for role in ServiceRole.allCases {
                    for table in Set(columns.map(\.0)).sorted() {
                        let grant = role.grant(on: table)
                        for privilege in [TablePrivilege.insert, .update, .delete] {
                            let has = try connection.query(
                                "SELECT has_table_privilege($1, $2, $3)", [role.roleName, "public.\(table)", privilege.rawValue]
                            ).first!.decode(0, as: Bool.self)
                            if has != (grant?.privileges.contains(privilege) ?? false) {
                                mismatches.append("\(role) \(privilege) \(table): \(has)")
                            }
                        }
                        for (name, column) in columns where name == table {
                            let has = try connection.query(
                                "SELECT has_column_privilege($1, $2, $3, 'SELECT')", [role.roleName, "public.\(table)", column]
                            ).first!.decode(0, as: Bool.self)
                            if has != (grant?.canRead(column: column) ?? false) {
                                mismatches.append("\(role) SELECT \(table).\(column): \(has)")
                            }
                            let updates = try connection.query(
                                "SELECT has_column_privilege($1, $2, $3, 'UPDATE')", [role.roleName, "public.\(table)", column]
                            ).first!.decode(0, as: Bool.self)
                            if updates != (grant?.canUpdate(column: column) ?? false) {
                                mismatches.append("\(role) UPDATE \(table).\(column): \(updates)")
                            }
                        }
                    }
                }
                return mismatches
            }
            #expect(mismatches.isEmpty, "\(mismatches)")
        } catch {
            Issue.record("\(error)")
        }
        await sandbox.tearDown()
    }

    @Test("a grant added by hand is revoked by whistlectl migrate, whose report shows who may read personal data")
    func driftIsRepaired() async throws {
        let sandbox = try await TestSandbox("db-drift")
        do {
            try await Fixtures.prepare(sandbox)
            try await Self.storeDemandWithPhone(sandbox)
            _ = try await sandbox.withDatabase { try $0.execute("GRANT SELECT ON notifications TO whistle_evaluator") }
            #expect(try await Self.attempt(sandbox, role: .evaluator, "SELECT recipient FROM notifications").get() == [Self.phone])
            let ctl = Ctl(databaseURL: sandbox.databaseURL)
            let migrated = try await ctl.run(["migrate"])
            #expect(migrated.status == 0, "\(migrated.stderr)")
            #expect(Self.refused(try await Self.attempt(sandbox, role: .evaluator, "SELECT recipient FROM notifications")))
            let lines = migrated.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("schema: up to date") == true, "\(migrated.stdout)")
            #expect(
                lines.contains {
                    $0.hasPrefix("whistle_evaluator") && $0.contains("demand_reporters.phone") && !$0.contains("notifications")
                },
                "\(migrated.stdout)")
            #expect(
                lines.contains {
                    $0.hasPrefix("whistle_notifier") && $0.contains("demand_reporters.phone") && $0.contains("notifications.recipient")
                })
            #expect(lines.contains { $0.hasPrefix("whistle_intake") && $0.hasSuffix("none") }, "\(migrated.stdout)")
            let checked = try await ctl.run(["migrate", "--check"])
            #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
            let asRole = try await Ctl(databaseURL: sandbox.databaseURL(role: "whistle_evaluator")).run(["migrate"])
            #expect(asRole.status == 0, "a role with nothing pending has nothing to do: \(asRole.stderr)")
        } catch {
            Issue.record("\(error)")
        }
        await sandbox.tearDown()
    }

    @Test("a service whose role does not own the schema never migrates: it waits for the owner, then starts")
    func serviceWaitsForTheOwner() async throws {
        let sandbox = try await TestSandbox("db-wait")
        let intake = try ServiceProcess("intake", sandbox: sandbox)
        do {
            try await Task.sleep(for: .seconds(3))
            #expect(intake.isRunning, "intake waits instead of failing")
            #expect(try await sandbox.count("SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public'") == 0, "and creates nothing")
            #expect(intake.logTail().contains("waiting for the schema owner to migrate"), "\(intake.logTail())")
            let pending = try await Ctl(databaseURL: sandbox.databaseURL).run(["migrate", "--check"])
            #expect(pending.status == 1, "--check fails while migrations are pending")
            #expect(pending.stdout.hasPrefix("schema: migrations 1, 2, 3"), "\(pending.stdout)")
            try await Fixtures.prepare(sandbox)
            try await intake.waitHealthy(timeout: .seconds(20))
            let owner = try await sandbox.count("SELECT count(DISTINCT tableowner)::int FROM pg_tables WHERE schemaname = 'public'")
            #expect(owner == 1)
            #expect(
                try await sandbox.count("SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'whistle'") > 20)
        } catch {
            Issue.record("\(error)\n\(intake.logTail())")
        }
        await intake.stop()
        await sandbox.tearDown()
    }
}
