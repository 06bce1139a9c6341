import Foundation
import WhistleMessages

/// What to do with a new demand given the open tickets near it (并单).
public enum MergeDecision: Sendable, Hashable {
    /// Join the open ticket `ticketNo`; `similarity` is the Dice coefficient of the two contents.
    case merge(ticketNo: String, similarity: Double)
    /// A petition on the same matter as the open ticket `ticketNo`: open its own ticket, linked.
    case link(ticketNo: String)
    /// Open a new ticket.
    case new
}

/// Whether a new demand joins an open ticket (DESIGN "Merging"). A candidate qualifies when all
/// of these hold:
/// - the same category (both known);
/// - the same grid, or both have coordinates and are at most `maxDistanceMeters` apart
///   (haversine, Earth radius 6 371 000 m);
/// - the ticket was opened at most `maxAge` before the new demand's time (a later one qualifies);
/// - the contents' character-bigram Dice coefficient (`TextSimilarity.bigramDice`) is at least
///   `minSimilarity`.
///
/// A grid report that blows the whistle (吹哨) is never merged either: each whistle summons its
/// departments and is scored on its own (一哨一考核), so it always opens its own ticket. A whistle
/// message's ticket (channel `whistle`, CONTRACT §10) never merges and never absorbs a demand.
///
/// Petitions are never merged: a new petition that qualifies is `.link`ed instead (a petition with
/// no location at all skips the place test, as letters often carry none), and a petition ticket
/// absorbs nothing. The best candidate has the highest similarity, then the latest `openedAt`,
/// then the smallest ticket number.
public struct MergePolicy: Sendable {
    /// The facts of the new demand.
    public struct Incoming: Sendable, Hashable {
        public var channel: Channel
        public var category: String?
        public var grid: String?
        public var lat: Double?
        public var lon: Double?
        /// The demand's time the 72 h are measured from (its `submitted_at`, or when it arrived).
        public var at: Date
        public var content: String
        /// The demand blows the whistle: it never merges.
        public var hasWhistle: Bool

        public init(
            channel: Channel, category: String?, grid: String?, lat: Double?, lon: Double?, at: Date, content: String,
            hasWhistle: Bool = false
        ) {
            self.hasWhistle = hasWhistle
            self.channel = channel
            self.category = category
            self.grid = grid
            self.lat = lat
            self.lon = lon
            self.at = at
            self.content = content
        }

        /// The facts of `demand`, with its decided category, measured from `submitted_at`.
        public init(demand: Demand, category: String?) {
            self.init(
                channel: demand.channel, category: category, grid: demand.mergeGrid, lat: demand.location?.lat,
                lon: demand.location?.lon, at: demand.submittedAt, content: demand.content, hasWhistle: demand.whistle != nil)
        }

        var hasPlace: Bool { grid != nil || (lat != nil && lon != nil) }
    }

    /// The facts of one open ticket.
    public struct OpenTicket: Sendable, Hashable {
        public var ticketNo: String
        public var category: String?
        public var grid: String?
        public var lat: Double?
        public var lon: Double?
        public var openedAt: Date
        public let content: String
        /// The channel of the ticket's first demand.
        public var channel: Channel
        /// The content's bigrams, computed once for the many comparisons of a batch.
        public let profile: TextSimilarity.BigramProfile

        public init(
            ticketNo: String, category: String?, grid: String?, lat: Double?, lon: Double?, openedAt: Date,
            content: String, channel: Channel
        ) {
            self.ticketNo = ticketNo
            self.category = category
            self.grid = grid
            self.lat = lat
            self.lon = lon
            self.openedAt = openedAt
            self.content = content
            self.profile = TextSimilarity.BigramProfile(text: content)
            self.channel = channel
        }
    }

    public var maxDistanceMeters: Double
    public var maxAge: TimeInterval
    public var minSimilarity: Double

    /// The defaults of DESIGN: 200 m, 72 h, Dice ≥ 0.6.
    public init(maxDistanceMeters: Double = 200, maxAge: TimeInterval = 72 * 3600, minSimilarity: Double = 0.6) {
        self.maxDistanceMeters = maxDistanceMeters
        self.maxAge = maxAge
        self.minSimilarity = minSimilarity
    }

    /// The decision for `incoming` among `candidates`.
    public func decide(_ incoming: Incoming, candidates: [OpenTicket]) -> MergeDecision {
        let isPetition = incoming.channel == .petition
        guard let category = incoming.category, !incoming.hasWhistle else { return .new }
        let text = TextSimilarity.BigramProfile(text: incoming.content)
        var best: (ticket: OpenTicket, similarity: Double)?
        for ticket in candidates where ticket.category == category {
            if !isPetition && ticket.channel == .petition { continue }
            if ticket.channel == .whistle { continue }
            guard incoming.at.timeIntervalSince(ticket.openedAt) <= maxAge else { continue }
            guard (isPetition && !incoming.hasPlace) || isNear(incoming, ticket) else { continue }
            let similarity = TextSimilarity.bigramDice(text, ticket.profile)
            guard similarity >= minSimilarity else { continue }
            if let current = best, !Self.isBetter(ticket, similarity, than: current) { continue }
            best = (ticket, similarity)
        }
        guard let best else { return .new }
        return isPetition ? .link(ticketNo: best.ticket.ticketNo) : .merge(ticketNo: best.ticket.ticketNo, similarity: best.similarity)
    }

    /// The same grid, or both located and within `maxDistanceMeters`.
    func isNear(_ incoming: Incoming, _ ticket: OpenTicket) -> Bool {
        if let grid = incoming.grid, grid == ticket.grid { return true }
        guard let lat1 = incoming.lat, let lon1 = incoming.lon, let lat2 = ticket.lat, let lon2 = ticket.lon else {
            return false
        }
        return Self.distanceMeters(lat1: lat1, lon1: lon1, lat2: lat2, lon2: lon2) <= maxDistanceMeters
    }

    private static func isBetter(_ ticket: OpenTicket, _ similarity: Double, than current: (ticket: OpenTicket, similarity: Double)) -> Bool
    {
        if similarity != current.similarity { return similarity > current.similarity }
        if ticket.openedAt != current.ticket.openedAt { return ticket.openedAt > current.ticket.openedAt }
        return ticket.ticketNo < current.ticket.ticketNo
    }

    /// The statuses of a ticket that a new demand may join: those whose work has not ended.
    /// A resolved ticket waits for its citizen's word; a new report of the matter opens a new one.
    public static let absorbingStatuses: [TicketStatus] = [.accepted, .triage, .dispatched, .inProgress]

    /// Whether a ticket in `status` may absorb a new demand.
    public static func absorbs(_ status: TicketStatus) -> Bool { absorbingStatuses.contains(status) }

    /// Half the sides, in degrees of latitude and of longitude, of a box around `latitude` that
    /// surely holds every point within `maxDistanceMeters` (with a margin of half again): what
    /// the candidates' query looks in before `isNear` measures the exact distance.
    public func searchBox(latitude: Double) -> (latitude: Double, longitude: Double) {
        let metresPerDegree = Self.earthRadiusMeters * Double.pi / 180
        let latitudeSpan = maxDistanceMeters / metresPerDegree * 1.5
        // Near the poles a degree of longitude shrinks to nothing: cap the span at 5 times.
        let shrink = max(0.2, cos(min(abs(latitude) + latitudeSpan, 90) * Double.pi / 180))
        return (latitudeSpan, latitudeSpan / shrink)
    }

    /// Mean Earth radius used by `distanceMeters`.
    public static let earthRadiusMeters = 6_371_000.0

    /// The great-circle distance in metres between two WGS-84 points (haversine formula).
    public static func distanceMeters(lat1: Double, lon1: Double, lat2: Double, lon2: Double) -> Double {
        let radians = Double.pi / 180
        let dLat = (lat2 - lat1) * radians
        let dLon = (lon2 - lon1) * radians
        let a =
            sin(dLat / 2) * sin(dLat / 2)
            + cos(lat1 * radians) * cos(lat2 * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * earthRadiusMeters * asin(min(1, a.squareRoot()))
    }
}
