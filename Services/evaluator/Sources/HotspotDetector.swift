import Foundation
import Logging
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Raises `hotspot.detected` (DESIGN "Hotspots") for the grid × category pairs a batch added
/// demands to: when the rolling window's count reaches max(5, mean + 3σ) of the same window on
/// the previous 7 days, once per window — no second alert for a pair while an earlier alert's
/// window still covers the instant. Instances agree through a transaction-scoped advisory lock
/// per pair and the `hotspot_alerts` rows.
struct HotspotDetector {
    let windowHours: Int
    let logger: Logger

    /// The window as the read API and the event write it (`24h`).
    static func label(hours: Int) -> String { "\(hours)h" }

    /// The `hotspot.detected` events to publish for `touched` (pairs and their latest event time).
    /// Whatever the number of hot pairs, three statements: lock them (in sorted order), find those
    /// an earlier alert's window still covers, record the others.
    func detect(_ touched: [DemandStatistics.Pair: Date], on connection: PostgresConnection) throws -> [OutboundMessage] {
        let pairs = touched.sorted { ($0.key.area, $0.key.category) < ($1.key.area, $1.key.category) }.map { ($0.key, $0.value) }
        let hot = try WindowCounts.of(pairs, on: connection, hours: windowHours).filter(\.isHotspot).sorted {
            ($0.area, $0.category) < ($1.area, $1.category)
        }
        guard !hot.isEmpty else { return [] }
        let instants = hot.map { touched[DemandStatistics.Pair(area: $0.area, category: $0.category)] ?? Date() }
        let areas = TextArray(hot.map(\.area))
        let categories = TextArray(hot.map(\.category))
        _ = try connection.query(
            """
            SELECT pg_advisory_xact_lock(hashtext('whistle.hotspot'), hashtext(h.area || '|' || h.category))
            FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS h(area, category, n) ORDER BY h.n
            """, [areas, categories])
        var covered = Set<DemandStatistics.Pair>()
        for row in try connection.query(
            """
            SELECT h.area, h.category FROM unnest($1::text[], $2::text[], $3::text[]) AS h(area, category, at)
            WHERE EXISTS (SELECT 1 FROM hotspot_alerts a
                          WHERE a.area_code = h.area AND a.category_code = h.category AND a.window_hours = $4
                            AND a.detected_at > h.at::timestamptz - make_interval(hours => $4))
            """, [areas, categories, TextArray(instants.map(RFC3339.format)), windowHours])
        {
            covered.insert(DemandStatistics.Pair(area: try row.decode(0), category: try row.decode(1)))
        }
        var alerts: [(counts: WindowCounts, at: Date)] = []
        for (counts, at) in zip(hot, instants) where !covered.contains(DemandStatistics.Pair(area: counts.area, category: counts.category))
        {
            alerts.append((counts, at))
        }
        guard !alerts.isEmpty else { return [] }
        _ = try connection.query(
            """
            INSERT INTO hotspot_alerts (area_code, category_code, window_start, window_hours, count, baseline, detected_at)
            SELECT h.area, h.category, h.at::timestamptz - make_interval(hours => $3), $3, h.count, h.baseline, h.at::timestamptz
            FROM unnest($1::text[], $2::text[], $4::text[], $5::int[], $6::float8[]) AS h(area, category, at, count, baseline)
            ON CONFLICT DO NOTHING
            """,
            [
                TextArray(alerts.map(\.counts.area)), TextArray(alerts.map(\.counts.category)), windowHours,
                TextArray(alerts.map { RFC3339.format($0.at) }), alerts.map(\.counts.count),
                alerts.map { Self.rounded($0.counts.baseline) },
            ])
        return try alerts.map { try event($0.counts, at: $0.at) }
    }

    private static func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    private func event(_ counts: WindowCounts, at: Date) throws -> OutboundMessage {
        let start = at.addingTimeInterval(-Double(windowHours) * 3600)
        logger.notice(
            "hotspot detected",
            metadata: [
                "area": "\(counts.area)", "category": "\(counts.category)", "count": "\(counts.count)",
                "threshold": "\(counts.threshold)",
            ])
        let data = HotspotDetected(
            area: counts.area, category: counts.category, count: counts.count, baseline: Self.rounded(counts.baseline),
            threshold: Self.rounded(counts.threshold), window: Self.label(hours: windowHours), windowStart: start, windowEnd: at)
        return try Outbox.event(EventEnvelope(type: .hotspotDetected, occurredAt: at, ticketNo: nil, data: data))
    }
}
