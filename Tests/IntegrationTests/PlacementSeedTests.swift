import Foundation
import Logging
import Testing
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// The gazetteer through `whistlectl seed` into a real database, and the placer that
/// `ReferenceCache` builds from it.
@Suite("Placement seed")
struct PlacementSeedTests {
    static func gazetteerCounts(_ pool: PostgresPool) async throws -> [String: Int] {
        try await pool.withConnection { connection in
            var counts: [String: Int] = [:]
            for row in try connection.query("SELECT kind, count(*)::int FROM gazetteer GROUP BY kind") {
                counts[try row.decode(0)] = try row.decode(1)
            }
            return counts
        }
    }

    /// A copy of deploy/seed to change; removed afterwards by the caller.
    static func seedCopy() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-gazetteer-" + UUID().uuidString).path
        try FileManager.default.copyItem(atPath: WhistlectlTests.seedFolder, toPath: folder)
        return folder
    }

    @Test("seed writes the sample gazetteer, a second run changes nothing, and the cache's placer places a sample address")
    func seedAndPlace() async throws {
        try await Ctl.withDatabase { ctl, pool in
            let first = try await ctl.run(["seed", "--no-broker", WhistlectlTests.seedFolder])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("gazetteer"), "\(first.stdout)")
            let counts = try await Self.gazetteerCounts(pool)
            #expect(counts == ["road": 13, "building": 35, "estate": 15, "landmark": 9, "community": 9], "\(counts)")
            let row = try await pool.withConnection { connection in
                try connection.query(
                    "SELECT area_code, number_from, number_to FROM gazetteer WHERE kind = 'building' AND name = '石桥路' AND number_from = 80"
                )
                .map { (try $0.decode(0, as: String.self), try $0.decode(1, as: Int.self), try $0.decode(2, as: Int.self)) }
            }
            #expect(row.count == 1 && row.first?.0 == "G-QS-SQ-05" && row.first?.1 == 80 && row.first?.2 == 119)

            let second = try await ctl.run(["seed", "--no-broker", WhistlectlTests.seedFolder])
            #expect(second.status == 0 && second.stdout.contains("no changes"), "\(second.stdout)\(second.stderr)")

            let cache = ReferenceCache(pool: pool, logger: WhistlectlTests.logger)
            try await cache.refresh()
            let placer = cache.snapshot.placer
            #expect(placer.index.count == 60 && placer.gazetteer.count == 81)
            let address = placer.place(Location(address: "云城市西山区青石街道石桥路９６号单元门口"))
            #expect(address.area == "G-QS-SQ-05" && address.method == .address && address.confidence == 0.95)
            #expect(address.matched == "石桥路80-119号")
            let point = placer.place(Location(lat: 24.9838, lon: 102.6981))
            #expect(point.area == "G-GL-WJ-05" && point.method == .coordinates)
            #expect(placer.place(Location(address: "说不清的地方")).area == "D-XS")
        }
    }

    @Test("the file's entries replace the table's; a folder without gazetteer.yaml leaves the table alone")
    func replaceAndOptional() async throws {
        let folder = try Self.seedCopy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await Ctl.withDatabase { ctl, pool in
            #expect(try await ctl.run(["seed", "--no-broker", folder]).status == 0)
            let path = folder + "/gazetteer.yaml"
            let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
            try lines.filter { !$0.contains("name: 望江桥,") }.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let shorter = try await ctl.run(["seed", "--no-broker", folder])
            #expect(shorter.status == 0 && shorter.stdout.contains("gazetteer: removed 1 entries"), "\(shorter.stdout)\(shorter.stderr)")
            #expect(try await Self.gazetteerCounts(pool)["landmark"] == 8)

            try FileManager.default.removeItem(atPath: path)
            let without = try await ctl.run(["seed", "--no-broker", folder])
            #expect(without.status == 0 && without.stdout.contains("no changes"), "\(without.stdout)\(without.stderr)")
            #expect(try await Self.gazetteerCounts(pool).values.reduce(0, +) == 80, "the table is left as it was")
        }
    }

    @Test("a bad gazetteer names file and line of each problem and writes nothing")
    func badGazetteer() async throws {
        let folder = try Self.seedCopy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/gazetteer.yaml"
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let bad = [
            "  - {kind: estate, name: 无名小区, area: G-QS-SQ-99}",
            "  - {kind: building, name: 石桥路, from: 300, to: 200, area: G-QS-SQ-07}",
            "  - {kind: building, name: 石桥路, from: 150, to: 170, area: G-QS-SQ-07}",
            "  - {kind: estate, name: 错层小区, area: M-QS-SQ}",
            "  - {kind: road, name: 无号路, from: 1, to: 9, area: M-QS-SQ}",
        ]
        let first = lines.count + (lines.last == "" ? 0 : 1)
        if lines.last == "" { lines.removeLast() }
        lines += bad
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await Ctl(databaseURL: "postgres://nobody@127.0.0.1:1/none").run(["seed", "--check", folder])
        #expect(result.status == 1)
        let messages = [
            "unknown area code G-QS-SQ-99", "bad range: `from` 300 is greater than `to` 200", "bad range: 石桥路 150–170 overlaps 120–159",
            "an estate entry places into a grid, but M-QS-SQ is a community", "only a building entry has `from`",
        ]
        for (offset, message) in messages.enumerated() {
            #expect(result.stderr.contains("gazetteer.yaml:\(first + offset):"), "line \(first + offset) in:\n\(result.stderr)")
            #expect(result.stderr.contains(message), "\(message) in:\n\(result.stderr)")
        }
    }
}
