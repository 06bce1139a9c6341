/// The reference data rows of the schema (`0001_schema.sql`: `areas`, `departments`,
/// `categories`, `routing_rules`) as value types, one stored property per column that the
/// domain reads. Loaders (whistlectl seed, the services) fill them; nothing here does I/O.

/// One node of the area tree `grid → community → street → district → city` (table `areas`).
public struct Area: Sendable, Hashable {
    /// The level of an area in the tree (column `level`); raw values are the database words.
    public enum Level: String, Sendable, Hashable, CaseIterable, Comparable {
        case grid, community, street, district, city

        /// 0 for a grid up to 4 for the city: a parent is exactly one rank above its child.
        public var rank: Int {
            switch self {
            case .grid: 0
            case .community: 1
            case .street: 2
            case .district: 3
            case .city: 4
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    /// `code`, e.g. `G-QS-SQ-01`.
    public var code: String
    /// `name`, zh-CN.
    public var name: String
    /// `level`.
    public var level: Level
    /// `parent_code`: the area one level up; nil only for the city.
    public var parent: String?
    /// `centroid_lat`: grids only, WGS-84 decimal degrees.
    public var centroidLat: Double?
    /// `centroid_lon`: grids only, WGS-84 decimal degrees.
    public var centroidLon: Double?
    /// `polygon`: grids only, the corners of the grid's boundary in order (a simple polygon,
    /// convex or not, not closed: the last corner is not the first repeated). `AreaPlacer`
    /// places coordinates into grids by it.
    public var polygon: [GeoPoint]?

    public init(
        code: String, name: String, level: Level, parent: String? = nil,
        centroidLat: Double? = nil, centroidLon: Double? = nil, polygon: [GeoPoint]? = nil
    ) {
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
        self.centroidLat = centroidLat
        self.centroidLon = centroidLon
        self.polygon = polygon
    }
}

/// A point in WGS-84 decimal degrees. Placement treats latitude and longitude as plane
/// coordinates, which is exact enough at a city's scale (no grid spans the antimeridian).
public struct GeoPoint: Sendable, Hashable {
    /// Latitude, −90…90.
    public var lat: Double
    /// Longitude, −180…180.
    public var lon: Double

    public init(lat: Double, lon: Double) {
        self.lat = lat
        self.lon = lon
    }
}

/// A department that receives work (table `departments`).
public struct Department: Sendable, Hashable {
    /// Column `level`: the level of the area the department serves (never `grid`).
    public enum Level: String, Sendable, Hashable, CaseIterable {
        case community, street, district, city

        /// The area level a department of this level serves.
        public var areaLevel: Area.Level {
            switch self {
            case .community: .community
            case .street: .street
            case .district: .district
            case .city: .city
            }
        }
    }

    /// Column `kind`; raw values are the database words.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case bureau
        case streetOffice = "street_office"
        case communityCommittee = "community_committee"
        case petitionBureau = "petition_bureau"
        case commandCenter = "command_center"
    }

    /// `code`; also names the department's queue `dept.<code>`.
    public var code: String
    /// `name`, zh-CN.
    public var name: String
    /// `level`.
    public var level: Level
    /// `kind`.
    public var kind: Kind
    /// `parent_code`: the supervising department. A complaint petition against this department
    /// goes there (else to the petition bureau).
    public var parent: String?
    /// `area_code`: the area the department serves.
    public var area: String
    /// `active`: an inactive department receives no new work; routing treats it as unavailable.
    public var active: Bool

    public init(
        code: String, name: String, level: Level, kind: Kind, parent: String? = nil, area: String,
        active: Bool = true
    ) {
        self.code = code
        self.name = name
        self.level = level
        self.kind = kind
        self.parent = parent
        self.area = area
        self.active = active
    }
}

/// A demand category (table `categories`). Parents group leaves; a ticket's category is a leaf.
public struct Category: Sendable, Hashable {
    /// `code`, e.g. `SZSS-JGPS`.
    public var code: String
    /// `name`, zh-CN.
    public var name: String
    /// `parent_code`: the parent category; nil on a parent category.
    public var parent: String?
    /// `keywords`: zh-CN words the keyword classifier looks for as substrings of the demand text.
    public var keywords: [String]

    public init(code: String, name: String, parent: String? = nil, keywords: [String] = []) {
        self.code = code
        self.name = name
        self.parent = parent
        self.keywords = keywords
    }
}

/// One routing rule (table `routing_rules`): category × area → lead (主办) and co (协办).
public struct RoutingRule: Sendable, Hashable, CustomStringConvertible {
    /// `category_code`: a leaf category.
    public var category: String
    /// `area_code`: the area the rule is specific to; nil for the category's default rule.
    public var area: String?
    /// `lead_department`.
    public var lead: String
    /// `co_departments`, in the order they were configured.
    public var co: [String]

    public init(category: String, area: String? = nil, lead: String, co: [String] = []) {
        self.category = category
        self.area = area
        self.lead = lead
        self.co = co
    }

    /// `SZSS-JGPS@G-GL-WJ-02` for an area rule, `SZSS-JGPS@default` for the default rule.
    public var description: String { "\(category)@\(area ?? "default")" }
}
