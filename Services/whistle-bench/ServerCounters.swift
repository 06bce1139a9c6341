import Foundation
import WhistleDomain

/// What the servers themselves count, read before and after a flow phase so that the benchmark
/// can say what one demand costs in durable hops and row writes:
/// - the broker's quorum-queue deliveries (RabbitMQ's global counters, `rabbitmqctl eval`:
///   always on, no plugin; the management plugin is not enabled on the run profile, and
///   enabling it would cost the broker CPU during the run);
/// - each consumer's messages (`whistle_messages_consumed_total{consumer}` of the four services'
///   `/metrics`): the deliveries per queue;
/// - PostgreSQL's rows inserted, updated and deleted per table (`pg_stat_user_tables`).
struct ServerCounters: Sendable {
    /// The command prefix that runs `rabbitmqctl` against the run's broker.
    var rabbitmqctl: [String]
    var databaseURL: String
    /// The services' HTTP ports (deploy/run.sh).
    var metricsPorts = ["evaluator": 7800, "intake": 7801, "dispatcher": 7802, "notifier": 7803]

    struct Snapshot: Sendable {
        /// Deliveries from quorum queues since the broker started; nil when unreadable.
        var quorumDelivered: Double?
        /// Messages each consumer of the services took, by consumer name.
        var consumed: [String: Double] = [:]
        /// Row writes by "table insert" / "table update" / "table delete".
        var rows: [String: Double] = [:]
        /// What could not be read (reported, never fatal).
        var problems: [String] = []
    }

    /// Sums `messages_delivered_total` (redeliveries included) of every quorum-queue entry of the
    /// global counters (keyed by property lists such as `[{protocol,amqp091},{queue_type,…}]`).
    static let quorumDeliveredExpression = """
        lists:foldl(fun({K, C}, A) -> case lists:keyfind(queue_type, 1, K) of {queue_type, rabbit_quorum_queue} -> A + maps:get(messages_delivered_total, C, 0); _ -> A end end, 0, maps:to_list(rabbit_global_counters:overview())).
        """

    static let tablesQuery = """
        SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables
        WHERE relname NOT LIKE 'bench\\_%' ORDER BY relname
        """

    func snapshot() -> Snapshot {
        var out = Snapshot()
        do {
            let text = try PgBench.execute(rabbitmqctl + ["eval", Self.quorumDeliveredExpression])
            out.quorumDelivered = text.split(whereSeparator: \.isNewline).reversed().lazy.compactMap { Double($0) }.first
            if out.quorumDelivered == nil { out.problems.append("rabbitmqctl eval printed \(text.prefix(200))") }
        } catch {
            out.problems.append("broker counters: \(error)")
        }
        for (service, port) in metricsPorts.sorted(by: { $0.key < $1.key }) {
            do {
                let text = try PgBench.execute(["curl", "-s", "--max-time", "3", "http://127.0.0.1:\(port)/metrics"])
                out.consumed.merge(
                    BenchFigures.prometheusCounter(text, metric: "whistle_messages_consumed_total", label: "consumer"), uniquingKeysWith: +)
            } catch {
                out.problems.append("\(service) /metrics: \(error)")
            }
        }
        do {
            let text = try PgBench.execute(["psql", "-X", "-q", "-A", "-t", "-F", "\t", databaseURL, "-c", Self.tablesQuery])
            for line in text.split(whereSeparator: \.isNewline) {
                let f = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard f.count == 4 else { continue }
                for (kind, value) in zip(["insert", "update", "delete"], f[1...]) { out.rows["\(f[0]) \(kind)"] = Double(value) ?? 0 }
            }
        } catch {
            out.problems.append("pg_stat_user_tables: \(error)")
        }
        return out
    }
}

/// What one demand cost, from two snapshots around a flow phase.
struct DemandCost: Sendable {
    var demands: Int
    /// Quorum-queue deliveries per demand (the broker's count); nil when it could not be read.
    var quorumDeliveries: Double?
    /// Messages per demand by consumer (the services' count); the departments' queues are the
    /// benchmark's own `assignments` count.
    var consumedPerQueue: [String: Double]
    /// Row writes per demand by "table kind".
    var rowsPerTable: [String: Double]
    var problems: [String]

    var consumedTotal: Double { consumedPerQueue.values.reduce(0, +) }
    var rowWrites: Double { rowsPerTable.values.reduce(0, +) }

    init(before: ServerCounters.Snapshot, after: ServerCounters.Snapshot, demands: Int, departmentDeliveries: Int) {
        self.demands = demands
        if let b = before.quorumDelivered, let a = after.quorumDelivered, demands > 0 {
            quorumDeliveries = (a - b) / Double(demands)
        }
        consumedPerQueue = BenchFigures.perDemand(before: before.consumed, after: after.consumed, demands: demands)
        if demands > 0, departmentDeliveries > 0 {
            consumedPerQueue["dept.* (the benchmark)"] = Double(departmentDeliveries) / Double(demands)
        }
        rowsPerTable = BenchFigures.perDemand(before: before.rows, after: after.rows, demands: demands)
        problems = before.problems + after.problems
    }

    /// Row writes per demand of each table (insert + update + delete), largest first.
    var rowsByTable: [(table: String, rows: Double)] {
        var sums: [String: Double] = [:]
        for (key, value) in rowsPerTable { sums[String(key.split(separator: " ").first ?? ""), default: 0] += value }
        return sums.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
    }
}
