/// Who may read points over HTTP (CONTRACT §10 Points, scoped as §8): a reporter's points are
/// visible to the street office of a street where he earned or redeemed them, and to the command
/// centers whose area subtree holds that street. Points earned on a ticket without an area belong
/// to the top of the tree (district and city command centers), as such tickets do. Everyone else
/// — bureaus, petition bureaus, community committees, auditors, unknown departments — sees none:
/// the read API answers 404, exactly as for a reporter without points.
public struct PointsAccess: Sendable, Hashable {
    /// The streets whose points the principal may read, sorted.
    public var streets: [String]
    /// Whether it may also read points earned on tickets without an area.
    public var unplaced: Bool

    /// The access that reads nothing.
    public static let none = PointsAccess(streets: [], unplaced: false)

    public init(streets: [String], unplaced: Bool) {
        self.streets = streets
        self.unplaced = unplaced
    }

    /// The access of `policy`'s principal under `reference`.
    public init(policy: AccessPolicy, reference: ReferenceData) {
        guard let department = policy.department else {
            self = .none
            return
        }
        switch department.kind {
        case .streetOffice:
            let street = reference.street(of: department.area)?.code
            self.init(streets: street.map { [$0] } ?? [], unplaced: false)
        case .commandCenter:
            let streets = reference.subtree(of: department.area).filter { reference.areas[$0]?.level == .street }
            self.init(streets: streets, unplaced: policy.tickets.includesUnplaced)
        default:
            self = .none
        }
    }

    /// Whether nothing is visible.
    public var isEmpty: Bool { streets.isEmpty && !unplaced }

    /// Whether points earned or redeemed in `street` (nil: a ticket without an area) are visible.
    public func contains(street: String?) -> Bool {
        guard let street else { return unplaced }
        return streets.contains(street)
    }
}
