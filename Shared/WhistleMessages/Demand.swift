import Foundation

/// A demand as intake stores it after validation: one shape for all four channels (CONTRACT §1)
/// and for the whistle message (CONTRACT §10, channel `whistle`).
public struct Demand: Codable, Sendable, Hashable {
    public var channel: Channel
    public var externalId: String
    public var submittedAt: Date
    public var content: String
    public var title: String?
    public var category: String?
    public var urgency: Urgency
    public var location: Location?
    public var reporter: Reporter?
    public var attachments: [Attachment]
    /// `hotline`: the hotline's number, e.g. "12319".
    public var line: String?
    /// `12345`: the caller asked to be called back.
    public var callbackRequested: Bool?
    /// `grid`: the street blows the whistle and names the departments that must report;
    /// `whistle`: the whistle message's `by`, `departments` and `reason`.
    public var whistle: Whistle?
    /// `whistle`: the area (of any level) the whistle is about; on the demand channels the area
    /// intake placed the demand in (`placement`), nil until then.
    public var area: String?
    /// How intake placed a demand of a demand channel (nil for a whistle and before placement).
    public var placement: Placement?
    /// `petition`: the petition's own fields.
    public var petition: Petition?

    public init(
        channel: Channel, externalId: String, submittedAt: Date, content: String, title: String? = nil,
        category: String? = nil, urgency: Urgency = .normal, location: Location? = nil, reporter: Reporter? = nil,
        attachments: [Attachment] = [], line: String? = nil, callbackRequested: Bool? = nil,
        whistle: Whistle? = nil, petition: Petition? = nil, area: String? = nil
    ) {
        self.channel = channel
        self.externalId = externalId
        self.submittedAt = submittedAt
        self.content = content
        self.title = title
        self.category = category
        self.urgency = urgency
        self.location = location
        self.reporter = reporter
        self.attachments = attachments
        self.line = line
        self.callbackRequested = callbackRequested
        self.whistle = whistle
        self.petition = petition
        self.area = area
    }

    /// The ticket's area (`ticket_facts.area_code`): a whistle's `area` or the placed area, else the grid.
    public var ticketArea: String? { area ?? location?.grid }

    /// The grid that merging compares (并单): the grid given, else the one placement found.
    public var mergeGrid: String? { location?.grid ?? placement?.grid }

    /// Petitions are confidential: the petitioner's identity goes to the petition bureau only.
    public var isConfidential: Bool { channel == .petition }
}

public enum Urgency: String, Codable, Sendable, CaseIterable { case normal, urgent }

public struct Location: Codable, Sendable, Hashable {
    public var address: String?
    public var lat: Double?
    public var lon: Double?
    public var grid: String?
    public init(address: String? = nil, lat: Double? = nil, lon: Double? = nil, grid: String? = nil) {
        self.address = address
        self.lat = lat
        self.lon = lon
        self.grid = grid
    }
}

public struct Reporter: Codable, Sendable, Hashable {
    public var name: String?
    public var phone: String?
    public var anonymous: Bool
    public var id: String?
    public init(name: String? = nil, phone: String? = nil, anonymous: Bool = false, id: String? = nil) {
        self.name = name
        self.phone = phone
        self.anonymous = anonymous
        self.id = id
    }
}

public struct Attachment: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case image, audio, video, document }
    public var url: String
    public var kind: Kind
    public init(url: String, kind: Kind) {
        self.url = url
        self.kind = kind
    }
}

/// A whistle (吹哨): the departments that must report (报到) and why. A grid report's whistle
/// has no `by` (its whistler is the street office of the grid's street); a whistle message
/// (channel `whistle`, CONTRACT §10) names its whistler in `by`.
public struct Whistle: Codable, Sendable, Hashable {
    /// The whistler's department code: set on a whistle message, nil on a grid report's whistle.
    public var by: String?
    public var departments: [String]
    public var reason: String?
    public init(by: String? = nil, departments: [String], reason: String? = nil) {
        self.by = by
        self.departments = departments
        self.reason = reason
    }
}

public struct Petition: Codable, Sendable, Hashable {
    public enum Form: String, Codable, Sendable, CaseIterable { case letter, visit, online, phone }
    /// `request` for 求决/建议/申诉, `complaint` for 检举控告.
    public enum Kind: String, Codable, Sendable, CaseIterable { case request, complaint }
    public var form: Form
    public var kind: Kind
    public var petitioners: Int
    public var subjectUnit: String?
    public init(form: Form, kind: Kind, petitioners: Int = 1, subjectUnit: String? = nil) {
        self.form = form
        self.kind = kind
        self.petitioners = petitioners
        self.subjectUnit = subjectUnit
    }
}
