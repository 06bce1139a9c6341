import WhistleMessages

/// Where a demand was placed in the area tree, and how (`AreaPlacer.place`).
public struct AreaPlacement: Sendable, Hashable {
    /// How the area was found; raw values are the words of `ticket.accepted`'s `placement.method`.
    public enum Method: String, Sendable, CaseIterable {
        /// `location.grid`, a known grid code.
        case grid
        /// `location.lat`/`lon` inside a grid's polygon.
        case coordinates
        /// `location.address` matched by the gazetteer.
        case address
        /// Nothing placed the demand: the deployment's only district.
        case district
        /// Nothing placed the demand, and there is no single district to fall back on.
        case none
    }

    /// The placed area's code: a grid (`.grid`, `.coordinates`, and `.address` for a building,
    /// estate or landmark), a community or street (`.address` for a community or road), the
    /// district (`.district`), or nil (`.none`).
    public var area: String?
    /// How `area` was found.
    public var method: Method
    /// How sure the placement is, 0…1: 1 for `.grid` and `.coordinates`, the gazetteer entry's
    /// confidence for `.address` (`GazetteerEntry.Kind.confidence`), 0 for `.district` and `.none`.
    public var confidence: Double
    /// The gazetteer entry's name (`GazetteerEntry.label`), for `.address` only; never the
    /// caller's address.
    public var matched: String?

    public init(area: String?, method: Method, confidence: Double, matched: String? = nil) {
        self.area = area
        self.method = method
        self.confidence = confidence
        self.matched = matched
    }
}

/// Places every demand in the area tree (CONTRACT §9, issue 16), from the most exact evidence
/// its `location` holds:
/// 1. a known `grid` code → that grid (`.grid`);
/// 2. `lat` and `lon` (finite, in range) inside a grid's polygon → that grid (`.coordinates`,
///    `GridIndex`);
/// 3. an `address` the gazetteer matches → the entry's area (`.address`, `Gazetteer`);
/// 4. otherwise the deployment's district when the area tree has exactly one (`.district`), else
///    nothing (`.none`, area nil).
///
/// Built once per reference refresh (`ReferenceSnapshot.placer`): the polygon index and the
/// gazetteer are made here, and `place` only reads them.
public struct AreaPlacer: Sendable {
    /// The grid polygons of the reference data.
    public let index: GridIndex
    /// The gazetteer of the reference data (entries whose area is unknown are left out).
    public let gazetteer: Gazetteer
    private let grids: Set<String>
    private let district: String?

    /// Builds the polygon index from the grids' `polygon` and the gazetteer from `gazetteer`,
    /// cutting the city, district and street names off addresses.
    public init(reference: ReferenceData) {
        let grids = reference.areas.values.filter { $0.level == .grid }
        self.grids = Set(grids.map(\.code))
        index = GridIndex(polygons: grids.compactMap { area in area.polygon.map { (area.code, $0) } })
        let prefixes = reference.areas.values.filter { [.city, .district, .street].contains($0.level) }.map(\.name)
        gazetteer = Gazetteer(entries: reference.gazetteer.filter { reference.areas[$0.area] != nil }, prefixes: prefixes)
        let districts = reference.areas.values.filter { $0.level == .district }
        district = districts.count == 1 ? districts.first?.code : nil
    }

    /// The placement of a demand at `location` (see the type's documentation).
    public func place(_ location: Location?) -> AreaPlacement {
        if let grid = location?.grid, grids.contains(grid) {
            return AreaPlacement(area: grid, method: .grid, confidence: 1)
        }
        if let lat = location?.lat, let lon = location?.lon, (-90...90).contains(lat), (-180...180).contains(lon),
            let grid = index.grid(containing: GeoPoint(lat: lat, lon: lon))
        {
            return AreaPlacement(area: grid, method: .coordinates, confidence: 1)
        }
        if let address = location?.address, let match = gazetteer.match(address) {
            return AreaPlacement(area: match.entry.area, method: .address, confidence: match.confidence, matched: match.entry.label)
        }
        guard let district else { return AreaPlacement(area: nil, method: .none, confidence: 0) }
        return AreaPlacement(area: district, method: .district, confidence: 0)
    }
}
