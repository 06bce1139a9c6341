import Foundation
import WhistleMessages

/// The decision about one demand body.
public enum DemandValidation: Sendable, Hashable {
    /// The demand, normalised: strings trimmed, blank optional strings nil, defaults applied.
    case valid(Demand)
    /// Every problem found, in the order of CONTRACT §1's field list. `externalId` is the
    /// trimmed `external_id` when that field itself is valid (a string of 1–128 characters
    /// without control characters), else nil, so that it is always safe to store and publish.
    case invalid(externalId: String?, errors: [FieldError])

    public var demand: Demand? {
        if case .valid(let demand) = self { demand } else { nil }
    }

    public var errors: [FieldError] {
        if case .invalid(_, let errors) = self { errors } else { [] }
    }
}

/// Validates and normalises demand bodies (CONTRACT §1) against a snapshot of reference codes.
/// Pure: no I/O; the clock is a parameter.
///
/// Beyond the contract's words: `submitted_at` must not be before the year 2000 (as written)
/// nor more than a day after `now` (`out_of_range`); `external_id`, `reporter.id` ≤ 128 and
/// `reporter.name` ≤ 100; attachment URLs ≤ 2048 (`too_long`); `line` ≤ 20; `petitioners`
/// ≤ 100000; `whistle.reason` ≤ 500; null counts as absent; a `location` or `reporter`
/// object with nothing in it normalises to nil.
public struct DemandValidator: Sendable {
    public var reference: ReferenceCodes

    public init(reference: ReferenceCodes) {
        self.reference = reference
    }

    /// Validates a raw body that arrived with routing key `demand.<channel>`.
    public func validate(channel: Channel, body: [UInt8], now: Date = Date()) -> DemandValidation {
        switch MessageBody(body) {
        case .invalid(let error): .invalid(externalId: nil, errors: [error])
        case .object(let members): validate(channel: channel, members: members, now: now)
        }
    }

    /// Validates an already parsed body (anything but an object is `invalid_json`).
    public func validate(channel: Channel, json: JSONValue, now: Date = Date()) -> DemandValidation {
        guard case .object(let members) = json else {
            let error = FieldError(field: nil, code: .invalidJSON, message: "the body must be a JSON object, not \(json.typeName)")
            return .invalid(externalId: nil, errors: [error])
        }
        return validate(channel: channel, members: members, now: now)
    }

    static let earliestYear = 2000
    static let futureTolerance: TimeInterval = 86_400

    func validate(channel: Channel, members: [String: JSONValue], now: Date) -> DemandValidation {
        var reader = FieldReader()
        let body = ObjectField(members: members, path: .root)

        let externalId = reader.string(body["external_id"], required: true, maxLength: 128)
        let submittedAt = readSubmittedAt(body["submitted_at"], now: now, &reader)
        let content = reader.string(body["content"], required: true, maxLength: 4000)
        let title = reader.string(body["title"], maxLength: 200)
        let category = reader.code(body["category"], in: reference.categories, of: "category")
        let urgency = reader.choice(body["urgency"], Urgency.self)
        let location = readLocation(body["location"], gridRequired: channel == .grid, &reader)
        let reporter = readReporter(body["reporter"], idRequired: channel == .grid, &reader)
        let attachments = readAttachments(body["attachments"], &reader)

        var extras = ChannelFields()
        switch channel {
        case .hotline:
            extras.line = readLine(body["line"], &reader)
        case .twelve345:
            extras.callbackRequested = reader.bool(body["callback_requested"])
        case .grid:
            extras.whistle = readWhistle(body["whistle"], &reader)
        case .petition:
            extras.petition = readPetition(body, &reader)
        case .whistle:
            reader.fail(.root, .notAllowed, "a whistle is not a demand: it is published with routing key whistle (WhistleValidator)")
        }
        if channel != .grid, body["whistle"].isPresent {
            reader.fail(FieldPath("whistle"), .notAllowed, "is allowed on the grid channel only, not on \(channel.rawValue)")
        }

        guard reader.errors.isEmpty, let externalId, let submittedAt, let content, extras.isComplete(for: channel) else {
            let errors =
                reader.errors.isEmpty
                ? [FieldError(field: nil, code: .invalidValue, message: "the demand could not be read")] : reader.errors
            return .invalid(externalId: Self.readableExternalId(members), errors: errors)
        }
        return .valid(
            Demand(
                channel: channel, externalId: externalId, submittedAt: submittedAt, content: content, title: title,
                category: category, urgency: urgency ?? .normal, location: location, reporter: reporter,
                attachments: attachments, line: extras.line, callbackRequested: extras.callbackRequested,
                whistle: extras.whistle, petition: extras.petition))
    }

    /// The trimmed `external_id` when it is itself valid, for `source.external_id`.
    static func readableExternalId(_ members: [String: JSONValue]) -> String? {
        var reader = FieldReader()
        let id = reader.string(Field(value: members["external_id"], path: .root), maxLength: 128)
        return reader.errors.isEmpty ? id : nil
    }

    func readSubmittedAt(_ field: Field, now: Date, _ reader: inout FieldReader) -> Date? {
        guard let (date, year) = reader.timestamp(field, required: true) else { return nil }
        if year < Self.earliestYear {
            reader.fail(field.path, .outOfRange, "must not be before the year \(Self.earliestYear)")
            return nil
        }
        if date.timeIntervalSince(now) > Self.futureTolerance {
            reader.fail(field.path, .outOfRange, "must not be more than a day in the future")
            return nil
        }
        return date
    }
}

/// The fields that only some channels have.
struct ChannelFields {
    var line: String?
    var callbackRequested: Bool?
    var whistle: Whistle?
    var petition: Petition?

    /// Whether the channel's required fields were read (always true when no error was recorded).
    func isComplete(for channel: Channel) -> Bool {
        switch channel {
        case .hotline: line != nil
        case .petition: petition != nil
        case .twelve345, .grid: true
        case .whistle: false
        }
    }
}
