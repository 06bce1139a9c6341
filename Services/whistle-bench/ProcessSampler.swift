import Foundation

/// CPU time and resident memory of the processes under test, from Linux /proc: each service by
/// its name, the broker (`beam.smp`), the database (every `postgres` process, summed) and the
/// load generator itself.
///
/// The webhook receiver of the local run (`whistlectl webhook-sink`) is measured too: it
/// shares the machine.
///
/// CPU is the growth of utime + stime between `start()` and `stop()` (processes that start or
/// end in between count from when they were first seen). Memory is the largest resident set
/// seen at a sample (every 250 ms) and, for single processes, the kernel's own peak (VmHWM).
final class ProcessSampler: @unchecked Sendable {
    struct Figures: Sendable {
        var name: String
        var processes = 0
        var cpuSeconds = 0.0
        /// Largest sampled resident set, MiB: of the process, or for a group of processes (the
        /// database's backends) the largest sum of their proportional set sizes, so that shared
        /// memory counts once.
        var peakRSSMiB = 0.0
        /// The kernel's high-water mark of the (largest) process since it started, MiB: it covers
        /// earlier scenarios too, so targets use `peakRSSMiB`.
        var highWaterMiB = 0.0
    }

    /// What is measured: a label and the process names (`comm`) that make it up.
    static let groups: [(label: String, names: Set<String>)] = [
        ("intake", ["intake"]), ("dispatcher", ["dispatcher"]), ("notifier", ["notifier"]), ("evaluator", ["evaluator"]),
        ("rabbitmq", ["beam.smp"]), ("postgres", ["postgres"]), ("whistle-bench", ["whistle-bench"]),
        ("webhook-sink", ["whistlectl"]),
    ]

    /// Groups of processes sharing memory (the database's buffers, the broker's): PSS, not RSS.
    static let sharedMemoryGroups: Set<String> = ["postgres", "rabbitmq"]

    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private var firstTicks: [Int32: (group: Int, ticks: Int)] = [:]
    private var lastTicks: [Int32: Int] = [:]
    private var figures = groups.map { Figures(name: $0.label) }
    private let lock = NSLock()

    /// Samples once; call every 250 ms or so while the run lasts.
    func sample() {
        var rssByGroup = Array(repeating: 0.0, count: Self.groups.count)
        for (pid, group, stat, status) in Self.processes() {
            let ticks = Self.cpuTicks(stat)
            lock.lock()
            if firstTicks[pid] == nil { firstTicks[pid] = (group, ticks) }
            lastTicks[pid] = ticks
            var memory = Double(Self.kilobytes("VmRSS:", in: status)) / 1024
            if Self.sharedMemoryGroups.contains(Self.groups[group].label),
                let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)
            {
                memory = Double(Self.kilobytes("Pss:", in: rollup)) / 1024
            }
            rssByGroup[group] += memory
            figures[group].highWaterMiB = max(figures[group].highWaterMiB, Double(Self.kilobytes("VmHWM:", in: status)) / 1024)
            lock.unlock()
        }
        lock.lock()
        for index in figures.indices { figures[index].peakRSSMiB = max(figures[index].peakRSSMiB, rssByGroup[index]) }
        lock.unlock()
    }

    /// The figures so far.
    func results() -> [Figures] {
        lock.lock()
        defer { lock.unlock() }
        var out = figures
        for (pid, first) in firstTicks {
            out[first.group].processes += 1
            out[first.group].cpuSeconds += Double((lastTicks[pid] ?? first.ticks) - first.ticks) / ticksPerSecond
        }
        return out
    }

    /// Every process of a measured group: pid, group index, /proc/pid/stat and status.
    private static func processes() -> [(Int32, Int, String, String)] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [(Int32, Int, String, String)] = []
        for entry in entries {
            guard let pid = Int32(entry),
                let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines),
                let group = groups.firstIndex(where: { $0.names.contains(comm) }),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            else { continue }
            found.append((pid, group, stat, status))
        }
        return found
    }

    /// utime + stime (fields 14 and 15 of /proc/pid/stat; the name in field 2 may hold spaces).
    static func cpuTicks(_ stat: String) -> Int {
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state): utime is field 14 → index 11, stime index 12.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return user + system
    }

    static func kilobytes(_ key: String, in status: String) -> Int {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
}
