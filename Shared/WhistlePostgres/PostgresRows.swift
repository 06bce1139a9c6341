/// The values of a result, copied out of libpq so nothing points into freed C memory.
final class PostgresRowStorage: Sendable {
    let columns: [String]
    let columnIndex: [String: Int]
    /// Row-major cells; nil is SQL NULL.
    let cells: [String?]
    let rowCount: Int

    init(columns: [String], cells: [String?], rowCount: Int) {
        self.columns = columns
        self.rowCount = rowCount
        var index: [String: Int] = [:]
        for (position, name) in columns.enumerated() where index[name] == nil { index[name] = position }
        self.columnIndex = index
        self.cells = cells
    }
}

/// One row of a result. Columns are numbered from 0 or found by name (the first of that name).
public struct PostgresRow: Sendable {
    let storage: PostgresRowStorage
    let row: Int

    /// The column names of the result this row belongs to.
    public var columns: [String] { storage.columns }

    /// The raw text of a cell, or nil for NULL. Throws `.decode` for a column out of range.
    public func text(_ column: Int) throws(PostgresError) -> String? {
        guard column >= 0, column < storage.columns.count else {
            throw PostgresError(.decode, "column \(column) is out of range (the result has \(storage.columns.count))")
        }
        return storage.cells[row * storage.columns.count + column]
    }

    /// True when the cell is SQL NULL (or the column does not exist).
    public func isNull(_ column: Int) -> Bool {
        guard column >= 0, column < storage.columns.count else { return true }
        return storage.cells[row * storage.columns.count + column] == nil
    }

    /// True when the named cell is SQL NULL (or there is no such column).
    public func isNull(_ column: String) -> Bool {
        guard let position = storage.columnIndex[column] else { return true }
        return isNull(position)
    }

    /// Decodes a non-NULL cell; throws `.decode` for NULL, a bad value or a missing column.
    public func decode<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let value = try decodeIfPresent(column, as: type) else {
            throw PostgresError(.decode, "column \(columnName(column)) is NULL")
        }
        return value
    }

    /// Decodes a non-NULL cell by column name.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        try decode(try position(of: column), as: type)
    }

    /// Decodes a cell that may be NULL: nil for NULL, otherwise the value.
    public func decodeIfPresent<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) throws(PostgresError) -> T? {
        guard let text = try text(column) else { return nil }
        do {
            return try T(postgresText: text)
        } catch {
            throw PostgresError(.decode, "column \(columnName(column)): \(error.message)")
        }
    }

    /// Decodes a cell that may be NULL, by column name.
    public func decodeIfPresent<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T? {
        try decodeIfPresent(try position(of: column), as: type)
    }

    private func position(of name: String) throws(PostgresError) -> Int {
        guard let position = storage.columnIndex[name] else { throw PostgresError(.decode, "no column named \(name)") }
        return position
    }

    private func columnName(_ column: Int) -> String {
        column >= 0 && column < storage.columns.count ? "\(column) (\(storage.columns[column]))" : "\(column)"
    }
}

/// The rows a statement returned, plus its affected-row count.
public struct PostgresRows: Sendable, RandomAccessCollection {
    let storage: PostgresRowStorage
    /// Column names in order.
    public let columns: [String]
    /// Rows inserted, updated, deleted, selected, … as the command tag reports (0 when it has none).
    public var affectedRows: Int

    init(columns: [String], cells: [String?], rowCount: Int, affectedRows: Int) {
        self.storage = PostgresRowStorage(columns: columns, cells: cells, rowCount: rowCount)
        self.columns = columns
        self.affectedRows = affectedRows
    }

    /// First row index (0).
    public var startIndex: Int { 0 }
    /// One past the last row index.
    public var endIndex: Int { storage.rowCount }

    /// The row at `position`.
    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < endIndex, "row index out of range")
        return PostgresRow(storage: storage, row: position)
    }
}
