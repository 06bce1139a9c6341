import CLibPQ
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One libpq connection (`PGconn*`), owned by this object and finished in deinit.
///
/// Not `Sendable`: a connection is only ever used inside a closure that a `PostgresPool` runs on
/// the connection's own thread (its `ConnectionThread`). Every call blocks that thread, never
/// Swift's cooperative pool; a statement whose task is cancelled is stopped with `PQcancel`.
/// Do not keep the connection beyond the closure.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    let logger: Logger
    /// Set by the notice receiver when the server announces it is closing the connection.
    var serverSaidGoodbye = false
    private var savepointCounter = 0

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

    /// The `PGconn*` while the connection is open (for `PQgetCancel`).
    var rawHandle: OpaquePointer? { handle }

    /// `host:port` of the server this connection reached (one of the configuration's servers).
    var server: String {
        guard let handle else { return "closed" }
        let host = PQhost(handle).map { String(cString: $0) } ?? "?"
        let port = PQport(handle).map { String(cString: $0) } ?? "?"
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// True when the connection is open and libpq has not marked it bad.
    var isUsable: Bool {
        guard let handle, !serverSaidGoodbye else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// True inside a transaction block (begun, failed or in progress), false when idle.
    var isInTransaction: Bool {
        guard let handle else { return false }
        return PQtransactionStatus(handle) != PQTRANS_IDLE
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
            throw PostgresError(
                broken ? .connection : .query,
                message.trimmingWhitespace().isEmpty
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
/// it closes the connection). A notice's text can quote row values (`RAISE NOTICE`), so only its
/// severity and SQLSTATE are logged; a FATAL goodbye is logged with its message.
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
        connection.logger.debug("server notice", metadata: ["severity": "\(severity)", "sqlstate": "\(sqlState)"])
    }
}

extension PostgresConnection {
    /// Checks an idle connection before it is reused, without a round trip.
    ///
    /// An idle connection should receive nothing. When its socket is readable, the server has
    /// either closed it (restart, `pg_terminate_backend`: a FATAL message then end of file) or
    /// sent a notice or notification. This reads what arrived (notifications are dropped; a FATAL
    /// reaches the notice receiver) and returns false when the connection is gone, so the pool can
    /// reopen it before running any statement on it.
    func isAliveWhileIdle() -> Bool {
        guard isUsable, let handle else { return false }
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        for _ in 0..<4 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 0)
            if ready == 0 { return isUsable }
            if ready < 0 { continue }
            if PQconsumeInput(handle) == 0 { return false }
            while let notification = PQnotifies(handle) { PQfreemem(notification) }
            if !isUsable { return false }
        }
        return isUsable
    }
}

/// NUL-terminated copies of strings in one buffer this object owns, with a NULL-terminated array
/// of pointers into it, for C calls that take `const char *const *` (keywords, values, parameters).
///
/// The memory lives as long as the object: keep it alive (`withExtendedLifetime`) until the C call
/// has returned. A nil string becomes a NULL pointer.
private final class CStringArray {
    private let buffer: UnsafeMutablePointer<CChar>
    private let array: UnsafeMutablePointer<UnsafePointer<CChar>?>
    /// How many strings (the terminating NULL not counted).
    let count: Int

    init(_ strings: [String?]) {
        var total = 0
        for string in strings { total += (string?.utf8.count ?? 0) + 1 }
        buffer = .allocate(capacity: max(total, 1))
        array = .allocate(capacity: strings.count + 1)
        count = strings.count
        var offset = 0
        for (index, string) in strings.enumerated() {
            guard let string else {
                array[index] = nil
                continue
            }
            let utf8 = string.utf8
            let length = utf8.count
            UnsafeMutableRawBufferPointer(start: buffer + offset, count: length).copyBytes(from: utf8)
            buffer[offset + length] = 0
            array[index] = UnsafePointer(buffer + offset)
            offset += length + 1
        }
        array[strings.count] = nil
    }

    deinit {
        buffer.deallocate()
        array.deallocate()
    }

    /// The pointer array, valid while this object lives.
    var pointers: UnsafePointer<UnsafePointer<CChar>?> { UnsafePointer(array) }
}
