import Foundation

/// `points.awarded {reporter_ref, points, reason, ticket_no}` (CONTRACT §10, 积分回馈): a
/// reporter earned points when the ticket (the envelope's `ticket_no` too) closed `satisfied`.
/// `reason` is `opened` (the reporter's demand opened the ticket) or `merged`. Emitted only when
/// the yearly cap left something to give (`points` ≥ 1); a fully capped award is in the ledger only.
public struct PointsAwarded: Codable, Sendable, Hashable {
    public static let type = EventType.pointsAwarded
    /// A grid worker's `reporter.id`, or `phone:` and 16 hex digits of SHA-256 of a citizen's phone.
    public var reporterRef: String
    /// The points given, after the yearly cap.
    public var points: Int
    /// `opened` or `merged`.
    public var reason: String
    public var ticketNo: String
    /// What the rule would have given without the cap (extension).
    public var requested: Int?
    /// The local calendar year whose cap the award counts against (extension).
    public var year: Int?
    /// The street where the points were earned: the street of the ticket's area (extension).
    public var street: String?
    /// The reporter's balance after the award (extension).
    public var balance: Int?

    public init(
        reporterRef: String, points: Int, reason: String, ticketNo: String, requested: Int? = nil, year: Int? = nil,
        street: String? = nil, balance: Int? = nil
    ) {
        self.reporterRef = reporterRef
        self.points = points
        self.reason = reason
        self.ticketNo = ticketNo
        self.requested = requested
        self.year = year
        self.street = street
        self.balance = balance
    }
}

/// `points.redeemed`: a street office took points off a reporter's balance (CONTRACT §10).
public struct PointsRedeemed: Codable, Sendable, Hashable {
    public static let type = EventType.pointsRedeemed
    public var source: MessageSource
    public var by: String
    public var reporterRef: String
    /// Below zero, as redeemed.
    public var points: Int
    public var reason: String
    /// The reporter's balance after the redemption (never below zero).
    public var balance: Int

    public init(source: MessageSource, by: String, reporterRef: String, points: Int, reason: String, balance: Int) {
        self.source = source
        self.by = by
        self.reporterRef = reporterRef
        self.points = points
        self.reason = reason
        self.balance = balance
    }
}

/// `points.rejected`: a redemption that changed nothing — invalid, from a broker user that may
/// not redeem for `by`, already redeemed under the same (by, external_id), or more than the
/// balance — with every error found. `by` and `reporter_ref` as the body gave them, when readable.
public struct PointsRejected: Codable, Sendable, Hashable {
    public static let type = EventType.pointsRejected
    public var source: MessageSource
    public var errors: [FieldError]
    public var by: String?
    public var reporterRef: String?

    public init(source: MessageSource, errors: [FieldError], by: String?, reporterRef: String?) {
        self.source = source
        self.errors = errors
        self.by = by
        self.reporterRef = reporterRef
    }
}
