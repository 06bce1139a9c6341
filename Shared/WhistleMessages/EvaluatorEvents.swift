import Foundation

/// `hotspot.detected` (CONTRACT §5, DESIGN "Hotspots"): demands of one category in one grid
/// reached the threshold in a rolling window. The envelope has no `ticket_no`; the event is raised
/// once per window for a (grid, category).
public struct HotspotDetected: Codable, Sendable, Hashable {
    public static let type = EventType.hotspotDetected
    /// The grid.
    public var area: String
    public var category: String
    /// Demands in the window (merged ones included).
    public var count: Int
    /// The mean of the same window on each of the previous 7 days (one decimal).
    public var baseline: Double
    /// The count that flags a hotspot: max(5, mean + 3σ) of those 7 windows (one decimal).
    public var threshold: Double
    /// The window's length, as the read API writes it (`24h`).
    public var window: String
    public var windowStart: Date
    public var windowEnd: Date

    public init(
        area: String, category: String, count: Int, baseline: Double, threshold: Double, window: String,
        windowStart: Date, windowEnd: Date
    ) {
        self.area = area
        self.category = category
        self.count = count
        self.baseline = baseline
        self.threshold = threshold
        self.window = window
        self.windowStart = windowStart
        self.windowEnd = windowEnd
    }
}
