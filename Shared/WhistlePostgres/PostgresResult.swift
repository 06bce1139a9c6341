import CLibPQ

/// libpq's error-field codes (the `PG_DIAG_*` macros are character literals).
enum DiagnosticField {
    static let sqlState = Int32(UInt8(ascii: "C"))
    static let primaryMessage = Int32(UInt8(ascii: "M"))
    static let constraintName = Int32(UInt8(ascii: "n"))
    static let severity = Int32(UInt8(ascii: "V"))
}

/// Owns one `PGresult*` and clears it in deinit.
///
/// Values are copied out by `rows()`, so no Swift value ever points into the result's memory.
final class PostgresResult {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }

    deinit { PQclear(handle) }

    var status: ExecStatusType { PQresultStatus(handle) }

    /// True for a successful command or query (an empty query string counts as success).
    var succeeded: Bool {
        let status = self.status
        return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY
    }

    /// True while the connection is in a COPY sub-protocol this module does not drive.
    var isCopy: Bool {
        let status = self.status
        return status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH
    }

    func field(_ code: Int32) -> String? {
        guard let pointer = PQresultErrorField(handle, code) else { return nil }
        return String(cString: pointer)
    }

    /// The error this result reports. Uses the primary message only (never DETAIL, which can
    /// quote row values); client-side errors without fields fall back to libpq's message. Data
    /// exceptions (class 22) quote the rejected input, so their quoted parts are blanked out.
    func error(connectionBroken: Bool) -> PostgresError {
        let sqlState = field(DiagnosticField.sqlState)
        var message = field(DiagnosticField.primaryMessage)
        if message == nil, sqlState == nil, let text = PQresultErrorMessage(handle) {
            message = String(cString: text)
        }
        var text = (message ?? "").trimmingWhitespace()
        if sqlState?.hasPrefix("22") == true { text = text.blankingQuotedParts() }
        if text.isEmpty { text = "statement failed with status \(String(cString: PQresStatus(status)))" }
        return PostgresError(
            connectionBroken ? .connection : .query, text, sqlState: sqlState,
            constraintName: field(DiagnosticField.constraintName))
    }

    /// Copies every cell out as text (nil for NULL) with the column names and affected rows.
    func rows() -> PostgresRows {
        let columnCount = Int(PQnfields(handle))
        let rowCount = Int(PQntuples(handle))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(PQfname(handle, Int32(column)).map { String(cString: $0) } ?? "?column?")
        }
        var cells: [String?] = []
        cells.reserveCapacity(columnCount * rowCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(handle, row, column) != 0 {
                    cells.append(nil)
                    continue
                }
                let length = Int(PQgetlength(handle, row, column))
                guard let value = PQgetvalue(handle, row, column) else {
                    cells.append("")
                    continue
                }
                let bytes = UnsafeRawBufferPointer(start: value, count: length)
                cells.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        var affected = 0
        if let tuples = PQcmdTuples(handle) { affected = Int(String(cString: tuples)) ?? 0 }
        return PostgresRows(columns: columns, cells: cells, rowCount: rowCount, affectedRows: affected)
    }
}

extension String {
    /// `invalid input syntax for type uuid: "13800138000"` → `… type uuid: "…"`.
    func blankingQuotedParts() -> String {
        var out = ""
        var quoted = false
        for character in self {
            if character == "\"" {
                if quoted { out += "…" }
                quoted.toggle()
                out.append(character)
            } else if !quoted {
                out.append(character)
            }
        }
        return out
    }

    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
