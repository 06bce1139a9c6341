/// One row of the gazetteer (table `gazetteer`, seeded from `deploy/seed/gazetteer.yaml`): a
/// place an address may name, and the area it places a demand into.
///
/// | kind | names | `area` | `numbers` |
/// |---|---|---|---|
/// | `road` | a road, street or lane (石桥路, 书院巷) | the community or street it runs through | – |
/// | `building` | a road's building-number range (石桥路 80–119号) | the grid those numbers stand in | required |
/// | `estate` | a residential estate (小区, 花园, 新村) | its grid | – |
/// | `landmark` | a market, square, school, bridge … | its grid | – |
/// | `community` | a community (社区) or village (村) | the community | – |
///
/// A road that runs through several grids has one `building` entry per grid, named like the
/// road; the road entry places an address that gives no number (or one outside every range).
public struct GazetteerEntry: Sendable, Hashable {
    /// Column `kind`; raw values are the database words.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case road, estate, building, community, landmark

        /// How sure a match of this kind places a demand, 0…1 (the `confidence` of an
        /// `.address` placement). The scale says how small the place is and how exactly the
        /// address can name it:
        /// - 0.95 `building`: a road and a building number inside a range — one grid, and the
        ///   number pins the side and the block;
        /// - 0.90 `estate`: a named 小区 lies in one grid, but large estates may reach over a
        ///   grid's edge;
        /// - 0.85 `landmark`: a market or square is in one grid, but "near the bridge" may be
        ///   next door;
        /// - 0.70 `community`: only the community is known, not the grid;
        /// - 0.50 `road`: a road without a usable number runs through several grids, and its
        ///   area is a community or a whole street.
        public var confidence: Double {
            switch self {
            case .building: 0.95
            case .estate: 0.9
            case .landmark: 0.85
            case .community: 0.7
            case .road: 0.5
            }
        }

        /// The area levels an entry of this kind may place into.
        public var areaLevels: Set<Area.Level> {
            switch self {
            case .building, .estate, .landmark: [.grid]
            case .road: [.community, .street]
            case .community: [.community]
            }
        }
    }

    /// `kind`.
    public var kind: Kind
    /// `name`, zh-CN: for a `building` entry, the road's name.
    public var name: String
    /// `aliases`: other names of the same place (石桥菜场 for 石桥农贸市场), matched like `name`.
    public var aliases: [String]
    /// `area_code`: the area a match places the demand into.
    public var area: String
    /// `number_from`…`number_to`: the building numbers of a `building` entry (both ends
    /// included); nil for every other kind.
    public var numbers: ClosedRange<Int>?

    public init(kind: Kind, name: String, aliases: [String] = [], area: String, numbers: ClosedRange<Int>? = nil) {
        self.kind = kind
        self.name = name
        self.aliases = aliases
        self.area = area
        self.numbers = numbers
    }

    /// What a placement reports as `matched`: the name, and for a building range the range
    /// (`石桥路80-119号`). Never anything of the caller's address.
    public var label: String {
        guard let numbers else { return name }
        return "\(name)\(numbers.lowerBound)-\(numbers.upperBound)号"
    }
}
