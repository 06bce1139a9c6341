import ArgumentParser
import Foundation

/// Resident memory of running processes, read from /proc: current (VmRSS) and peak (VmHWM).
struct MemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory", abstract: "Print the resident memory of processes by name (Linux /proc).")

    @Argument(help: "Process names.") var names: [String] = ["intake", "dispatcher", "notifier", "evaluator"]

    func run() throws {
        print("PROCESS        PID       RSS MiB   PEAK MiB")
        for pid in try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init).sorted() {
            guard
                let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines), names.contains(comm),
                let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            else { continue }
            let rss = Self.kilobytes("VmRSS:", in: status)
            let peak = Self.kilobytes("VmHWM:", in: status)
            let name = comm.padding(toLength: 14, withPad: " ", startingAt: 0)
            print(name + " " + String(format: "%-9d %7.1f    %7.1f", pid, Double(rss) / 1024, Double(peak) / 1024))
        }
    }

    static func kilobytes(_ key: String, in status: String) -> Int {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
}
