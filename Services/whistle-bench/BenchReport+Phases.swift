import Foundation
import WhistleDomain

/// The report's lines for the latency curve, what a demand costs, the like-for-like ceiling, the
/// idle phase, and the targets of issue 17.
extension BenchReport {
    static let services = ["intake", "dispatcher", "notifier", "evaluator"]

    /// The phase whose per-demand counts size the like-for-like pipeline: of the phases whose
    /// broker count was read, the one with the most demands. (The demands whose tickets went to a
    /// command center's triage never reach a department queue, but their hops and rows are part
    /// of what a demand costs: they stay in the per-demand counts.)
    var likeForLikeSource: FlowPhase? {
        (curve + flows).filter { $0.cost?.quorumDeliveries != nil }.max { $0.result.published < $1.result.published }
    }

    /// The latency curve's points (rate, p99 publish → department queue).
    var curvePoints: [BenchFigures.CurvePoint] {
        curve.filter { $0.result.toDepartment.totalCount > 0 }.map {
            .init(rate: $0.result.targetRate, p99Milliseconds: Self.ms($0.result.toDepartment, 99))
        }
    }

    /// What the crossing of 1 s says, in words.
    var crossingText: String? {
        switch BenchFigures.crossing(curvePoints, limitMilliseconds: 1000) {
        case nil: return nil
        case .atOrBelow(let rate): return String(format: "p99 is above 1 s already at %.0f/s, the lowest rate measured", rate)
        case .notReached(let rate): return String(format: "p99 stays under 1 s up to %.0f/s, the highest rate measured", rate)
        case .interpolated(let rate, let from, let to):
            return String(
                format: "p99 crosses 1 s at about %.0f/s: interpolated linearly between %.0f/s and %.0f/s, not measured", rate, from, to)
        }
    }

    var curveLines: [String] {
        guard !curve.isEmpty else { return [] }
        var lines = [
            "", "latency curve: publish → department queue, departments and citizens answering",
            "  rate    published  s   to dept/s   p50 ms   p99 ms   max ms   CPU/demand  hops  rows  triage  drained",
        ]
        for phase in curve {
            let r = phase.result, h = r.toDepartment
            lines.append(
                String(
                    format: "  %4.0f/s %9d %4.0f %10.0f %8.0f %8.0f %8.0f %8.2f ms  %@  %@  %6d  %@", r.targetRate, r.published,
                    r.publishSeconds,
                    Self.rate(r.assigned, r.assignedSeconds), h.totalCount > 0 ? Self.ms(h, 50) : 0, h.totalCount > 0 ? Self.ms(h, 99) : 0,
                    Double(h.max) / 1000, phase.cpuPerDemandMilliseconds,
                    phase.cost?.quorumDeliveries.map { String(format: "%.1f", $0) } ?? "-",
                    phase.cost.map { String(format: "%.1f", $0.rowWrites) } ?? "-", r.triaged, r.drained ? "yes" : "NO"))
        }
        if let crossingText { lines.append("  " + crossingText) }
        lines.append("  (CPU/demand: services + broker + database over the demands' whole life; hops: quorum-queue deliveries")
        lines.append("   per demand, the broker's count; rows: rows inserted, updated and deleted per demand, PostgreSQL's count)")
        for phase in curve { lines += Self.costLines(phase, title: "  \(phase.result.scenario): ") }
        return lines
    }

    var likeForLikeLines: [String] {
        guard let like = likeForLike, let source = likeForLikeSource else { return [] }
        return [
            String(
                format:
                    "like-for-like    %.0f messages/s (%d messages, %d hops and %d row writes each: the flow's per-demand counts of \"%@\"); publish → last queue %@",
                like.rate, like.messages, like.hops, like.rowsPerMessage, source.result.scenario, Self.latencyText(like.latencies))
        ]
    }

    /// What one demand cost in a phase: CPU over its whole life, hops, rows, statements.
    static func costLines(_ phase: FlowPhase, title: String = "  per demand: ") -> [String] {
        let groups = ["intake", "dispatcher", "notifier", "evaluator", "rabbitmq", "postgres"]
        var lines = [
            title
                + String(
                    format: "CPU %.2f ms over its whole life (%@; %.0f s with the tail)", phase.cpuPerDemandMilliseconds,
                    groups.map { String(format: "%@ %.2f", $0, phase.cpuPerDemandMilliseconds($0)) }.joined(separator: ", "),
                    phase.lifeSeconds)
        ]
        if let cost = phase.cost {
            let queues = cost.consumedPerQueue.sorted { $0.value > $1.value }.map { String(format: "%@ %.2f", $0.key, $0.value) }
            lines.append(
                "    quorum deliveries "
                    + (cost.quorumDeliveries.map { String(format: "%.2f (the broker)", $0) } ?? "unread")
                    + String(format: "; consumed %.2f: ", cost.consumedTotal) + queues.joined(separator: ", "))
            let kinds = ["insert", "update", "delete"].map { kind in
                String(format: "%@ %.2f", kind, cost.rowsPerTable.filter { $0.key.hasSuffix(" " + kind) }.values.reduce(0, +))
            }
            let tables = cost.rowsByTable.prefix(12).map { String(format: "%@ %.2f", $0.table, $0.rows) }
            lines.append(
                String(format: "    row writes %.2f (%@): ", cost.rowWrites, kinds.joined(separator: ", ")) + tables.joined(separator: ", ")
            )
            if !cost.problems.isEmpty { lines.append("    counters not read: " + cost.problems.joined(separator: "; ")) }
        }
        if let statements = phase.statements { lines += StatementProfile.lines(statements, indent: "    ") }
        return lines
    }

    var idleLines: [String] {
        guard let idle else { return [] }
        let parts = (Self.services + ["postgres", "rabbitmq"]).map { String(format: "%@ %.2f", $0, idle.percent($0)) }
        return [
            "",
            String(format: "idle: %.0f s, nothing published; %% of one core: ", idle.seconds) + parts.joined(separator: ", "),
            String(
                format: "  services + database %.2f %%, with the broker %.2f %%", idle.servicesAndDatabasePercent,
                idle.servicesAndDatabasePercent + idle.percent("rabbitmq")),
        ]
    }

    /// The targets of issue 17, each with what was measured (reported, never asserted). A target
    /// whose phase did not run is left out.
    var targets: [(met: Bool, text: String)] {
        var out: [(Bool, String)] = []
        let all = curve + flows
        if let life = flows.first ?? curve.last {
            let ms = life.cpuPerDemandMilliseconds
            out.append((ms <= 3, String(format: "CPU per demand over its whole life ≤ 3 ms: %.2f ms (%@)", ms, life.result.scenario)))
        }
        if let full = flows.first(where: { $0.result.targetRate == 0 }) {
            let resolved = Self.rate(full.result.resolved, full.result.resolvedSeconds)
            out.append((resolved >= 1000, String(format: "≥ 1,000 demands/s end to end (resolved, full speed): %.0f", resolved)))
            if let likeForLike {
                let share = 100 * resolved / likeForLike.rate
                out.append((share >= 50, String(format: "≥ 50 %% of the like-for-like ceiling: %.0f %%", share)))
            }
        }
        for (rate, limit) in [(100.0, 250.0), (500, 1000)] {
            if let phase = all.first(where: { $0.result.targetRate == rate && $0.result.toDepartment.totalCount > 0 }) {
                let p99 = Self.ms(phase.result.toDepartment, 99)
                out.append((p99 <= limit, String(format: "p99 publish → department queue ≤ %.0f ms at %.0f/s: %.0f ms", limit, rate, p99)))
            }
        }
        if let steady = all.first(where: { $0.result.targetRate == 500 }) {
            // Sampled during this phase: VmHWM would include the phases run before it.
            let services = steady.processes.filter { Self.services.contains($0.name) }
            let worst = services.map(\.peakRSSMiB).max() ?? 0
            out.append(
                (
                    worst <= 64,
                    String(
                        format: "each service ≤ 64 MiB RSS at 500/s: largest %.1f MiB (%@)", worst,
                        services.map { String(format: "%@ %.1f", $0.name, $0.peakRSSMiB) }.joined(separator: ", "))
                ))
        }
        if let idle {
            let share = idle.servicesAndDatabasePercent
            out.append((share < 1, String(format: "idle: services and database < 1 %% of one core: %.2f %%", share)))
        }
        return out
    }
}
