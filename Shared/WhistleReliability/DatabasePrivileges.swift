/// One privilege on a table.
public enum TablePrivilege: String, Sendable, CaseIterable, Comparable {
    case select = "SELECT"
    case insert = "INSERT"
    case update = "UPDATE"
    case delete = "DELETE"

    public static func < (lhs: TablePrivilege, rhs: TablePrivilege) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What one service role may do to one table.
public struct TableGrant: Sendable, Equatable {
    /// The table.
    public var table: String
    /// Privileges on the whole table.
    public var privileges: [TablePrivilege]
    /// When not empty, SELECT is granted on these columns only (and `privileges` has no `.select`).
    public var readableColumns: [String]
    /// Whether the role inserts rows that draw their `id` from the table's `<table>_id_seq`.
    public var usesIdSequence: Bool
    /// When not empty, UPDATE is granted on these columns only (and `privileges` has no `.update`).
    public var updatableColumns: [String] = []
    /// The sequence the table's ids come from, when it is not `<table>_id_seq` (the two timeline
    /// tables share one, so that ids order their entries across both).
    public var sharedSequence: String?

    /// The sequence the role's inserts draw ids from.
    public var idSequence: String { sharedSequence ?? "\(table)_id_seq" }

    /// Reads the whole table.
    public static func read(_ table: String) -> TableGrant {
        TableGrant(table: table, privileges: [.select], readableColumns: [], usesIdSequence: false)
    }

    /// `privileges` on the whole table; `sequence` when its inserts draw an id.
    public static func write(_ table: String, _ privileges: [TablePrivilege], sequence: Bool = false) -> TableGrant {
        TableGrant(table: table, privileges: privileges, readableColumns: [], usesIdSequence: sequence)
    }

    /// INSERT into one of the timeline's tables, whose ids come from the shared `timeline_id_seq`.
    public static func appendTimeline(_ table: TimelineTable) -> TableGrant {
        TableGrant(
            table: table.rawValue, privileges: [.insert], readableColumns: [], usesIdSequence: true, sharedSequence: "timeline_id_seq")
    }

    /// SELECT on `columns` only, plus `privileges` (which must not hold `.select`) on the table,
    /// and UPDATE on the columns `updating` only (then `privileges` must not hold `.update`).
    public static func columns(
        _ table: String, _ columns: [String], plus privileges: [TablePrivilege] = [], updating: [String] = [], sequence: Bool = false
    ) -> TableGrant {
        precondition(!privileges.contains(.select) && !columns.isEmpty, "a column grant names its columns and no table-wide SELECT")
        precondition(updating.isEmpty || !privileges.contains(.update), "an UPDATE on columns and on the whole table exclude each other")
        return TableGrant(
            table: table, privileges: privileges, readableColumns: columns, usesIdSequence: sequence, updatableColumns: updating)
    }

    /// Whether the role may read `column` (of this table).
    public func canRead(column: String) -> Bool {
        privileges.contains(.select) || readableColumns.contains(column)
    }

    /// Whether the role may update `column` (of this table).
    public func canUpdate(column: String) -> Bool {
        privileges.contains(.update) || updatableColumns.contains(column)
    }
}

/// The PostgreSQL role of each service and exactly what it may touch: least privilege for the
/// database. The schema owner (who migrates, and whom `whistlectl` uses) holds everything; a
/// service role holds only these grants, re-applied after every migration pass that changes them
/// (see `DatabasePrivilegesApplier`).
///
/// Personal data: `demand_reporters` (names and phones) is readable by dispatcher (to mask the
/// reporter in assignments), notifier (to address citizens) and evaluator (whose read API shows
/// a reporter in clear only to the lead of an ordinary ticket and to petition bureaus, masked to
/// everyone else, and records every such read in `access_log`, which only evaluator writes);
/// intake writes it without reading it back; evaluator can read neither a demand's raw body or
/// normalized form, nor `notifications`, nor a reporter's `reporter_ref`. A demand's raw body is readable by no service role at all.
/// Retention: intake may set a demand's raw body and normalized form to NULL and delete its
/// reporter row (`RetentionService`), reading neither.
public enum ServiceRole: String, Sendable, CaseIterable {
    case intake, dispatcher, notifier, evaluator

    /// The role's name in PostgreSQL: `whistle_<service>`.
    public var roleName: String { "whistle_\(rawValue)" }

    /// Every grant of this role.
    public var grants: [TableGrant] { Self.common + own }

    /// The grant on `table`, if any.
    public func grant(on table: String) -> TableGrant? { grants.first { $0.table == table } }

    /// What every service does: read the reference data and the schema version; record the
    /// messages it consumed (inbox), the messages it failed (message_failures), and relay its
    /// outbox.
    static let common: [TableGrant] = [
        .read("schema_migrations"),
        .read("areas"), .read("departments"), .read("categories"), .read("routing_rules"),
        .read("deadline_policies"), .read("calendar_days"), .read("settings"), .read("gazetteer"),
        .write("inbox", [.select, .insert, .delete]),  // delete: its own rows past WHISTLE_DEDUP_DAYS
        .write("outbox", [.select, .insert, .update, .delete], sequence: true),
        .write("message_failures", [.select, .insert, .update]),
    ]

    /// Demand columns that hold no personal data.
    static let demandColumns = ["id", "message_id", "routing_key", "channel", "external_id", "outcome", "ticket_no", "received_at"]

    private var own: [TableGrant] {
        switch self {
        case .intake:
            return [
                .write("ticket_sequences", [.select, .insert, .update]),
                .write("ticket_facts", [.select, .insert, .update]),
                .read("tickets"),
                .read("ticket_departments"),
                // Retention (RetentionService): clears the raw body, normalized form and reporter
                // of demands whose ticket closed long ago, without reading any of them.
                .columns(
                    "demands", Self.demandColumns + ["identity_cleared_at", "points_ref"], plus: [.insert],
                    updating: ["raw_body", "normalized", "identity_cleared_at"], sequence: true),
                .columns("demand_reporters", ["demand_id"], plus: [.insert, .delete]),
                .appendTimeline(.intake),
                .write("feedback", [.insert], sequence: true),
                .write("evaluations", [.select, .insert], sequence: true),
                .write("period_evaluations", [.select, .insert], sequence: true),
                // 积分回馈: the ledger and each reporter's balance; the rules are whistlectl's.
                .read("points_rules"),
                .write("points_accounts", [.select, .insert, .update]),
                .write("points_entries", [.select, .insert], sequence: true),
            ]
        case .dispatcher:
            return [
                .write("ticket_states", [.select, .insert, .update]),
                .read("tickets"),
                .columns("demands", Self.demandColumns),
                .read("demand_reporters"),
                .write("assignments", [.select, .insert, .update]),
                .write("timers", [.select, .insert, .update, .delete], sequence: true),
                .appendTimeline(.dispatch),
            ]
        case .notifier:
            return [
                .read("tickets"),
                .columns("demands", Self.demandColumns),
                .read("demand_reporters"),
                .read("assignments"),
                .write("notifications", [.select, .insert, .update], sequence: true),
                .write("event_journal", [.select, .insert, .delete]),  // delete: past WHISTLE_DEDUP_DAYS
            ]
        case .evaluator:
            return [
                .read("tickets"),
                // The HTTP gateways (CONTRACT §9) answer a posted demand's outcome with its errors,
                // for the client that posted it (adapter, via).
                .columns("demands", Self.demandColumns + ["errors", "adapter", "via"]),
                .read("api_clients"),
                // The read API shows a ticket's reporters, in clear only to those CONTRACT §8 allows.
                .columns("demand_reporters", ["demand_id", "name", "phone", "anonymous"]),
                .read("assignments"),
                .read("timeline"),
                .write("access_log", [.select, .insert], sequence: true),
                .write("kpi_daily", [.select, .insert, .update]),
                .write("evaluator_applied", [.select, .insert, .delete]),  // delete: past WHISTLE_DEDUP_DAYS
                .write("demand_stats", [.select, .insert, .update]),
                .write("hotspot_alerts", [.select, .insert]),
                .write("period_scores", [.select, .insert]),
                // The points read routes (GET /v1/points…).
                .read("points_accounts"),
                .read("points_entries"),
            ]
        }
    }
}
