import Foundation
import WhistlePostgres

/// What `dept reply` and `triage route` read from the database when not told on the command
/// line: the department of an assignment, and the command center that routes triage.
enum ReferenceLookup {
    /// An assignment as the database has it: whose it is, and whether it still takes replies.
    struct Assignment: Sendable {
        var department: String
        var status: String
        var ticketNo: String

        /// True when CONTRACT §4 allows no further reply (returned, completed or cancelled).
        var isClosed: Bool { ["completed", "returned", "cancelled"].contains(status) }
    }

    /// The `assignments` row `assignmentId`.
    static func assignment(_ assignmentId: String, connection: ConnectionOptions) async throws -> Assignment {
        guard let uuid = UUID(uuidString: assignmentId) else {
            throw CtlError(
                .usage, "assignment id \(assignmentId) is not a UUID, so its department cannot be looked up; give --department")
        }
        let id = uuid.uuidString.lowercased()
        let found = try await connection.withDatabase { pool -> Assignment? in
            try await pool.withConnection { connection -> Assignment? in
                let rows = try connection.query(
                    "SELECT department, status, ticket_no FROM assignments WHERE assignment_id = $1::uuid", [id])
                guard let row = rows.first else { return nil }
                return Assignment(department: try row.decode(0), status: try row.decode(1), ticketNo: try row.decode(2))
            }
        }
        guard let found else {
            let database = ConnectionOptions.redacted(try connection.databaseConfiguration())
            throw CtlError(.notFound, "no assignment \(assignmentId) in the database at \(database); give --department to reply anyway")
        }
        return found
    }

    /// The active command center of the widest level (district before street before the rest),
    /// the first by code among equals.
    static func commandCenter(connection: ConnectionOptions) async throws -> String {
        let found = try await connection.withDatabase { pool -> String? in
            try await pool.withConnection { connection -> String? in
                let rows = try connection.query(
                    """
                    SELECT code FROM departments WHERE kind = 'command_center' AND active
                    ORDER BY CASE level WHEN 'district' THEN 0 WHEN 'street' THEN 1 ELSE 2 END, code LIMIT 1
                    """)
                return try rows.first?.decode(0, as: String.self)
            }
        }
        guard let found else {
            let database = ConnectionOptions.redacted(try connection.databaseConfiguration())
            throw CtlError(
                .notFound,
                "no active command center in the departments of the database at \(database) (load them with whistlectl seed); give --as")
        }
        return found
    }
}
