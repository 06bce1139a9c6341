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
    func detect(_ touched: [DemandStatistics.Pair: Date], on connection: PostgresConnection) throws -> [OutboundMessage] {
        let pairs = touched.sorted { ($0.key.area, $0.key.category) < ($1.key.area, $1.key.category) }.map { ($0.key, $0.value) }
        var events: [OutboundMessage] = []
        for counts in try WindowCounts.of(pairs, on: connection, hours: windowHours) where counts.isHotspot {
            let at = touched[DemandStatistics.Pair(area: counts.area, category: counts.category)] ?? Date()
            guard let event = try raise(counts, at: at, on: connection) else { continue }
            events.append(event)
        }
        return events
    }

    private func raise(_ counts: WindowCounts, at: Date, on connection: PostgresConnection) throws -> OutboundMessage? {
        _ = try connection.query(
            "SELECT pg_advisory_xact_lock(hashtext('whistle.hotspot'), hashtext($1 || '|' || $2))", [counts.area, counts.category])
        let recent = try connection.query(
            """
            SELECT 1 FROM hotspot_alerts
            WHERE area_code = $1 AND category_code = $2 AND window_hours = $3
              AND detected_at > $4::timestamptz - make_interval(hours => $3)
            """, [counts.area, counts.category, windowHours, at])
        guard recent.isEmpty else { return nil }
        let start = at.addingTimeInterval(-Double(windowHours) * 3600)
        let baseline = (counts.baseline * 10).rounded() / 10
        _ = try connection.query(
            """
            INSERT INTO hotspot_alerts (area_code, category_code, window_start, window_hours, count, baseline, detected_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
            """, [counts.area, counts.category, start, windowHours, counts.count, baseline, at])
        logger.notice(
            "hotspot detected",
            metadata: [
                "area": "\(counts.area)", "category": "\(counts.category)", "count": "\(counts.count)",
                "threshold": "\(counts.threshold)",
            ])
        let data = HotspotDetected(
            area: counts.area, category: counts.category, count: counts.count, baseline: baseline,
            threshold: (counts.threshold * 10).rounded() / 10, window: Self.label(hours: windowHours), windowStart: start, windowEnd: at)
        return try Outbox.event(EventEnvelope(type: .hotspotDetected, occurredAt: at, ticketNo: nil, data: data))
    }
}
