/// The one error type of WhistlePostgres: every libpq status, server error and decoding failure
/// becomes a `PostgresError` at the module boundary.
///
/// The message is the server's primary message (or libpq's connection message). It never holds
/// the server's DETAIL field, and input quoted by data-exception messages (SQLSTATE class 22) is
/// blanked out, because values may contain personal data and errors end up in logs.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// The connection URL could not be parsed.
        case invalidURL
        /// A connection could not be opened, or was lost during a call.
        case connection
        /// The server rejected a statement (see `sqlState`).
        case query
        /// A value could not be decoded from its text form, or a column does not exist.
        case decode
        /// The pool is closed.
        case poolClosed
        /// A migration could not be loaded or applied.
        case migration
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable message without parameter values.
    public var message: String
    /// The five-character SQLSTATE of a server error, such as `23505`.
    public var sqlState: String?
    /// The constraint a server error names (for example the unique index a duplicate hit).
    public var constraintName: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, sqlState: String? = nil, constraintName: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.constraintName = constraintName
    }

    /// True when the connection is gone or on the wrong server: a connection error, SQLSTATE
    /// class 08 (connection exception), 57P01/57P02/57P03 (administrator shutdown, crash shutdown,
    /// cannot connect now), or 25006 (read-only transaction: the server is a standby, for example
    /// the old primary's peer before promotion). The pool reopens the connection on its next use
    /// (libpq then looks for the primary again); the caller may retry the whole unit of work.
    public var isConnectionLoss: Bool {
        if code == .connection { return true }
        guard let state = sqlState else { return false }
        return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03" || isReadOnlyServer
    }

    /// True for SQLSTATE 25006 (read_only_sql_transaction): a write reached a read-only server.
    public var isReadOnlyServer: Bool { sqlState == "25006" }

    /// True for a unique-constraint violation (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// True for a serialization failure or deadlock (SQLSTATE 40001 or 40P01): retry the transaction.
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// `postgres <code> error [SQLSTATE]: message`.
    public var description: String {
        var text = "postgres \(code.rawValue) error"
        if let sqlState { text += " [\(sqlState)]" }
        if let constraintName { text += " (constraint \(constraintName))" }
        return text + ": " + message
    }
}
