/// The summary of a seed: per table, rows in the files, inserted, updated, unchanged.
enum SeedReport {
    static func print(_ counts: [TableCount], folder: String, dryRun: Bool) {
        var table = TextTable(["TABLE", "IN FILES", "INSERTED", "UPDATED", "UNCHANGED"], rightAligned: [1, 2, 3, 4])
        for count in counts {
            table.append([count.table, "\(count.inFiles)", "\(count.inserted)", "\(count.updated)", "\(count.unchanged)"])
        }
        let inserted = counts.reduce(0) { $0 + $1.inserted }
        let updated = counts.reduce(0) { $0 + $1.updated }
        let unchanged = counts.reduce(0) { $0 + $1.unchanged }
        let deleted = counts.reduce(0) { $0 + $1.deleted }
        Swift.print("seed \(folder): the files are valid.")
        Swift.print(table.render())
        for count in counts where count.deleted > 0 {
            Swift.print("\(count.table): \(dryRun ? "would remove" : "removed") \(count.deleted) entries no longer in the files.")
        }
        if inserted == 0 && updated == 0 && deleted == 0 {
            Swift.print("no changes: the database already matches the files (\(unchanged) rows unchanged).")
        } else if dryRun {
            Swift.print(
                "dry run: would insert \(inserted) and update \(updated) rows (\(unchanged) unchanged); rolled back, nothing written.")
        } else {
            Swift.print("committed: \(inserted) rows inserted, \(updated) updated, \(unchanged) unchanged.")
        }
        let extra = counts.filter { $0.onlyInDatabase > 0 && $0.table != "settings" }
        if !extra.isEmpty {
            let list = extra.map { "\($0.table) \($0.onlyInDatabase)" }.joined(separator: ", ")
            let total = extra.reduce(0) { $0 + $1.onlyInDatabase }
            Swift.print("note: \(total) row\(total == 1 ? " is" : "s are") in the database but not in the files (\(list)); left alone.")
        }
    }
}
