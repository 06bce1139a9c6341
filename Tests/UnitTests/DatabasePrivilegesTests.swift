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

    @Test(
        "personal data: dispatcher, notifier and evaluator's read API read reporters, no role reads a raw body, notifier alone its notifications"
    )
    func personalData() {
        #expect(readers("demand_reporters", "phone") == [.dispatcher, .notifier, .evaluator])
        #expect(readers("demand_reporters", "name") == [.dispatcher, .notifier, .evaluator])
        #expect(readers("demand_reporters", "reporter_ref") == [.dispatcher, .notifier])
        #expect(readers("demands", "raw_body").isEmpty)
        #expect(readers("demands", "normalized").isEmpty, "dispatcher reads a ticket's attachments in the read model")
        #expect(readers("notifications", "recipient") == [.notifier])
        #expect(readers("notifications", "text") == [.notifier])
        #expect(readers("demands", "ticket_no") == ServiceRole.allCases)
    }

    /// Tables whose rows are each service's own, keyed by the service's name (`consumer`,
    /// `publisher`): written by the shared reliability code in every service, never across.
    static let perServiceTables: Set<String> = ["inbox", "outbox", "message_failures"]

    @Test("each table has one writing service: the ticket is intake's facts and dispatcher's state, the timeline one table per writer")
    func oneWriterPerTable() {
        var writers: [String: [ServiceRole]] = [:]
        for role in ServiceRole.allCases {
            for grant in role.grants where grant.privileges.contains(where: { $0 != .select }) || !grant.updatableColumns.isEmpty {
                writers[grant.table, default: []].append(role)
            }
        }
        for (table, roles) in writers where !Self.perServiceTables.contains(table) {
            #expect(roles.count == 1, "\(table) is written by \(roles)")
        }
        #expect(writers["ticket_facts"] == [.intake])
        #expect(writers["ticket_states"] == [.dispatcher])
        #expect(writers["intake_timeline"] == [.intake] && writers["dispatch_timeline"] == [.dispatcher])
        #expect(writers["tickets"] == nil && writers["timeline"] == nil, "the read model's views are written by nobody")
        #expect(ServiceRole.intake.grant(on: "assignments") == nil, "intake learns a ticket's departments from ticket_departments")
        #expect(ServiceRole.intake.grant(on: "intake_timeline")?.idSequence == "timeline_id_seq")
        #expect(ServiceRole.dispatcher.grant(on: "dispatch_timeline")?.idSequence == "timeline_id_seq")
    }

    @Test(
        "evaluator reads reporters as its read API shows them, writes the access records, and has nothing on notifications nor a personal column of demands"
    )
    func evaluator() {
        let role = ServiceRole.evaluator
        let reporters = role.grant(on: "demand_reporters")
        #expect(reporters?.privileges == [] && reporters?.readableColumns == ["demand_id", "name", "phone", "anonymous"])
        #expect(role.grant(on: "access_log")?.privileges == [.select, .insert])
        #expect(ServiceRole.allCases.filter { $0.grant(on: "access_log") != nil } == [.evaluator], "one writer of the access records")
        #expect(role.grant(on: "notifications") == nil)
        let demands = role.grant(on: "demands")
        #expect(demands?.privileges == [])
        #expect(demands?.readableColumns.contains("raw_body") == false)
        let sql = DatabasePrivilegesApplier.statements(for: role, schema: "public").joined(separator: "\n")
        #expect(
            sql.contains(
                #"GRANT SELECT ("demand_id", "name", "phone", "anonymous") ON TABLE "public"."demand_reporters" TO "whistle_evaluator""#))
        #expect(!sql.contains("notifications"))
        #expect(
            sql.contains(
                #"GRANT SELECT ("id", "message_id", "routing_key", "channel", "external_id", "outcome", "ticket_no", "received_at", "errors", "adapter", "via") ON TABLE "public"."demands" TO "whistle_evaluator""#
            ))
    }

    @Test(
        "no role changes the timeline or the reference data or deletes a demand; deletes: outbox, its inbox, timers, reporters, journal and applied markers past retention"
    )
    func writes() {
        let reference = [
            "areas", "departments", "categories", "routing_rules", "deadline_policies", "calendar_days", "settings", "gazetteer",
        ]
        for role in ServiceRole.allCases {
            for table in ["timeline", "intake_timeline", "dispatch_timeline"] {
                let timeline = role.grant(on: table)?.privileges ?? []
                #expect(!timeline.contains(.update) && !timeline.contains(.delete), "\(role) \(table)")
            }
            for table in reference { #expect(role.grant(on: table)?.privileges == [.select], "\(role) \(table)") }
            let deletes = role.grants.filter { $0.privileges.contains(.delete) }.map(\.table)
            let own =
                [
                    "dispatcher": ["timers"], "intake": ["demand_reporters"], "notifier": ["event_journal"],
                    "evaluator": ["evaluator_applied"],
                ][role.rawValue] ?? []
            #expect(deletes == ["inbox", "outbox"] + own, "\(role) deletes only what it must")
            #expect(role.grant(on: "demands")?.privileges.contains(.delete) != true, "\(role)")
        }
        let reporters = ServiceRole.intake.grant(on: "demand_reporters")
        #expect(reporters?.privileges == [.insert, .delete], "intake writes reporters and deletes them past retention")
        #expect(reporters?.readableColumns == ["demand_id"], "and never reads a name or phone")
    }

    @Test("retention: intake updates a demand's raw body, normalized form and clearing time only, and no other role updates a demand")
    func retention() {
        let demands = ServiceRole.intake.grant(on: "demands")
        #expect(demands?.privileges == [.insert])
        #expect(demands?.updatableColumns == ["raw_body", "normalized", "identity_cleared_at"])
        #expect(demands?.canUpdate(column: "raw_body") == true && demands?.canUpdate(column: "ticket_no") == false)
        #expect(demands?.canRead(column: "identity_cleared_at") == true)
        #expect(demands?.canRead(column: "raw_body") == false && demands?.canRead(column: "normalized") == false)
        for role in ServiceRole.allCases where role != .intake {
            #expect(role.grant(on: "demands")?.updatableColumns == [], "\(role)")
            #expect(role.grant(on: "demands")?.canUpdate(column: "raw_body") == false, "\(role)")
        }
        let sql = DatabasePrivilegesApplier.statements(for: .intake, schema: "public")
        #expect(
            sql.contains(#"GRANT UPDATE ("raw_body", "normalized", "identity_cleared_at") ON TABLE "public"."demands" TO "whistle_intake""#)
        )
        #expect(sql.contains(#"GRANT INSERT, DELETE ON TABLE "public"."demand_reporters" TO "whistle_intake""#))
        #expect(sql.contains(#"GRANT SELECT ("demand_id") ON TABLE "public"."demand_reporters" TO "whistle_intake""#))
    }

    @Test("each role's statements revoke everything first, then grant; identifiers are quoted")
    func statements() {
        let sql = DatabasePrivilegesApplier.statements(for: .intake, schema: #"we"ird"#)
        #expect(sql[0] == #"REVOKE ALL ON ALL TABLES IN SCHEMA "we""ird" FROM "whistle_intake""#)
        #expect(sql[1] == #"REVOKE ALL ON ALL SEQUENCES IN SCHEMA "we""ird" FROM "whistle_intake""#)
        #expect(sql[2] == #"GRANT USAGE ON SCHEMA "we""ird" TO "whistle_intake""#)
        #expect(sql.contains(#"GRANT INSERT, DELETE ON TABLE "we""ird"."demand_reporters" TO "whistle_intake""#))
        #expect(sql.contains(#"GRANT USAGE ON SEQUENCE "we""ird"."demands_id_seq" TO "whistle_intake""#))
        #expect(sql.contains(#"GRANT SELECT, INSERT, UPDATE ON TABLE "we""ird"."ticket_facts" TO "whistle_intake""#))
        #expect(sql.contains(#"GRANT SELECT ON TABLE "we""ird"."tickets" TO "whistle_intake""#))
        #expect(sql.contains(#"GRANT USAGE ON SEQUENCE "we""ird"."timeline_id_seq" TO "whistle_intake""#))
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
