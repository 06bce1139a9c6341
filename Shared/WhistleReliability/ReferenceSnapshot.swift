import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres

/// Everything the services decide with, read from the reference tables in one go: the area
/// tree, departments, categories and rules (`ReferenceData`), the keyword classifier, the
/// deadline policies and the working-day calendar; and the area placer (grid polygons and
/// gazetteer), built once per load.
public struct ReferenceSnapshot: Sendable {
    public let data: ReferenceData
    public let codes: ReferenceCodes
    public let classifier: KeywordClassifier
    /// Places demands by grid code, coordinates or address (`AreaPlacer`).
    public let placer: AreaPlacer
    public let policies: DeadlinePolicies
    public let calendar: WorkingCalendar

    public init(data: ReferenceData, policies: [DeadlinePolicy], calendar: WorkingCalendar) {
        self.data = data
        self.codes = data.codes
        self.classifier = KeywordClassifier(reference: data)
        self.placer = AreaPlacer(reference: data)
        self.policies = DeadlinePolicies(policies)
        self.calendar = calendar
    }

    /// No reference data at all (before the first load): every code unknown, default policies.
    public static func empty(timeZone: TimeZone) -> ReferenceSnapshot {
        ReferenceSnapshot(
            data: ReferenceData(areas: [], departments: [], categories: [], rules: []), policies: [],
            calendar: WorkingCalendar(timeZone: timeZone))
    }

    /// Reads every reference table. Rows the domain cannot read (an unknown level, a bad
    /// duration) are skipped: `whistlectl seed` validates before writing, so these come only
    /// from hand edits, and one bad row must not stop the flow.
    public static func load(_ connection: PostgresConnection, defaultTimeZone: TimeZone) throws -> ReferenceSnapshot {
        var areas: [Area] = []
        for row in try connection.query("SELECT code, name, level, parent_code, centroid_lat, centroid_lon, polygon::text FROM areas") {
            guard let level = Area.Level(rawValue: try row.decode(2)) else { continue }
            areas.append(
                Area(
                    code: try row.decode(0), name: try row.decode(1), level: level, parent: try row.decodeIfPresent(3),
                    centroidLat: try row.decodeIfPresent(4), centroidLon: try row.decodeIfPresent(5),
                    polygon: try row.decodeIfPresent(6, as: String.self).flatMap(Self.corners)))
        }
        var departments: [Department] = []
        for row in try connection.query("SELECT code, name, level, kind, parent_code, area_code, active FROM departments") {
            guard let level = Department.Level(rawValue: try row.decode(2)), let kind = Department.Kind(rawValue: try row.decode(3))
            else { continue }
            departments.append(
                Department(
                    code: try row.decode(0), name: try row.decode(1), level: level, kind: kind, parent: try row.decodeIfPresent(4),
                    area: try row.decode(5), active: try row.decode(6)))
        }
        var categories: [WhistleDomain.Category] = []
        for row in try connection.query("SELECT code, name, parent_code, keywords FROM categories") {
            categories.append(
                WhistleDomain.Category(
                    code: try row.decode(0), name: try row.decode(1), parent: try row.decodeIfPresent(2),
                    keywords: try row.decode(3, as: [String].self)))
        }
        var rules: [RoutingRule] = []
        for row in try connection.query(
            "SELECT category_code, area_code, lead_department, co_departments FROM routing_rules ORDER BY id")
        {
            rules.append(
                RoutingRule(
                    category: try row.decode(0), area: try row.decodeIfPresent(1), lead: try row.decode(2),
                    co: try row.decode(3, as: [String].self)))
        }
        return ReferenceSnapshot(
            data: ReferenceData(
                areas: areas, departments: departments, categories: categories, rules: rules, gazetteer: try loadGazetteer(connection)),
            policies: try loadPolicies(connection), calendar: try loadCalendar(connection, defaultTimeZone: defaultTimeZone))
    }

    /// The gazetteer, in a stable order; rows of an unknown kind or with a bad range are skipped.
    private static func loadGazetteer(_ connection: PostgresConnection) throws -> [GazetteerEntry] {
        var entries: [GazetteerEntry] = []
        for row in try connection.query(
            "SELECT kind, name, aliases, area_code, number_from, number_to FROM gazetteer ORDER BY kind, name, number_from, area_code")
        {
            guard let kind = GazetteerEntry.Kind(rawValue: try row.decode(0)) else { continue }
            var numbers: ClosedRange<Int>?
            if let from = try row.decodeIfPresent(4, as: Int.self), let to = try row.decodeIfPresent(5, as: Int.self) {
                guard from <= to else { continue }
                numbers = from...to
            }
            entries.append(
                GazetteerEntry(
                    kind: kind, name: try row.decode(1), aliases: try row.decode(2, as: [String].self), area: try row.decode(3),
                    numbers: numbers))
        }
        return entries
    }

    /// A grid's `polygon` (JSON `[[lat, lon], …]`) as corners; nil when it is not that shape, so
    /// that the grid is simply not placed into by coordinates.
    static func corners(_ json: String) -> [GeoPoint]? {
        let points: [[Double]]
        do {
            points = try JSONDecoder().decode([[Double]].self, from: Data(json.utf8))
        } catch {
            return nil  // not that shape (a hand edit): the grid keeps its code, only without a polygon
        }
        guard points.count >= 3, points.allSatisfy({ $0.count == 2 }) else { return nil }
        return points.map { GeoPoint(lat: $0[0], lon: $0[1]) }
    }

    private static func loadPolicies(_ connection: PostgresConnection) throws -> [DeadlinePolicy] {
        let rows = try connection.query(
            """
            SELECT channel, urgency, acknowledge_amount, acknowledge_unit, resolve_amount, resolve_unit,
                   extension_amount, extension_unit FROM deadline_policies
            """)
        return try rows.compactMap { row in
            try? DeadlinePolicy(
                channel: try row.decode(0) as String, urgency: try row.decode(1) as String,
                acknowledgeAmount: try row.decode(2) as Int, acknowledgeUnit: try row.decode(3) as String,
                resolveAmount: try row.decode(4) as Int, resolveUnit: try row.decode(5) as String,
                extensionAmount: try row.decodeIfPresent(6, as: Int.self), extensionUnit: try row.decodeIfPresent(7, as: String.self))
        }
    }

    private static func loadCalendar(_ connection: PostgresConnection, defaultTimeZone: TimeZone) throws -> WorkingCalendar {
        let zoneRows = try connection.query("SELECT value FROM settings WHERE key = 'calendar.timezone'")
        let zone = try zoneRows.first.flatMap { TimeZone(identifier: try $0.decode(0, as: String.self)) } ?? defaultTimeZone
        var days: [CalendarDay] = []
        for row in try connection.query("SELECT day::text, working, name FROM calendar_days") {
            guard let day = LocalDate(iso: try row.decode(0)) else { continue }
            days.append(CalendarDay(day: day, working: try row.decode(1), name: try row.decode(2)))
        }
        return WorkingCalendar(timeZone: zone, days: days)
    }
}
