import Foundation
import Logging
import Metrics
import ServiceLifecycle
import WhistlePostgres
import WhistleRuntime

/// A table of bookkeeping rows that one service writes and that only matter for a while: the
/// rows `DedupRetention` deletes once they are older than `WHISTLE_DEDUP_DAYS`. Each service
/// deletes only its own rows (its consumers' in the tables every service shares).
public struct RetainedTable: Sendable, Hashable {
    /// The table.
    public let table: String
    /// The consumers whose rows are the service's own, in a table every service shares; empty
    /// for a table the service owns whole.
    public let owners: [String]
    /// The SQL condition of an old row; `$3` is the number of days kept.
    let oldRow: String

    /// The messages `consumers` applied, by when they were recorded.
    public static func inbox(consumers: [String]) -> RetainedTable {
        RetainedTable(table: "inbox", owners: consumers, oldRow: "received_at < now() - make_interval(days => $3::int)")
    }

    /// The events `consumers` journaled, by when they were recorded.
    public static func eventJournal(consumers: [String]) -> RetainedTable {
        RetainedTable(table: "event_journal", owners: consumers, oldRow: "recorded_at < now() - make_interval(days => $3::int)")
    }

    /// The events evaluator counted, by when it counted them.
    public static let evaluatorApplied = RetainedTable(
        table: "evaluator_applied", owners: [], oldRow: "applied_at < now() - make_interval(days => $3::int)")

    /// Dispatcher's timers that fired (or were cancelled) that long ago; pending ones stay.
    public static let finishedTimers = RetainedTable(
        table: "timers", owners: [],
        oldRow: "(fired_at < now() - make_interval(days => $3::int) OR cancelled_at < now() - make_interval(days => $3::int))")

    /// The advisory lock that lets one instance of a service sweep the table at a time.
    var lockKey: String { "whistle.dedup-retention.\(table).\(owners.sorted().joined(separator: ","))" }
}

/// Retention of a service's bookkeeping rows (`RetainedTable`, `DedupRetentionSettings`): every
/// `WHISTLE_DEDUP_INTERVAL_MS`, one pass over each table deletes the rows older than
/// `WHISTLE_DEDUP_DAYS`, at most `WHISTLE_DEDUP_BATCH` per transaction with a pause of
/// `WHISTLE_DEDUP_PAUSE_MS` between transactions, so that it never holds many locks or writes a
/// burst of WAL while the flow runs.
///
/// A pass walks the table in physical order (`ctid`, a TID range scan of 1,024 pages at most per
/// statement), so it needs no index and costs the inserts nothing: a btree on the time column
/// would be one more index write per applied message, and a BRIN index stops helping after the
/// first pass (the pages freed are filled with new rows, and a BRIN range's bounds only widen).
/// Each page is read once per pass. An instance that finds another instance of its service
/// sweeping the same table (an advisory lock per table and owners) leaves that pass to it.
/// `whistle_dedup_rows_deleted_total{table}` counts the rows deleted.
public final class DedupRetention: Service, Sendable {
    /// What one pass over one table did.
    public struct Pass: Sendable, Equatable {
        /// Rows deleted.
        public var deleted = 0
        /// Transactions that deleted at least one row.
        public var batches = 0
        /// Statements run (each one transaction).
        public var statements = 0
        /// Whether another instance held the table, so that this one stopped.
        public var busy = false
    }

    private let pool: PostgresPool
    private let settings: DedupRetentionSettings
    private let tables: [RetainedTable]
    private let pagesPerStatement: Int
    private let logger: Logger

    /// - Parameter pagesPerStatement: the pages one statement scans at most (8 MiB by default).
    public init(
        pool: PostgresPool, settings: DedupRetentionSettings, tables: [RetainedTable], pagesPerStatement: Int = 1024, logger: Logger
    ) {
        self.pool = pool
        self.settings = settings
        self.tables = tables
        self.pagesPerStatement = max(1, pagesPerStatement)
        self.logger = logger
    }

    public func run() async throws {
        let work = PeriodicWork(
            interval: .milliseconds(settings.intervalMilliseconds), failure: "bookkeeping retention failed; retrying at the next interval",
            logger: logger)
        await work.run {
            for table in tables where !Task.isShuttingDownGracefully {
                let started = ContinuousClock.now
                let pass = try await self.pass(table)
                if pass.deleted > 0 {
                    logger.info(
                        "deleted bookkeeping rows past retention",
                        metadata: [
                            "table": "\(table.table)", "rows": "\(pass.deleted)", "batches": "\(pass.batches)", "days": "\(settings.days)",
                            "ms": "\((ContinuousClock.now - started).milliseconds)",
                        ])
                }
            }
            return .pause
        }
    }

    /// One pass over `table`: deletes its old rows, batch by batch, from its first page to its
    /// last (pausing between transactions unless `pausing` is false).
    public func pass(_ table: RetainedTable, pausing: Bool = true) async throws -> Pass {
        var pass = Pass()
        var cursor = PageCursor.start
        let counter = Counter(label: "whistle_dedup_rows_deleted_total", dimensions: [("table", table.table)])
        while !Task.isShuttingDownGracefully {
            guard let step = try await batch(table, after: cursor) else {
                pass.busy = true
                break
            }
            pass.statements += 1
            if step.deleted > 0 {
                pass.deleted += step.deleted
                pass.batches += 1
                counter.increment(by: Int64(step.deleted))
            }
            guard let next = step.next else { break }
            cursor = next
            if pausing && settings.pauseMilliseconds > 0 {
                let pause = Duration.milliseconds(settings.pauseMilliseconds)
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                } catch {
                    break  // shutdown or cancellation: the next start goes on
                }
            }
        }
        return pass
    }

    /// What one transaction did: the rows it deleted, and where the next one starts (nil: the
    /// pass reached the table's end).
    struct Step: Sendable {
        var deleted: Int
        var next: PageCursor?
    }

    /// One transaction: deletes up to a batch of old rows after `cursor`, within `pagesPerStatement`
    /// pages; nil when another instance holds the table.
    func batch(_ table: RetainedTable, after cursor: PageCursor) async throws -> Step? {
        let limit = settings.batch
        let days = settings.days
        let end = cursor.block + pagesPerStatement
        let owned = table.owners.isEmpty ? "" : " AND consumer = ANY($5::text[])"
        let sql = """
            WITH doomed AS (
                SELECT ctid FROM \(table.table)
                WHERE ctid > $1::tid AND ctid < $2::tid AND \(table.oldRow)\(owned)
                LIMIT $4
            ), gone AS (
                DELETE FROM \(table.table) WHERE ctid = ANY(ARRAY(SELECT ctid FROM doomed)) RETURNING ctid
            )
            SELECT (SELECT count(*) FROM gone)::int, (SELECT max(ctid) FROM gone)::text,
                   (pg_relation_size('\(table.table)') / current_setting('block_size')::bigint)::int8
            """
        var parameters: [(any PostgresEncodable)?] = [cursor.tid, "(\(end),0)", days, limit]
        if !table.owners.isEmpty { parameters.append(table.owners) }
        let bound = parameters
        let key = table.lockKey
        return try await pool.transaction { connection -> Step? in
            let locked = try connection.query("SELECT pg_try_advisory_xact_lock(hashtext($1))", [key])
            guard try locked.first?.decode(0, as: Bool.self) == true else { return nil }
            guard let row = try connection.query(sql, bound).first else { return Step(deleted: 0, next: nil) }
            let deleted = try row.decode(0, as: Int.self)
            let pages = try row.decode(2, as: Int64.self)
            if deleted >= limit, let last = try row.decodeIfPresent(1, as: String.self).flatMap(PageCursor.init(tid:)) {
                return Step(deleted: deleted, next: last)
            }
            return Step(deleted: deleted, next: Int64(end) < pages ? PageCursor(block: end, offset: 0) : nil)
        }
    }
}

/// A position in a table's heap: the tuple (`block`, `offset`) a sweep has passed.
struct PageCursor: Sendable, Equatable {
    var block: Int
    var offset: Int

    /// Before the first tuple.
    static let start = PageCursor(block: 0, offset: 0)

    init(block: Int, offset: Int) {
        self.block = block
        self.offset = offset
    }

    /// Reads PostgreSQL's `(block,offset)`.
    init?(tid: String) {
        let parts = tid.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
        guard parts.count == 2, let block = Int(parts[0]), let offset = Int(parts[1]) else { return nil }
        self.init(block: block, offset: offset)
    }

    /// As a `tid` literal.
    var tid: String { "(\(block),\(offset))" }
}

extension ServiceKit {
    /// This service's bookkeeping retention: the inbox rows of `consumers`, and `tables`.
    public func dedupRetention(consumers: [BatchConsumer], also tables: [RetainedTable] = []) -> DedupRetention {
        DedupRetention(
            pool: pool, settings: configuration.dedupRetention, tables: [.inbox(consumers: consumers.map(\.name))] + tables, logger: logger)
    }
}

extension Duration {
    /// Whole milliseconds.
    fileprivate var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
