import Foundation
import Histogram
import WhistleDomain

extension BenchReport {
    /// The results as JSON: rates per second, latencies in milliseconds, memory in MiB, CPU in
    /// seconds (per demand: milliseconds), idle CPU in % of one core.
    var json: Data {
        get throws {
            var root: [String: Any] = [
                "machine": ["cpus": machine.cpus, "model": machine.model, "memory_gib": machine.memoryGiB, "kernel": machine.kernel],
                "generator": ["allowed_cpus": generator.allowedCPUs, "requested_cpus": generator.requested.map { $0 as Any } ?? NSNull()],
                "process_scope": processScope,
            ]
            if let pgbench {
                root["pgbench"] = ["inserts_per_s": pgbench.transactionsPerSecond, "latency_ms": pgbench.latencyMilliseconds, "clients": 4]
            }
            if let bare { root["bare_pipeline"] = Self.pipeline(bare) }
            if let likeForLike {
                var entry = Self.pipeline(likeForLike)
                entry["counts_from_scenario"] = likeForLikeSource?.result.scenario
                root["like_for_like_pipeline"] = entry
            }
            root["latency_curve"] = [
                "points": curve.map { phase(of: $0) },
                "p99_crosses_1s": crossingJSON.map { $0 as Any } ?? NSNull(),
            ]
            root["flows"] = flows.map { phase(of: $0) }
            if let idle {
                root["idle"] = [
                    "seconds": idle.seconds, "services_and_database_percent_of_core": idle.servicesAndDatabasePercent,
                    "percent_of_core": Dictionary(
                        uniqueKeysWithValues: (Self.services + ["postgres", "rabbitmq", "whistle-bench", "webhook-sink"]).map {
                            ($0, idle.percent($0))
                        }),
                ]
            }
            root["targets"] = targets.map { ["met": $0.met, "text": $0.text] }
            return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
        }
    }

    private var crossingJSON: [String: Any]? {
        switch BenchFigures.crossing(curvePoints, limitMilliseconds: 1000) {
        case nil: return nil
        case .atOrBelow(let rate): return ["kind": "above_at_lowest_rate", "rate_per_s": rate]
        case .notReached(let rate): return ["kind": "not_reached", "highest_rate_per_s": rate]
        case .interpolated(let rate, let from, let to):
            return ["kind": "interpolated_linearly", "rate_per_s": rate, "between_per_s": [from, to]]
        }
    }

    private static func pipeline(_ p: BarePipeline.Result) -> [String: Any] {
        [
            "messages": p.messages, "seconds": p.seconds, "rate_per_s": p.rate, "hops": p.hops, "row_writes_per_message": p.rowsPerMessage,
            "latency_ms": latencies(p.latencies),
        ]
    }

    private func phase(of phase: FlowPhase) -> [String: Any] {
        let flow = phase.result
        let assigned = Self.rate(flow.assigned, flow.assignedSeconds)
        let resolved = Self.rate(flow.resolved, flow.resolvedSeconds)
        var entry: [String: Any] = [
            "scenario": flow.scenario, "target_rate_per_s": flow.targetRate, "drained": flow.drained,
            "published": flow.published, "published_per_s": Self.rate(flow.published, flow.publishSeconds),
            "outcomes": flow.outcomes, "accepted_per_s": Self.rate(flow.outcomes.values.reduce(0, +), flow.outcomeSeconds),
            "tickets": flow.tickets, "triaged": flow.triaged, "assigned": flow.assigned, "assigned_per_s": assigned,
            "resolved": flow.resolved, "resolved_per_s": resolved, "surveys": flow.surveys,
            "latency_ms": [
                "publish_to_outcome": Self.latencies(flow.toOutcome),
                "publish_to_department_queue": Self.latencies(flow.toDepartment),
                "publish_to_resolved": Self.latencies(flow.toResolution),
            ],
            "life_seconds": phase.lifeSeconds,
            "cpu_ms_per_demand": [
                "services_broker_database": phase.cpuPerDemandMilliseconds,
                "by_process": Dictionary(uniqueKeysWithValues: phase.processes.map { ($0.name, phase.cpuPerDemandMilliseconds($0.name)) }),
            ],
            "processes": phase.processes.filter { $0.processes > 0 }.map {
                [
                    "name": $0.name, "processes": $0.processes, "cpu_s": $0.cpuSeconds, "peak_rss_mib": $0.peakRSSMiB,
                    "high_water_mib": $0.highWaterMiB,
                ]
            },
        ]
        if let cost = phase.cost {
            entry["per_demand"] = [
                "quorum_deliveries": cost.quorumDeliveries.map { $0 as Any } ?? NSNull(), "consumed_by_queue": cost.consumedPerQueue,
                "consumed_total": cost.consumedTotal, "row_writes": cost.rowWrites, "row_writes_by_table_kind": cost.rowsPerTable,
                "problems": cost.problems,
            ]
        }
        if let statements = phase.statements { entry["statements"] = StatementProfile.json(statements) }
        if let bare { entry["ratio_to_bare_pipeline"] = assigned / bare.rate }
        if let likeForLike { entry["ratio_to_like_for_like"] = resolved / likeForLike.rate }
        if let pgbench { entry["ratio_to_pgbench"] = assigned / pgbench.transactionsPerSecond }
        return entry
    }

    static func latencies(_ h: Histogram<UInt64>) -> [String: Any] {
        guard h.totalCount > 0 else { return ["count": 0] }
        return ["count": h.totalCount, "p50": ms(h, 50), "p90": ms(h, 90), "p99": ms(h, 99), "max": Double(h.max) / 1000]
    }
}
