import CLibPQ
import Logging

/// One libpq connection (`PGconn*`), owned by this object and finished in deinit.
///
/// Not `Sendable`: a connection is only ever used inside a closure that a `PostgresPool` runs on
/// the connection's own thread. Every call blocks that thread, never Swift's cooperative pool.
/// Do not keep the connection beyond the closure.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    let logger: Logger
    /// Set by the notice receiver when the server announces it is closing the connection.
    var serverSaidGoodbye = false
    private var savepointCounter = 0

    /// The `PGconn*` while open (for this module's own checks).
    var currentHandle: OpaquePointer? { handle }

    private init(handle: OpaquePointer, logger: Logger) {
        self.handle = handle
        self.logger = logger
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Opens a connection with `PQconnectdbParams`; blocks up to `connect_timeout` seconds.
    static func connect(configuration: PostgresConfiguration, logger: Logger) throws(PostgresError) -> PostgresConnection {
        let pairs = configuration.connectionKeywords
        let keywords = CStringArray(pairs.map { $0.0 })
        let values = CStringArray(pairs.map { $0.1 })
        guard let raw = PQconnectdbParams(keywords.pointers, values.pointers, 0) else {
            throw PostgresError(.connection, "libpq could not allocate a connection")
        }
        // Keep the C strings alive until PQconnectdbParams has returned.
        withExtendedLifetime((keywords, values)) {}
        guard PQstatus(raw) == CONNECTION_OK else {
            let message = PQerrorMessage(raw).map { String(cString: $0) } ?? "connection failed"
            PQfinish(raw)
            throw PostgresError(.connection, message.trimmingWhitespace())
        }
        let connection = PostgresConnection(handle: raw, logger: logger)
        PQsetNoticeReceiver(raw, postgresNoticeReceiver, Unmanaged.passUnretained(connection).toOpaque())
        return connection
    }

    /// Finishes the connection now; later calls throw a connection error.
    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// True when the connection is open and libpq has not marked it bad.
    var isUsable: Bool {
        guard let handle, !serverSaidGoodbye else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Runs a statement with text-format parameters `$1…` (`PQexecParams`) and copies the result out.
    ///
    /// Parameter values go to the server separately from the SQL text, so they are never
    /// interpreted as SQL. A nil parameter (or an encodable whose text is nil) is SQL NULL.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws(PostgresError) -> PostgresRows {
        let handle = try liveHandle()
        guard parameters.count <= 65_535 else { throw PostgresError(.query, "too many parameters (\(parameters.count))") }
        var texts: [String?] = []
        texts.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() {
            let text = parameter?.postgresText
            if let text, text.utf8.contains(0) {
                throw PostgresError(.query, "parameter $\(index + 1) contains a NUL character")
            }
            texts.append(text)
        }
        guard !sql.utf8.contains(0) else { throw PostgresError(.query, "SQL text contains a NUL character") }
        let values = CStringArray(texts)
        let raw = sql.withCString { statement in
            PQexecParams(handle, statement, Int32(texts.count), nil, values.pointers, nil, nil, 0)
        }
        withExtendedLifetime(values) {}
        return try finish(raw, handle).rows()
    }

    /// Runs parameterless SQL, possibly several statements separated by `;` (`PQexec`), as
    /// migrations need. Never build values into this SQL: use `query` with parameters instead.
    public func execute(_ sql: String) throws(PostgresError) {
        let handle = try liveHandle()
        guard !sql.utf8.contains(0) else { throw PostgresError(.query, "SQL text contains a NUL character") }
        let raw = sql.withCString { PQexec(handle, $0) }
        _ = try finish(raw, handle)
    }

    /// Runs `body` in a transaction: `BEGIN`, then `COMMIT` when it returns, `ROLLBACK` when it
    /// throws (the error is rethrown). Nested calls use savepoints.
    ///
    /// If a statement failed inside `body` and `body` swallowed the error, the transaction is
    /// rolled back and a `.query` error is thrown instead of a silent non-commit.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let handle = try liveHandle()
        let outermost = PQtransactionStatus(handle) == PQTRANS_IDLE
        savepointCounter += 1
        let savepoint = "whistle_sp_\(savepointCounter)"
        try execute(outermost ? "BEGIN" : "SAVEPOINT \(savepoint)")
        let value: T
        do {
            value = try body(self)
        } catch {
            rollback(outermost: outermost, savepoint: savepoint)
            throw error
        }
        if let handle = self.handle, PQtransactionStatus(handle) == PQTRANS_INERROR {
            rollback(outermost: outermost, savepoint: savepoint)
            throw PostgresError(.query, "the transaction was aborted by an earlier failed statement and was rolled back")
        }
        try execute(outermost ? "COMMIT" : "RELEASE SAVEPOINT \(savepoint)")
        return value
    }

    private func rollback(outermost: Bool, savepoint: String) {
        guard isUsable else { return }
        do {
            if outermost {
                try execute("ROLLBACK")
            } else {
                try execute("ROLLBACK TO SAVEPOINT \(savepoint)")
                try execute("RELEASE SAVEPOINT \(savepoint)")
            }
        } catch {
            logger.warning("rollback failed", metadata: ["error": "\(error)"])
        }
    }

    private func liveHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle else { throw PostgresError(.connection, "the connection is closed") }
        guard !serverSaidGoodbye, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(.connection, "the connection was lost")
        }
        return handle
    }

    /// Wraps the result, turning a failed status into a `PostgresError`.
    private func finish(_ raw: OpaquePointer?, _ handle: OpaquePointer) throws(PostgresError) -> PostgresResult {
        let broken = PQstatus(handle) != CONNECTION_OK
        guard let raw else {
            let message = PQerrorMessage(handle).map { String(cString: $0) } ?? ""
            throw PostgresError(broken ? .connection : .query, message.trimmingWhitespace().isEmpty
                ? "libpq returned no result" : message.trimmingWhitespace())
        }
        let result = PostgresResult(raw)
        if result.isCopy {
            // COPY needs its own sub-protocol; drop the connection rather than leave it stuck.
            close()
            throw PostgresError(.query, "COPY is not supported; the connection was closed")
        }
        guard result.succeeded else { throw result.error(connectionBroken: broken) }
        return result
    }
}

/// Receives server notices (and, on an idle connection, the FATAL message a server sends before
/// it closes the connection). Logs the primary message only, at debug level.
private func postgresNoticeReceiver(_ context: UnsafeMutableRawPointer?, _ result: OpaquePointer?) {
    guard let context, let result else { return }
    let connection = Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
    let severity = PQresultErrorField(result, DiagnosticField.severity).map { String(cString: $0) } ?? ""
    let sqlState = PQresultErrorField(result, DiagnosticField.sqlState).map { String(cString: $0) } ?? ""
    let message = PQresultErrorField(result, DiagnosticField.primaryMessage).map { String(cString: $0) } ?? ""
    if severity == "FATAL" || severity == "PANIC" {
        connection.serverSaidGoodbye = true
        connection.logger.warning("server is closing the connection", metadata: ["sqlstate": "\(sqlState)", "message": "\(message)"])
    } else {
        connection.logger.debug("server notice", metadata: ["severity": "\(severity)", "sqlstate": "\(sqlState)", "message": "\(message)"])
    }
}
