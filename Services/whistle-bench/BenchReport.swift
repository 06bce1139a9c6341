import Foundation
import Histogram

/// The results of `whistle-bench run`: a table for people and JSON for machines, with the
/// targets of the benchmark checked (reported, never asserted).
struct BenchReport {
    struct Machine {
        var cpus: Int
        var model: String
        var memoryGiB: Double
        var kernel: String

        static func current() -> Machine {
            let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
            let model =
                cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
                .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
            let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
            let kernel = ((try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? "").trimmingCharacters(
                in: .whitespacesAndNewlines)
            return Machine(
                cpus: ProcessInfo.processInfo.activeProcessorCount, model: model,
                memoryGiB: Double(ProcessSampler.kilobytes("MemTotal:", in: meminfo)) / 1_048_576, kernel: kernel)
        }
    }

    /// Where the generator ran: the CPUs it was allowed (its own affinity) and what was asked.
    struct Generator {
        var allowedCPUs: String
        var requested: String?

        static func current(requested: String?) -> Generator {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let allowed =
                status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
                .map { $0.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces) } ?? "unknown"
            return Generator(allowedCPUs: allowed, requested: requested)
        }

        var text: String {
            guard let requested else {
                return "generator        CPUs \(allowedCPUs) (not confined: it shares every core with the servers and services)"
            }
            let note = requested == allowedCPUs ? "" : " — ASKED FOR \(requested): run it under taskset -c \(requested)"
            return "generator        CPUs \(allowedCPUs) (taskset); servers and services: every CPU\(note)"
        }
    }

    var machine: Machine
    var generator = Generator(allowedCPUs: "unknown", requested: nil)
    /// Which processes the CPU and memory figures cover (`ProcessSampler.scope`).
    var processScope = ""
    var pgbench: PgBench.Result?
    var bare: BarePipeline.Result?
    var likeForLike: BarePipeline.Result?
    /// The latency curve's phases, in rate order as run.
    var curve: [FlowPhase] = []
    /// The `--rates` scenarios.
    var flows: [FlowPhase] = []
    var idle: IdlePhase?
    /// Whether the servers' counters and pg_stat_statements were read around each flow phase.
    var countersOn = false

    static func ms(_ histogram: Histogram<UInt64>, _ percentile: Double) -> Double {
        Double(histogram.valueAtPercentile(percentile)) / 1000
    }

    static func latencyText(_ h: Histogram<UInt64>) -> String {
        guard h.totalCount > 0 else { return "-" }
        return String(format: "p50 %.0f  p90 %.0f  p99 %.0f  max %.0f ms", ms(h, 50), ms(h, 90), ms(h, 99), Double(h.max) / 1000)
    }

    static func rate(_ count: Int, _ seconds: Double) -> Double { seconds > 0 ? Double(count) / seconds : 0 }

    var table: String {
        var lines: [String] = []
        lines.append(
            "machine          \(machine.cpus) CPUs, \(machine.model), " + String(format: "%.1f GiB", machine.memoryGiB)
                + ", Linux \(machine.kernel)")
        lines.append(generator.text)
        if !processScope.isEmpty { lines.append("measured         \(processScope)") }
        if countersOn {
            lines.append(
                "counters         read around each flow phase: rabbitmqctl eval (global counters), the services' /metrics, "
                    + "pg_stat_user_tables; pg_stat_statements on (it costs PostgreSQL a few %)")
        }
        if let pgbench {
            lines.append(
                String(
                    format: "pgbench          %.0f inserts/s (one INSERT per transaction, 4 clients, latency %.2f ms)",
                    pgbench.transactionsPerSecond, pgbench.latencyMilliseconds))
        }
        if let bare {
            lines.append(
                String(
                    format:
                        "bare pipeline    %.0f messages/s (%d messages, 3 hops, 2 commits and 3 confirmed publishes each); publish → queue %@",
                    bare.rate, bare.messages, Self.latencyText(bare.latencies)))
        }
        lines += likeForLikeLines
        lines += curveLines
        for phase in flows {
            let (flow, processes) = (phase.result, phase.processes)
            lines.append("")
            lines.append("flow: \(flow.scenario)" + (flow.drained ? "" : "  (DID NOT DRAIN: figures cover what arrived)"))
            lines.append(
                String(
                    format: "  published        %d demands in %.1f s (%.0f/s confirmed)", flow.published, flow.publishSeconds,
                    Self.rate(flow.published, flow.publishSeconds)))
            lines.append(
                String(
                    format: "  accepted         %.0f demands/s (%@)", Self.rate(flow.outcomes.values.reduce(0, +), flow.outcomeSeconds),
                    flow.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
            lines.append(
                String(
                    format: "  assigned         %.0f demands/s to department queues (%d of %d tickets; %d more went to triage)",
                    Self.rate(flow.assigned, flow.assignedSeconds), flow.assigned, flow.tickets - flow.triaged, flow.triaged))
            lines.append(
                String(
                    format: "  resolved         %.0f tickets/s (%d; %d surveys answered)", Self.rate(flow.resolved, flow.resolvedSeconds),
                    flow.resolved, flow.surveys))
            lines.append("  publish → outcome     " + Self.latencyText(flow.toOutcome))
            lines.append("  publish → dept queue  " + Self.latencyText(flow.toDepartment))
            lines.append("  publish → resolved    " + Self.latencyText(flow.toResolution))
            let assigned = Self.rate(flow.assigned, flow.assignedSeconds)
            if let bare { lines.append(String(format: "  vs bare pipeline %.0f %% (to department queues)", 100 * assigned / bare.rate)) }
            if let likeForLike {
                lines.append(
                    String(
                        format: "  of like-for-like ceiling %.0f %% (resolved tickets/s against its messages/s)",
                        100 * Self.rate(flow.resolved, flow.resolvedSeconds) / likeForLike.rate))
            }
            if let pgbench { lines.append(String(format: "  vs pgbench       %.0f %%", 100 * assigned / pgbench.transactionsPerSecond)) }
            lines.append("  process         CPU s   CPU %   peak MiB (RSS; PSS summed for several processes)")
            let seconds = max(phase.lifeSeconds, 0.001)
            for p in processes where p.processes > 0 {
                let name = p.name.padding(toLength: 13, withPad: " ", startingAt: 0)
                let note = p.processes > 1 ? " (\(p.processes) processes)" : ""
                lines.append(
                    "  " + name + String(format: " %7.1f %7.0f %10.1f", p.cpuSeconds, 100 * p.cpuSeconds / seconds, p.peakRSSMiB) + note)
            }
            lines += Self.costLines(phase)
        }
        lines += idleLines
        lines.append("")
        lines.append("targets")
        lines += targets.map { "  \($0.met ? "met   " : "MISSED") \($0.text)" }
        return lines.joined(separator: "\n")
    }
}
