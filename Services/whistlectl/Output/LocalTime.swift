import Foundation
import WhistleMessages

/// Timestamps as the operator reads them: local wall-clock time in the deployment's zone.
struct LocalTime: Sendable {
    let zone: TimeZone

    /// `2026-11-21 16:30:05`.
    func format(_ date: Date) -> String {
        let text = RFC3339.format(date, offsetSeconds: zone.secondsFromGMT(for: date))
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// `2026-11-21 16:30`.
    func short(_ date: Date) -> String {
        String(format(date).prefix(16))
    }

    /// `format`, or `-` when there is no date.
    func format(_ date: Date?) -> String {
        date.map { format($0) } ?? "-"
    }

    /// The zone's name and offset, e.g. `Asia/Shanghai (+08:00)`.
    var label: String {
        let seconds = zone.secondsFromGMT(for: Date())
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        return "\(zone.identifier) (\(sign)\(String(format: "%02d:%02d", minutes / 60, minutes % 60)))"
    }
}
