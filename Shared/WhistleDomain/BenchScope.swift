/// Pure rules of the benchmark's bookkeeping: when a flow phase has drained, and which processes
/// of the machine belong to the profile under test.
public enum BenchScope {
    /// The counts a flow phase finishes on.
    public struct FlowCounts: Sendable, Equatable {
        public var publishingDone: Bool
        public var published: Int
        /// Demands with an outcome event (accepted, merged, duplicate, rejected).
        public var outcomes: Int
        /// Tickets the run opened.
        public var opened: Int
        /// Tickets of the run that went to a command center's triage (`ticket.triage`).
        public var triaged: Int
        /// Tickets that reached a department queue, and those resolved.
        public var assigned: Int
        public var resolved: Int
        /// Assignments the simulated departments still hold (acknowledgement or completion due).
        public var waiting: Int

        /// Creates the counts.
        public init(
            publishingDone: Bool, published: Int, outcomes: Int, opened: Int, triaged: Int, assigned: Int, resolved: Int, waiting: Int
        ) {
            self.publishingDone = publishingDone
            self.published = published
            self.outcomes = outcomes
            self.opened = opened
            self.triaged = triaged
            self.assigned = assigned
            self.resolved = resolved
            self.waiting = waiting
        }

        /// Tickets expected at a department queue: those opened, less those waiting for triage
        /// (nobody routes them during a benchmark).
        public var expectedAtDepartments: Int { max(0, opened - triaged) }

        /// Every demand has its outcome, every ticket that will be assigned was assigned and
        /// resolved, and no department holds work.
        public var drained: Bool {
            publishingDone && outcomes >= published && assigned >= expectedAtDepartments && resolved >= expectedAtDepartments
                && waiting == 0
        }
    }

    /// The processes of a profile: the `roots` (pids its launcher recorded) and every descendant,
    /// given each process's parent (`parents[pid] = ppid`). A pid not among the roots nor below
    /// one (a server of another profile on the same machine) is left out.
    public static func descendants(of roots: Set<Int32>, parents: [Int32: Int32]) -> Set<Int32> {
        var children: [Int32: [Int32]] = [:]
        for (pid, parent) in parents { children[parent, default: []].append(pid) }
        var found = Set<Int32>()
        var queue = Array(roots.filter { parents[$0] != nil })
        while let pid = queue.popLast() {
            guard found.insert(pid).inserted else { continue }
            queue.append(contentsOf: children[pid] ?? [])
        }
        return found
    }

    /// The parent pid in the text of `/proc/<pid>/stat` (field 4; the name in field 2 may hold
    /// spaces and parentheses), or nil when the text is not one.
    public static func parentPID(stat: String) -> Int32? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1 else { return nil }
        return Int32(fields[1])
    }
}
