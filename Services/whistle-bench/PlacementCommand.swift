import ArgumentParser
import Foundation
import WhistleDomain
import WhistleMessages

/// `whistle-bench placement`: what placing a demand costs at a city's scale, in process — the
/// polygon index's build, a point-in-polygon lookup, a gazetteer match — and the memory the
/// index takes. No broker, no database.
struct PlacementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "placement",
        abstract: "Time the area placer on a generated city: index build, point in polygon, gazetteer match, memory.",
        discussion: """
            Generates a city of --grids irregular grids (jittered octagons, many concave) and a gazetteer of --entries \
            roads with building ranges, estates, landmarks and communities, then times each lookup of --lookups random \
            points and addresses (µs: mean, p50, p99). Memory is the process's resident set (VmRSS) before and after \
            building the placer.
            """)

    @Option(help: "Grids in the generated city.") var grids = 10_000
    @Option(help: "Gazetteer entries.") var entries = 5_000
    @Option(help: "Lookups per series (at least 100000 for the report).") var lookups = 200_000
    @Option(help: "Seed of the generator.") var seed: UInt64 = 16
    @Flag(help: "Print the figures as JSON too.") var json = false

    func validate() throws {
        guard grids > 0, entries >= 10, lookups > 0 else {
            throw ValidationError("--grids, --entries (≥ 10) and --lookups must be positive")
        }
    }

    struct Series: Codable {
        var name: String
        var mean: Double
        var p50: Double
        var p99: Double
        var count: Int
    }

    struct Report: Codable {
        var grids: Int
        var entries: Int
        var indexBuildMs: Double
        var gazetteerBuildMs: Double
        var placerBuildMs: Double
        var rssBeforeMiB: Double
        var rssAfterMiB: Double
        var cells: Int
        var mostPolygonsInACell: Int
        var bruteForceMicroseconds: Double
        var series: [Series]
    }

    func run() throws {
        var city = PlacementCity(grids: grids, entries: entries, seed: seed)
        let reference = ReferenceData(areas: city.areas, departments: [], categories: [], rules: [], gazetteer: city.gazetteer)
        let polygons = city.areas.compactMap { area in area.polygon.map { (code: area.code, corners: $0) } }
        let points = (0..<lookups).map { _ in city.randomPoint() }
        let addresses = (0..<lookups).map { _ in city.randomAddress() }
        let rssBefore = Self.residentMiB()
        let clock = ContinuousClock()
        var started = clock.now
        let placer = AreaPlacer(reference: reference)
        let placerBuild = clock.now - started
        let rssAfter = Self.residentMiB()
        started = clock.now
        let index = GridIndex(polygons: polygons)
        let indexBuild = clock.now - started
        started = clock.now
        let gazetteer = Gazetteer(entries: city.gazetteer, prefixes: ["基准市", "基准区"] + (0..<10).map { "第\($0)街道" })
        let gazetteerBuild = clock.now - started

        let pointSeries = Self.measure("point in polygon (GridIndex)", points) { _ = index.grid(containing: $0) }
        let addressSeries = Self.measure("gazetteer match", addresses) { _ = gazetteer.match($0) }
        let found = points.filter { index.grid(containing: $0) != nil }.count
        let matched = addresses.filter { gazetteer.match($0) != nil }.count
        let coordinates = points.map { Location(lat: $0.lat, lon: $0.lon) }
        let placeCoordinates = Self.measure("AreaPlacer.place, coordinates only", coordinates) { _ = placer.place($0) }
        let placeAddress = Self.measure("AreaPlacer.place, address only", addresses.map { Location(address: $0) }) { _ = placer.place($0) }
        // The same lookups without the index, on a few points: what the index saves.
        let sample = points.prefix(200)
        started = clock.now
        var bruteFound = 0
        for point in sample where polygons.contains(where: { GridIndex.contains($0.corners, point) }) { bruteFound += 1 }
        let brute = Self.microseconds(clock.now - started) / Double(sample.count)

        let statistics = index.cellStatistics
        let report = Report(
            grids: index.count, entries: gazetteer.count, indexBuildMs: Self.microseconds(indexBuild) / 1000,
            gazetteerBuildMs: Self.microseconds(gazetteerBuild) / 1000, placerBuildMs: Self.microseconds(placerBuild) / 1000,
            rssBeforeMiB: rssBefore, rssAfterMiB: rssAfter, cells: statistics.cells, mostPolygonsInACell: statistics.mostPolygonsInACell,
            bruteForceMicroseconds: brute, series: [pointSeries, addressSeries, placeCoordinates, placeAddress])
        print(
            "placement: \(report.grids) grids (\(statistics.cells) index cells, at most \(statistics.mostPolygonsInACell) polygons a cell), "
                + "\(report.entries) gazetteer entries, \(lookups) lookups a series; \(found) points in a grid, \(matched) addresses matched"
        )
        print(
            String(
                format: "build: index %.1f ms, gazetteer %.1f ms, whole placer %.1f ms", report.indexBuildMs, report.gazetteerBuildMs,
                report.placerBuildMs))
        print(
            String(
                format: "memory (VmRSS): %.1f MiB before the placer, %.1f MiB after (+%.1f MiB)", rssBefore, rssAfter, rssAfter - rssBefore)
        )
        print("| series | mean µs | p50 µs | p99 µs |")
        print("|---|---|---|---|")
        for series in report.series {
            print("| \(series.name) | " + String(format: "%.2f | %.2f | %.2f |", series.mean, series.p50, series.p99))
        }
        print(
            String(
                format: "| point in polygon, brute force over every grid (%d points, %d found) | %.1f | | |", sample.count, bruteFound,
                brute))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }

    /// Times `body` on each input after a warm-up pass over a tenth of them.
    static func measure<Input>(_ name: String, _ inputs: [Input], _ body: (Input) -> Void) -> Series {
        for input in inputs.prefix(max(1, inputs.count / 10)) { body(input) }
        let clock = ContinuousClock()
        var times: [Double] = []
        times.reserveCapacity(inputs.count)
        for input in inputs {
            let started = clock.now
            body(input)
            times.append(microseconds(clock.now - started))
        }
        times.sort()
        let percentile = { (p: Double) in times[min(times.count - 1, Int(Double(times.count) * p))] }
        return Series(
            name: name, mean: times.reduce(0, +) / Double(times.count), p50: percentile(0.5), p99: percentile(0.99), count: times.count)
    }

    static func microseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
    }

    /// This process's resident set in MiB (Linux /proc; 0 elsewhere).
    static func residentMiB() -> Double {
        do {
            let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
            return Double(MemoryCommand.kilobytes("VmRSS:", in: status)) / 1024
        } catch {
            return 0  // not Linux: the report shows 0 MiB
        }
    }
}
