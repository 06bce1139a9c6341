import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// What one table got from a seed: rows in the files, inserted, updated (the rest were equal),
/// and rows only in the database (left alone).
struct TableCount: Sendable {
    var table: String
    var inFiles: Int
    var inserted = 0
    var updated = 0
    var onlyInDatabase = 0
    /// Rows removed because the files no longer have them (the gazetteer only).
    var deleted = 0

    var unchanged: Int { inFiles - inserted - updated }
}

/// Upserts validated seed data with one multi-row statement per table (`unnest` of parameter
/// arrays). A row is written only when it differs from the stored one, so a second run of the
/// same files changes nothing. Run it inside one transaction; the foreign keys are deferred.
enum SeedWriter {
    static func write(_ data: SeedData, _ connection: PostgresConnection) throws -> [TableCount] {
        try connection.query("SET CONSTRAINTS ALL DEFERRED")
        var counts: [TableCount] = []
        counts.append(try areas(data.areas, connection))
        counts.append(try departments(data.departments, connection))
        counts.append(try categories(data.categories, connection))
        counts.append(try rules(data.rules, connection))
        counts.append(try policies(data.policies, connection))
        if let calendar = data.calendar {
            counts.append(try calendarDays(calendar.days, connection))
            counts.append(try timeZoneSetting(calendar.timeZone, connection))
        }
        if let gazetteer = data.gazetteer {
            counts.append(try self.gazetteer(gazetteer, connection))
        }
        return counts
    }

    /// Counts the rows `RETURNING (xmax = 0)` gave back: true for inserted, false for updated.
    static func tally(_ table: String, inFiles: Int, _ rows: PostgresRows) throws -> TableCount {
        var count = TableCount(table: table, inFiles: inFiles)
        for row in rows {
            if try row.decode(0, as: Bool.self) { count.inserted += 1 } else { count.updated += 1 }
        }
        return count
    }

    static func onlyInDatabase(_ sql: String, _ parameters: [(any PostgresEncodable)?], _ connection: PostgresConnection) throws -> Int {
        try connection.query(sql, parameters)[0].decode(0, as: Int.self)
    }

    private static func areas(_ areas: [SeedArea], _ connection: PostgresConnection) throws -> TableCount {
        let polygons = areas.map { area in
            area.polygon.map { JSONValue.array($0.map { point in .array(point.map { .double($0) }) }).description }
        }
        let rows = try connection.query(
            """
            INSERT INTO areas AS t (code, name, level, parent_code, centroid_lat, centroid_lon, polygon)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::jsonb[])
            ON CONFLICT (code) DO UPDATE SET
                name = EXCLUDED.name, level = EXCLUDED.level, parent_code = EXCLUDED.parent_code,
                centroid_lat = EXCLUDED.centroid_lat, centroid_lon = EXCLUDED.centroid_lon, polygon = EXCLUDED.polygon,
                updated_at = now()
            WHERE (t.name, t.level, t.parent_code, t.centroid_lat, t.centroid_lon, t.polygon)
                IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.level, EXCLUDED.parent_code, EXCLUDED.centroid_lat, EXCLUDED.centroid_lon, EXCLUDED.polygon)
            RETURNING (xmax = 0)
            """,
            [
                TextArray(areas.map(\.code)), TextArray(areas.map(\.name)), TextArray(areas.map(\.level.rawValue)),
                TextArray(areas.map(\.parent)), TextArray(areas.map { $0.centroid.map { "\($0.lat)" } }),
                TextArray(areas.map { $0.centroid.map { "\($0.lon)" } }), TextArray(polygons),
            ])
        var count = try tally("areas", inFiles: areas.count, rows)
        count.onlyInDatabase = try onlyInDatabase(
            "SELECT count(*) FROM areas WHERE NOT (code = ANY($1::text[]))", [TextArray(areas.map(\.code))], connection)
        return count
    }

    private static func departments(_ departments: [SeedDepartment], _ connection: PostgresConnection) throws -> TableCount {
        let rows = try connection.query(
            """
            INSERT INTO departments AS t (code, name, level, kind, parent_code, area_code)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
            ON CONFLICT (code) DO UPDATE SET
                name = EXCLUDED.name, level = EXCLUDED.level, kind = EXCLUDED.kind, parent_code = EXCLUDED.parent_code,
                area_code = EXCLUDED.area_code, updated_at = now()
            WHERE (t.name, t.level, t.kind, t.parent_code, t.area_code)
                IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.level, EXCLUDED.kind, EXCLUDED.parent_code, EXCLUDED.area_code)
            RETURNING (xmax = 0)
            """,
            [
                TextArray(departments.map(\.code)), TextArray(departments.map(\.name)), TextArray(departments.map(\.level.rawValue)),
                TextArray(departments.map(\.kind.rawValue)), TextArray(departments.map(\.parent)), TextArray(departments.map(\.area)),
            ])
        var count = try tally("departments", inFiles: departments.count, rows)
        count.onlyInDatabase = try onlyInDatabase(
            "SELECT count(*) FROM departments WHERE NOT (code = ANY($1::text[]))", [TextArray(departments.map(\.code))], connection)
        return count
    }

    private static func categories(_ categories: [SeedCategory], _ connection: PostgresConnection) throws -> TableCount {
        // Each row's keywords travel as one array literal, cast back to text[] per row.
        let rows = try connection.query(
            """
            INSERT INTO categories AS t (code, name, parent_code, keywords)
            SELECT u.code, u.name, u.parent, u.keywords::text[]
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(code, name, parent, keywords)
            ON CONFLICT (code) DO UPDATE SET
                name = EXCLUDED.name, parent_code = EXCLUDED.parent_code, keywords = EXCLUDED.keywords, updated_at = now()
            WHERE (t.name, t.parent_code, t.keywords) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_code, EXCLUDED.keywords)
            RETURNING (xmax = 0)
            """,
            [
                TextArray(categories.map(\.code)), TextArray(categories.map(\.name)), TextArray(categories.map(\.parent)),
                TextArray(categories.map { PostgresArrayLiteral.encode($0.keywords) }),
            ])
        var count = try tally("categories", inFiles: categories.count, rows)
        count.onlyInDatabase = try onlyInDatabase(
            "SELECT count(*) FROM categories WHERE NOT (code = ANY($1::text[]))", [TextArray(categories.map(\.code))], connection)
        return count
    }
}
