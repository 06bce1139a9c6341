import Foundation
import Yams

/// Reads the six files of a seed folder (and gazetteer.yaml when there is one) and checks each
/// on its own.
struct SeedLoad: Sendable {
    var files: SeedFiles
    var data = SeedData()
    /// Codes of every item with a readable code, valid or not.
    var declared = Set<String>()
    var declaredRules = Set<RuleKey>()
    var declaredPolicies = Set<String>()
    /// Problems found in single files.
    var issues: [SeedIssue] = []
    /// False when a file is missing or could not be parsed at all: cross-file checks would
    /// then only repeat that as "unknown code" everywhere.
    var complete = true

    /// Cross-file checks against `known` rows, added to the single-file issues; all of them
    /// sorted by file and line.
    /// `withDatabase` false: references must resolve within the files (`seed --check`).
    func validate(against known: KnownReferences, withDatabase: Bool = true) -> [SeedIssue] {
        var all = issues
        if complete {
            var validator = SeedValidator(
                data: data, known: known, declared: declared, declaredRules: declaredRules, declaredPolicies: declaredPolicies,
                files: files, withDatabase: withDatabase)
            all += validator.validate()
        }
        let order = Dictionary(uniqueKeysWithValues: files.all.enumerated().map { ($1, $0) })
        return all.enumerated().sorted { a, b in
            let left = (order[a.element.file] ?? 9, a.element.line ?? 0, a.element.column ?? 0, a.offset)
            let right = (order[b.element.file] ?? 9, b.element.line ?? 0, b.element.column ?? 0, b.offset)
            return left < right
        }.map(\.element)
    }

    /// Rows per table in the files, for messages.
    var sizes: String {
        "\(data.areas.count) areas, \(data.departments.count) departments, \(data.categories.count) categories, "
            + "\(data.rules.count) routing rules, \(data.policies.count) deadline policies, \(data.calendar?.days.count ?? 0) calendar days"
            + (data.gazetteer.map { ", \($0.count) gazetteer entries" } ?? "")
    }
}

enum SeedLoader {
    static func load(folder: String) throws -> SeedLoad {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CtlError(.io, "no such folder: \(folder)")
        }
        var load = SeedLoad(files: SeedFiles(folder: folder))
        var parser = SeedParser()
        let files = load.files

        func read(_ path: String, key: String, _ body: (SeedFileReader, Node) -> Void) {
            let reader = SeedFileReader(file: path)
            defer { load.issues += reader.issues }
            guard FileManager.default.fileExists(atPath: path) else {
                reader.reportFile("file not found (a seed folder has all six files)")
                load.complete = false
                return
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                reader.reportFile("cannot read the file as UTF-8 text")
                load.complete = false
                return
            }
            guard let root = reader.root(text, key: key) else {
                load.complete = false
                return
            }
            body(reader, root)
        }

        read(files.areas, key: "areas") { load.data.areas = parser.areas($0, $1) }
        read(files.departments, key: "departments") { load.data.departments = parser.departments($0, $1) }
        read(files.categories, key: "categories") { load.data.categories = parser.categories($0, $1) }
        read(files.routing, key: "rules") { load.data.rules = parser.rules($0, $1) }
        read(files.deadlines, key: "policies") { load.data.policies = parser.policies($0, $1) }
        read(files.calendar, key: "calendar") { load.data.calendar = parser.calendar($0, $1) }
        if FileManager.default.fileExists(atPath: files.gazetteer) {
            read(files.gazetteer, key: "gazetteer") { load.data.gazetteer = parser.gazetteer($0, $1) }
        }
        load.declared = parser.declared
        load.declaredRules = Set(parser.declaredRules.keys)
        load.declaredPolicies = Set(parser.declaredPolicies.keys)
        return load
    }
}
