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

    var machine: Machine
    var pgbench: PgBench.Result?
    var bare: BarePipeline.Result?
    var flows: [(FlowRun.Result, [ProcessSampler.Figures])] = []

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
        if let pgbench {
            lines.append(
                String(
                    format: "pgbench          %.0f inserts/s (one INSERT per transaction, 4 clients, latency %.2f ms)",
                    pgbench.transactionsPerSecond, pgbench.latencyMilliseconds))
        }
        if let bare {
            lines.append(
                String(
                    format: "bare pipeline    %.0f messages/s (%d messages, 2 commits and 3 confirmed publishes each); publish → queue %@",
                    bare.rate, bare.messages, Self.latencyText(bare.latencies)))
        }
        for (flow, processes) in flows {
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
                    format: "  assigned         %.0f demands/s to department queues (%d of %d tickets)",
                    Self.rate(flow.assigned, flow.assignedSeconds), flow.assigned, flow.tickets))
            lines.append(
                String(
                    format: "  resolved         %.0f tickets/s (%d; %d surveys answered)", Self.rate(flow.resolved, flow.resolvedSeconds),
                    flow.resolved, flow.surveys))
            lines.append("  publish → outcome     " + Self.latencyText(flow.toOutcome))
            lines.append("  publish → dept queue  " + Self.latencyText(flow.toDepartment))
            lines.append("  publish → resolved    " + Self.latencyText(flow.toResolution))
            let assigned = Self.rate(flow.assigned, flow.assignedSeconds)
            if let bare { lines.append(String(format: "  vs bare pipeline %.0f %%", 100 * assigned / bare.rate)) }
            if let pgbench { lines.append(String(format: "  vs pgbench       %.0f %%", 100 * assigned / pgbench.transactionsPerSecond)) }
            lines.append("  process         CPU s   CPU %   peak MiB (RSS; PSS summed for several processes)")
            let seconds = max(flow.resolvedSeconds, flow.assignedSeconds, 0.001)
            for p in processes where p.processes > 0 {
                let name = p.name.padding(toLength: 13, withPad: " ", startingAt: 0)
                let note = p.processes > 1 ? " (\(p.processes) processes)" : ""
                lines.append(
                    "  " + name + String(format: " %7.1f %7.0f %10.1f", p.cpuSeconds, 100 * p.cpuSeconds / seconds, p.peakRSSMiB) + note)
            }
        }
        lines.append("")
        lines.append("targets")
        lines += targets.map { "  \($0.met ? "met   " : "MISSED") \($0.text)" }
        return lines.joined(separator: "\n")
    }

    /// The benchmark's targets, each with what was measured.
    var targets: [(met: Bool, text: String)] {
        var out: [(Bool, String)] = []
        if let full = flows.first(where: { $0.0.targetRate == 0 })?.0 {
            let rate = Self.rate(full.assigned, full.assignedSeconds)
            out.append((rate >= 2000, String(format: "≥ 2,000 demands/s to department queues: %.0f", rate)))
            if let bare {
                out.append((rate >= 0.7 * bare.rate, String(format: "≥ 70 %% of the bare pipeline: %.0f %%", 100 * rate / bare.rate)))
            }
        }
        if let steady = flows.first(where: { $0.0.targetRate == 500 }) {
            let p99 = Self.ms(steady.0.toDepartment, 99)
            out.append((p99 <= 250, String(format: "p99 publish → department queue ≤ 250 ms at 500/s: %.0f ms", p99)))
            let services = steady.1.filter { ["intake", "dispatcher", "notifier", "evaluator"].contains($0.name) }
            // Sampled during this scenario: VmHWM would include the scenarios run before it.
            let worst = services.map(\.peakRSSMiB).max() ?? 0
            out.append(
                (
                    worst <= 64,
                    String(
                        format: "each service ≤ 64 MiB RSS at 500/s: largest %.1f MiB (%@)", worst,
                        services.map { String(format: "%@ %.1f", $0.name, $0.peakRSSMiB) }.joined(separator: ", "))
                ))
        }
        return out
    }
}
