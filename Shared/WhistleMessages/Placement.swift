import Foundation

/// How intake found a demand's area (an extension of `ticket.accepted`, CONTRACT §9): from the
/// grid code the adapter gave, from the coordinates inside a grid's polygon, from the address by
/// the gazetteer of the reference data, or not at all (the demand keeps its district, or has no
/// area when the deployment has several districts).
public struct Placement: Codable, Sendable, Hashable {
    /// The way the area was found.
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// `location.grid`, a known grid code.
        case grid
        /// `location.lat`/`lon` inside a grid's polygon (`areas.polygon`).
        case coordinates
        /// `location.address` matched by the gazetteer.
        case address
        /// Nothing placed it: the deployment's only district.
        case district
        /// Nothing placed it and there is no single district to fall back on.
        case none
    }

    public var method: Method
    /// How sure the placement is, 0...1: 1 for a grid code or a point inside a polygon, the
    /// gazetteer's confidence for an address (a building number in range is surer than a road),
    /// 0 when nothing placed the demand.
    public var confidence: Double
    /// The gazetteer entry an address matched (its name, never the caller's address).
    public var matched: String?
    /// The grid the demand lies in, when placement reached grid level (internal: merging compares
    /// grids; not part of the event).
    public var grid: String?

    public init(method: Method, confidence: Double, matched: String? = nil, grid: String? = nil) {
        self.method = method
        self.confidence = confidence
        self.matched = matched
        self.grid = grid
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decode(Method.self, forKey: .method)
        confidence = try container.decode(Double.self, forKey: .confidence)
        matched = try container.decodeIfPresent(String.self, forKey: .matched)
        grid = nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encode((confidence * 100).rounded() / 100, forKey: .confidence)
        try container.encodeIfPresent(matched, forKey: .matched)
    }

    private enum CodingKeys: String, CodingKey { case method, confidence, matched }
}
