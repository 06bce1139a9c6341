import Testing
@testable import WhistleReliability

/// The model of the service roles' database grants: who may read personal data, and the SQL
/// that gives each role exactly its grants.
@Suite("Database privileges")
struct DatabasePrivilegesTests {
    /// Columns holding names and phones, or bodies that contain them.
    static let personal = [
        ("demand_reporters", "name"), ("demand_reporters", "phone"), ("demands", "raw_body"), ("demands", "normalized"),
        ("notifications", "recipient"), ("notifications", "text"),
    ]

    func readers(_ table: String, _ column: String) -> [ServiceRole] {
        ServiceRole.allCases.filter { $0.grant(on: table)?.canRead(column: column) == true }
    }

    @Test("personal data: only dispatcher and notifier read reporters, no role reads a raw body, notifier alone its notifications")
    func personalData() {
        #expect(readers("demand_reporters", "phone") == [.dispatcher, .notifier])
        #expect(readers("demand_reporters", "name") == [.dispatcher, .notifier])
        #expect(readers("demands", "raw_body").isEmpty)
        #expect(readers("demands", "normalized") == [.dispatcher])
        #expect(readers("notifications", "recipient") == [.notifier])
        #expect(readers("notifications", "text") == [.notifier])
        #expect(readers("demands", "ticket_no") == ServiceRole.allCases)
    }

    @Test("evaluator has nothing on reporters or notifications and no personal column of demands")
    func evaluator() {
        let role = ServiceRole.evaluator
        #expect(role.grant(on: "demand_reporters") == nil)
        #expect(role.grant(on: "notifications") == nil)
        let demands = role.grant(on: "demands")
        #expect(demands?.privileges == [])
        #expect(demands?.readableColumns.contains("raw_body") == false)
        let sql = DatabasePrivilegesApplier.statements(for: role, schema: "public").joined(separator: "\n")
        #expect(!sql.contains("demand_reporters"))
        #expect(!sql.contains("notifications"))
        #expect(sql.contains(#"GRANT SELECT ("id", "message_id", "routing_key", "channel", "external_id", "outcome", "ticket_no", "received_at") ON TABLE "public"."demands" TO "whistle_evaluator""#))
    }

    @Test("no role may change the timeline, the reference data or delete a demand; relays delete their outbox, the dispatcher its timers")
    func writes() {
        let reference = ["areas", "departments", "categories", "routing_rules", "deadline_policies", "calendar_days", "settings"]
        for role in ServiceRole.allCases {
            let timeline = role.grant(on: "timeline")?.privileges ?? []
            #expect(!timeline.contains(.update) && !timeline.contains(.delete), "\(role)")
            for table in reference { #expect(role.grant(on: table)?.privileges == [.select], "\(role) \(table)") }
            let deletes = role.grants.filter { $0.privileges.contains(.delete) }.map(\.table)
            #expect(deletes == (role == .dispatcher ? ["outbox", "timers"] : ["outbox"]), "\(role) deletes only what it must")
        }
        #expect(ServiceRole.intake.grant(on: "demand_reporters")?.privileges == [.insert], "intake writes reporters, never reads them")
    }

    @Test("each role's statements revoke everything first, then grant; identifiers are quoted")
    func statements() {
        let sql = DatabasePrivilegesApplier.statements(for: .intake, schema: #"we"ird"#)
        #expect(sql[0] == #"REVOKE ALL ON ALL TABLES IN SCHEMA "we""ird" FROM "whistle_intake""#)
        #expect(sql[1] == #"REVOKE ALL ON ALL SEQUENCES IN SCHEMA "we""ird" FROM "whistle_intake""#)
        #expect(sql[2] == #"GRANT USAGE ON SCHEMA "we""ird" TO "whistle_intake""#)
        #expect(sql.contains(#"GRANT INSERT ON TABLE "we""ird"."demand_reporters" TO "whistle_intake""#))
        #expect(sql.contains(#"GRANT USAGE ON SEQUENCE "we""ird"."demands_id_seq" TO "whistle_intake""#))
        #expect(sql.contains(#"GRANT SELECT, INSERT, UPDATE ON TABLE "we""ird"."tickets" TO "whistle_intake""#))
        #expect(sql.dropFirst(3).allSatisfy { $0.hasPrefix("GRANT ") })
    }

    @Test("the fingerprint is stable and changes with any line")
    func fingerprint() {
        let a = DatabasePrivilegesApplier.fingerprint(["GRANT x", "whistle_intake=16384"])
        #expect(a == DatabasePrivilegesApplier.fingerprint(["GRANT x", "whistle_intake=16384"]))
        #expect(a.count == 16)
        #expect(a != DatabasePrivilegesApplier.fingerprint(["GRANT x", "whistle_intake=16385"]))
        #expect(DatabasePrivilegesApplier.fingerprint([""]) == "cbf29ce484222325", "FNV-1a of nothing is its offset basis")
    }
}
