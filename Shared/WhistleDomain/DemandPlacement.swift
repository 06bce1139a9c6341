import WhistleMessages

/// Places a demand of a demand channel in the area tree (issue 16, "every demand placed"): its
/// `area` becomes the area `AreaPlacer` found, and `placement` says how, so that routing, merging
/// and hotspots work from the placed area for every channel, not only for grid reports. A whistle
/// (channel `whistle`) names its own area and is left as it is; so is a demand that already has
/// a placement (placing twice changes nothing).
public enum DemandPlacement {
    /// `demand` placed by `placer`; `reference` tells whether the placed area is a grid.
    public static func place(_ demand: Demand, placer: AreaPlacer, reference: ReferenceData) -> Demand {
        guard demand.channel.isDemandChannel, demand.placement == nil else { return demand }
        let found = placer.place(demand.location)
        var placed = demand
        placed.area = found.area
        let grid = found.area.flatMap { reference.areas[$0]?.level == .grid ? $0 : nil }
        placed.placement = Placement(
            method: Placement.Method(found.method), confidence: found.confidence, matched: found.matched, grid: grid)
        return placed
    }

    /// Every valid demand of `validation` placed; an invalid one is left as it is.
    public static func place(_ validation: DemandValidation, placer: AreaPlacer, reference: ReferenceData) -> DemandValidation {
        guard case .valid(let demand) = validation else { return validation }
        return .valid(place(demand, placer: placer, reference: reference))
    }
}

extension Placement.Method {
    /// The event's word for the domain's method.
    init(_ method: AreaPlacement.Method) {
        switch method {
        case .grid: self = .grid
        case .coordinates: self = .coordinates
        case .address: self = .address
        case .district: self = .district
        case .none: self = .none
        }
    }
}
