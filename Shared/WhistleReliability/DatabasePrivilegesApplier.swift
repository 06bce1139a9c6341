import Logging
import WhistlePostgres

/// What one pass of `DatabasePrivilegesApplier.apply` found and did.
public struct PrivilegesReport: Sendable, Equatable {
    /// Service roles that exist and now hold exactly their grants.
    public var granted: [ServiceRole]
    /// Service roles that do not exist in this cluster (nothing to grant; services cannot log in as them).
    public var missing: [ServiceRole]
    /// Whether the statements ran (false: the recorded fingerprint matched, nothing changed).
    public var applied: Bool
}

/// Gives each existing service role exactly the grants of `ServiceRole.grants` on the current
/// schema: every earlier privilege of the role on the schema's tables and sequences is revoked
/// and the wanted ones granted, in one transaction, so a role never holds a grant the model
/// dropped. Only the schema owner can do this; `WhistleSchema` calls it under the migration lock.
///
/// A fingerprint of the statements and of the roles' OIDs is kept in `schema_privileges`: an
/// unchanged model on unchanged roles is not re-applied (no catalog churn on every start), while a
/// new build, a new role or a role dropped and created again is.
public enum DatabasePrivilegesApplier {
    /// The statements that give `role` its grants on `schema` (identifiers quoted).
    public static func statements(for role: ServiceRole, schema: String) -> [String] {
        let who = quoteIdentifier(role.roleName)
        let namespace = quoteIdentifier(schema)
        var sql = [
            "REVOKE ALL ON ALL TABLES IN SCHEMA \(namespace) FROM \(who)",
            "REVOKE ALL ON ALL SEQUENCES IN SCHEMA \(namespace) FROM \(who)",
            "GRANT USAGE ON SCHEMA \(namespace) TO \(who)",
        ]
        for grant in role.grants {
            let table = "\(namespace).\(quoteIdentifier(grant.table))"
            let privileges = grant.privileges.sorted().map(\.rawValue)
            if !privileges.isEmpty {
                sql.append("GRANT \(privileges.joined(separator: ", ")) ON TABLE \(table) TO \(who)")
            }
            if !grant.readableColumns.isEmpty {
                let columns = grant.readableColumns.map(quoteIdentifier).joined(separator: ", ")
                sql.append("GRANT SELECT (\(columns)) ON TABLE \(table) TO \(who)")
            }
            if !grant.updatableColumns.isEmpty {
                let columns = grant.updatableColumns.map(quoteIdentifier).joined(separator: ", ")
                sql.append("GRANT UPDATE (\(columns)) ON TABLE \(table) TO \(who)")
            }
            if grant.usesIdSequence {
                sql.append("GRANT USAGE ON SEQUENCE \(namespace).\(quoteIdentifier(grant.idSequence)) TO \(who)")
            }
        }
        return sql
    }

    /// Applies the grants of every service role that exists (`force`: even when the fingerprint
    /// is unchanged). Must run as the owner of the schema's tables.
    @discardableResult
    public static func apply(on connection: PostgresConnection, force: Bool = false, logger: Logger) throws -> PrivilegesReport {
        guard let schema = try connection.query("SELECT current_schema()").first?.decodeIfPresent(0, as: String.self) else {
            throw PostgresError(.migration, "no current schema (search_path is empty): cannot grant the service roles")
        }
        var oids: [String: String] = [:]
        for row in try connection.query(
            "SELECT rolname::text, oid::text FROM pg_roles WHERE rolname = ANY($1::text[])", [ServiceRole.allCases.map(\.roleName)])
        {
            oids[try row.decode(0, as: String.self)] = try row.decode(1, as: String.self)
        }
        let granted = ServiceRole.allCases.filter { oids[$0.roleName] != nil }
        let missing = ServiceRole.allCases.filter { oids[$0.roleName] == nil }
        // PostgreSQL before 15 lets every role create tables in public; a service role never may.
        var sql = ["REVOKE CREATE ON SCHEMA \(quoteIdentifier(schema)) FROM PUBLIC"]
        for role in granted { sql += statements(for: role, schema: schema) }
        let fingerprint = fingerprint(sql + granted.map { "\($0.roleName)=\(oids[$0.roleName]!)" })
        if !force {
            let recorded = try connection.query("SELECT fingerprint FROM schema_privileges").first?.decodeIfPresent(0, as: String.self)
            if recorded == fingerprint { return PrivilegesReport(granted: granted, missing: missing, applied: false) }
        }
        try connection.transaction { connection in
            for statement in sql { try connection.execute(statement) }
            try connection.query(
                """
                INSERT INTO schema_privileges (only_row, fingerprint, applied_at) VALUES (true, $1, now())
                ON CONFLICT (only_row) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, applied_at = EXCLUDED.applied_at
                """, [fingerprint])
        }
        logger.info(
            "granted the service roles their privileges",
            metadata: ["roles": "\(granted.map(\.roleName))", "missing": "\(missing.map(\.roleName))"])
        return PrivilegesReport(granted: granted, missing: missing, applied: true)
    }

    /// `name` as a double-quoted SQL identifier.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// FNV-1a (64 bit) of the lines, as 16 hex digits: a change detector, not a secret.
    static func fingerprint(_ lines: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in lines.joined(separator: "\n").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
