import Foundation
import Histogram

extension BenchReport {
    /// The results as JSON: rates per second, latencies in milliseconds, memory in MiB.
    var json: Data {
        get throws {
            var root: [String: Any] = [
                "machine": ["cpus": machine.cpus, "model": machine.model, "memory_gib": machine.memoryGiB, "kernel": machine.kernel]
            ]
            if let pgbench {
                root["pgbench"] = ["inserts_per_s": pgbench.transactionsPerSecond, "latency_ms": pgbench.latencyMilliseconds, "clients": 4]
            }
            if let bare {
                root["bare_pipeline"] = [
                    "messages": bare.messages, "seconds": bare.seconds, "rate_per_s": bare.rate,
                    "latency_ms": Self.latencies(bare.latencies),
                ]
            }
            root["flows"] = flows.map { flow, processes -> [String: Any] in
                let assigned = Self.rate(flow.assigned, flow.assignedSeconds)
                var entry: [String: Any] = [
                    "scenario": flow.scenario, "target_rate_per_s": flow.targetRate, "drained": flow.drained,
                    "published": flow.published, "published_per_s": Self.rate(flow.published, flow.publishSeconds),
                    "outcomes": flow.outcomes, "accepted_per_s": Self.rate(flow.outcomes.values.reduce(0, +), flow.outcomeSeconds),
                    "tickets": flow.tickets, "assigned": flow.assigned, "assigned_per_s": assigned,
                    "resolved": flow.resolved, "resolved_per_s": Self.rate(flow.resolved, flow.resolvedSeconds), "surveys": flow.surveys,
                    "latency_ms": [
                        "publish_to_outcome": Self.latencies(flow.toOutcome),
                        "publish_to_department_queue": Self.latencies(flow.toDepartment),
                        "publish_to_resolved": Self.latencies(flow.toResolution),
                    ],
                    "processes": processes.filter { $0.processes > 0 }.map {
                        [
                            "name": $0.name, "processes": $0.processes, "cpu_s": $0.cpuSeconds, "peak_rss_mib": $0.peakRSSMiB,
                            "high_water_mib": $0.highWaterMiB,
                        ]
                    },
                ]
                if let bare { entry["ratio_to_bare_pipeline"] = assigned / bare.rate }
                if let pgbench { entry["ratio_to_pgbench"] = assigned / pgbench.transactionsPerSecond }
                return entry
            }
            root["targets"] = targets.map { ["met": $0.met, "text": $0.text] }
            return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
        }
    }

    static func latencies(_ h: Histogram<UInt64>) -> [String: Any] {
        guard h.totalCount > 0 else { return ["count": 0] }
        return ["count": h.totalCount, "p50": ms(h, 50), "p90": ms(h, 90), "p99": ms(h, 99), "max": Double(h.max) / 1000]
    }
}
