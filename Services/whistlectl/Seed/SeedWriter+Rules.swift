import WhistlePostgres
import WhistleReliability

/// routing_rules, deadline_policies, calendar_days and the `calendar.timezone` setting.
extension SeedWriter {
    static func rules(_ rules: [SeedRoutingRule], _ connection: PostgresConnection) throws -> TableCount {
        let rows = try connection.query(
            """
            INSERT INTO routing_rules AS t (category_code, area_code, lead_department, co_departments)
            SELECT u.category, u.area, u.lead, u.co::text[]
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(category, area, lead, co)
            ON CONFLICT (category_code, coalesce(area_code, '')) DO UPDATE SET
                lead_department = EXCLUDED.lead_department, co_departments = EXCLUDED.co_departments, updated_at = now()
            WHERE (t.lead_department, t.co_departments) IS DISTINCT FROM (EXCLUDED.lead_department, EXCLUDED.co_departments)
            RETURNING (xmax = 0)
            """,
            [
                TextArray(rules.map(\.category)), TextArray(rules.map(\.area)), TextArray(rules.map(\.lead)),
                TextArray(rules.map { PostgresArrayLiteral.encode($0.co) }),
            ])
        var count = try tally("routing_rules", inFiles: rules.count, rows)
        count.onlyInDatabase = try onlyInDatabase(
            """
            SELECT count(*) FROM routing_rules r
            WHERE NOT EXISTS (
                SELECT 1 FROM unnest($1::text[], $2::text[]) AS k(category, area)
                WHERE k.category = r.category_code AND k.area = coalesce(r.area_code, ''))
            """, [TextArray(rules.map(\.category)), TextArray(rules.map { $0.area ?? "" })], connection)
        return count
    }

    static func policies(_ policies: [SeedDeadlinePolicy], _ connection: PostgresConnection) throws -> TableCount {
        let rows = try connection.query(
            """
            INSERT INTO deadline_policies AS t (channel, urgency, acknowledge_amount, acknowledge_unit, resolve_amount, resolve_unit,
                                                extension_amount, extension_unit)
            SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[], $7::int[], $8::text[])
            ON CONFLICT (channel, urgency) DO UPDATE SET
                acknowledge_amount = EXCLUDED.acknowledge_amount, acknowledge_unit = EXCLUDED.acknowledge_unit,
                resolve_amount = EXCLUDED.resolve_amount, resolve_unit = EXCLUDED.resolve_unit,
                extension_amount = EXCLUDED.extension_amount, extension_unit = EXCLUDED.extension_unit, updated_at = now()
            WHERE (t.acknowledge_amount, t.acknowledge_unit, t.resolve_amount, t.resolve_unit, t.extension_amount, t.extension_unit)
                IS DISTINCT FROM (EXCLUDED.acknowledge_amount, EXCLUDED.acknowledge_unit, EXCLUDED.resolve_amount,
                                  EXCLUDED.resolve_unit, EXCLUDED.extension_amount, EXCLUDED.extension_unit)
            RETURNING (xmax = 0)
            """,
            [
                TextArray(policies.map(\.channel)), TextArray(policies.map(\.urgency)),
                TextArray(policies.map { String($0.acknowledge.amount) }), TextArray(policies.map(\.acknowledge.unit.rawValue)),
                TextArray(policies.map { String($0.resolve.amount) }), TextArray(policies.map(\.resolve.unit.rawValue)),
                TextArray(policies.map { $0.extensionWindow.map { String($0.amount) } }),
                TextArray(policies.map { $0.extensionWindow?.unit.rawValue }),
            ])
        var count = try tally("deadline_policies", inFiles: policies.count, rows)
        count.onlyInDatabase = try onlyInDatabase(
            """
            SELECT count(*) FROM deadline_policies p
            WHERE NOT EXISTS (
                SELECT 1 FROM unnest($1::text[], $2::text[]) AS k(channel, urgency)
                WHERE k.channel = p.channel AND k.urgency = p.urgency)
            """, [TextArray(policies.map(\.channel)), TextArray(policies.map(\.urgency))], connection)
        return count
    }

    static func calendarDays(_ days: [SeedCalendarDay], _ connection: PostgresConnection) throws -> TableCount {
        let rows = try connection.query(
            """
            INSERT INTO calendar_days AS t (day, working, name)
            SELECT * FROM unnest($1::date[], $2::bool[], $3::text[])
            ON CONFLICT (day) DO UPDATE SET working = EXCLUDED.working, name = EXCLUDED.name
            WHERE (t.working, t.name) IS DISTINCT FROM (EXCLUDED.working, EXCLUDED.name)
            RETURNING (xmax = 0)
            """,
            [TextArray(days.map(\.day)), TextArray(days.map { $0.working ? "t" : "f" }), TextArray(days.map(\.name))])
        var count = try tally("calendar_days", inFiles: days.count, rows)
        count.onlyInDatabase = try onlyInDatabase(
            "SELECT count(*) FROM calendar_days WHERE NOT (day = ANY($1::date[]))", [TextArray(days.map(\.day))], connection)
        return count
    }

    static let timeZoneKey = "calendar.timezone"

    static func timeZoneSetting(_ zone: String, _ connection: PostgresConnection) throws -> TableCount {
        let rows = try connection.query(
            """
            INSERT INTO settings AS t (key, value) VALUES ($1, $2)
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
            WHERE t.value IS DISTINCT FROM EXCLUDED.value
            RETURNING (xmax = 0)
            """, [timeZoneKey, zone])
        return try tally("settings", inFiles: 1, rows)
    }
}
