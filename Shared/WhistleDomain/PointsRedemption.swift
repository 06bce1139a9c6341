import WhistleMessages

/// A street's redemption of a reporter's points, routing key `points` on `whistle.intake`
/// (CONTRACT §10): `{external_id, by, reporter_ref, points (< 0), reason}`.
public struct PointsRedemption: Codable, Sendable, Hashable {
    /// The street's own number for the redemption: (by, external_id) is redeemed once.
    public var externalId: String
    /// The street office that redeems.
    public var by: String
    public var reporterRef: String
    /// Below zero: the points taken off the balance.
    public var points: Int
    public var reason: String

    public init(externalId: String, by: String, reporterRef: String, points: Int, reason: String) {
        self.externalId = externalId
        self.by = by
        self.reporterRef = reporterRef
        self.points = points
        self.reason = reason
    }
}

public enum PointsRedemptionValidation: Sendable, Hashable {
    case valid(PointsRedemption)
    /// Every problem found; a body that is not a JSON object gives one `invalid_json` error.
    case invalid([FieldError])
}

/// Redemption bodies: `external_id` and `reporter_ref` 1–128, `by` a known street office,
/// `points` an integer from −1,000,000 to −1, `reason` 1–500.
public struct PointsRedemptionValidator: Sendable {
    /// The most one redemption may take.
    public static let maxPoints = 1_000_000
    public var reference: ReferenceCodes

    public init(reference: ReferenceCodes) {
        self.reference = reference
    }

    public func validate(body: [UInt8]) -> PointsRedemptionValidation {
        MessageBody.read(body, invalid: PointsRedemptionValidation.invalid) { object, reader in
            let externalId = reader.string(object["external_id"], required: true, maxLength: 128)
            let by = reader.code(object["by"], in: reference.streetOffices, of: "street office", required: true)
            let reporterRef = reader.string(object["reporter_ref"], required: true, maxLength: 128)
            let points = reader.integer(object["points"], required: true, range: -Self.maxPoints ... -1)
            let reason = reader.string(object["reason"], required: true, maxLength: 500)
            guard reader.errors.isEmpty, let externalId, let by, let reporterRef, let points, let reason else {
                return .invalid(reader.errors)
            }
            return .valid(PointsRedemption(externalId: externalId, by: by, reporterRef: reporterRef, points: points, reason: reason))
        }
    }

    /// What of the body can be read for the rejection event (each nil when unreadable).
    public static func readable(_ body: [UInt8]) -> (externalId: String?, by: String?, reporterRef: String?) {
        guard case .object(let members) = MessageBody(body) else { return (nil, nil, nil) }
        func text(_ key: String) -> String? {
            guard case .string(let value)? = members[key], value.unicodeScalars.count <= 128 else { return nil }
            return value
        }
        return (text("external_id"), text("by"), text("reporter_ref"))
    }
}

extension SenderRules {
    /// The error when `userId` may not redeem points as the street office `by` (nil when `by` is
    /// unknown: the validator reports that). Only the street office's own broker user `dept-<by>`
    /// may redeem.
    public func redemptionProblem(userId: String?, by: String?) -> FieldError? {
        guard mode == .strict, let by else { return nil }
        let user = ReplySenderRule.user(of: by)
        if userId == user { return nil }
        let sender = userId.flatMap { $0.isEmpty ? nil : "broker user \($0)" } ?? "a message without user_id"
        return FieldError(field: nil, code: .notAllowed, message: "\(sender) may not redeem points for \(by); only \(user) may")
    }
}
