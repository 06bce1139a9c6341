import Foundation
import WhistleDomain

/// CPU time and resident memory of the processes under test, from Linux /proc: each service by
/// its name, the broker (`beam.smp`), the database (every `postgres` process, summed) and the
/// load generator itself.
///
/// The webhook receiver of the local run (`whistlectl webhook-sink`) is measured too: it
/// shares the machine.
///
/// Only the run profile's processes count: those whose pids its launchers recorded under the
/// profile's state folder (`.local/run`, or `$WHISTLE_BENCH_PROFILE_DIR`: `pids/*.pid` of
/// deploy/run.sh, PostgreSQL's `postgres/data/postmaster.pid`, RabbitMQ's `rabbitmq/rabbitmq.pid`),
/// their descendants (the database's backends), and the generator itself. Servers of other
/// profiles on the same machine (the test servers) are left out. Without any recorded pid the
/// sampler falls back to every process of a measured name, and says so in `scope`.
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
    private let profileDirectory: String
    /// What was measured: the profile folder's processes, or (no pid recorded) the whole machine.
    private(set) var scope = ""

    /// The state folder of the profile under test, relative to the working directory by default.
    static var defaultProfileDirectory: String {
        ProcessInfo.processInfo.environment["WHISTLE_BENCH_PROFILE_DIR"] ?? ".local/run"
    }

    init(profileDirectory: String = ProcessSampler.defaultProfileDirectory) {
        self.profileDirectory = profileDirectory
    }

    /// Samples once; call every 250 ms or so while the run lasts.
    func sample() {
        var rssByGroup = Array(repeating: 0.0, count: Self.groups.count)
        let (found, scope) = Self.processes(profileDirectory: profileDirectory)
        lock.withLock { self.scope = scope }
        for (pid, group, stat, status) in found {
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

    /// Every process of a measured group within the profile: pid, group index, /proc/pid/stat and
    /// status; and a description of the scope.
    private static func processes(profileDirectory: String) -> ([(Int32, Int, String, String)], String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return ([], "no /proc") }
        var stats: [Int32: String] = [:]
        var parents: [Int32: Int32] = [:]
        for entry in entries {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let parent = BenchScope.parentPID(stat: stat)
            else { continue }
            stats[pid] = stat
            parents[pid] = parent
        }
        let roots = profileRoots(profileDirectory)
        let scoped = !roots.isEmpty
        // The generator itself, not its children (rabbitmqctl of the counters is a beam.smp too).
        let members = scoped ? BenchScope.descendants(of: roots, parents: parents).union([getpid()]) : Set(stats.keys)
        var found: [(Int32, Int, String, String)] = []
        for pid in members {
            guard let stat = stats[pid],
                let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines),
                let group = groups.firstIndex(where: { $0.names.contains(comm) }),
                let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            else { continue }
            found.append((pid, group, stat, status))
        }
        let scope =
            scoped
            ? "processes of \(profileDirectory) (\(roots.count) recorded pids and their children) and the generator"
            : "WHOLE MACHINE by process name (no pid recorded under \(profileDirectory))"
        return (found, scope)
    }

    /// The pids the profile's launchers recorded: the services' and the webhook sink's pid files,
    /// the postmaster's and the broker node's.
    static func profileRoots(_ directory: String) -> Set<Int32> {
        var files = ["\(directory)/postgres/data/postmaster.pid", "\(directory)/rabbitmq/rabbitmq.pid"]
        let pidDirectory = "\(directory)/pids"
        if let names = try? FileManager.default.contentsOfDirectory(atPath: pidDirectory) {
            files += names.filter { $0.hasSuffix(".pid") }.map { "\(pidDirectory)/\($0)" }
        }
        var roots = Set<Int32>()
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                let first = text.split(whereSeparator: \.isNewline).first,
                let pid = Int32(first.trimmingCharacters(in: .whitespaces))
            else { continue }
            roots.insert(pid)
        }
        return roots
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
