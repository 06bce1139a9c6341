import Foundation
import WhistleMessages

/// Validates and normalises whistle messages (吹哨, CONTRACT §10), routing key `whistle` on
/// `whistle.intake`: `{external_id, submitted_at, by, area, content, title?, category?, urgency?,
/// departments: [codes, ≥ 1], reason}`. Pure: no I/O; the clock is a parameter. Every problem is
/// reported, in the order of that field list.
///
/// - `external_id`, `submitted_at`, `content`, `title`, `category`, `urgency`: as for a demand
///   (CONTRACT §1, `DemandValidator`).
/// - `by`: a known department (`unknown_code`) that is an active street office or command center
///   of street, district or city level (`not_allowed` otherwise).
/// - `area`: a known area (`unknown_code`) inside `by`'s area subtree: `by`'s own area or one
///   below it (`not_allowed` otherwise).
/// - `departments`: 1–50 (`too_short`, `too_many`) known departments (`unknown_code`), each once
///   (`invalid_value`), active and not `by` (`not_allowed`).
/// - `reason`: required, ≤ 500.
///
/// The result is a `Demand` of channel `whistle`: its `area` is the whistle's area (the ticket's
/// `area_code`), its `whistle` is `{by, departments, reason}`; it has no location, reporter or
/// attachments. Unknown fields are ignored.
public struct WhistleValidator: Sendable {
    public static let maxDepartments = 50
    public static let maxReasonLength = 500
    /// The department kinds that may blow a whistle.
    public static let whistlerKinds: Set<Department.Kind> = [.streetOffice, .commandCenter]
    /// The department levels that may blow a whistle.
    public static let whistlerLevels: Set<Department.Level> = [.street, .district, .city]

    public var reference: ReferenceData
    private let demands: DemandValidator

    public init(reference: ReferenceData) {
        self.reference = reference
        self.demands = DemandValidator(reference: reference.codes)
    }

    /// Validates a raw body that arrived with routing key `whistle`.
    public func validate(body: [UInt8], now: Date = Date()) -> DemandValidation {
        switch MessageBody(body) {
        case .invalid(let error): .invalid(externalId: nil, errors: [error])
        case .object(let members): validate(members: members, now: now)
        }
    }

    func validate(members: [String: JSONValue], now: Date) -> DemandValidation {
        var reader = FieldReader()
        let body = ObjectField(members: members, path: .root)
        let externalId = reader.string(body["external_id"], required: true, maxLength: 128)
        let submittedAt = demands.readSubmittedAt(body["submitted_at"], now: now, &reader)
        let by = readWhistler(body["by"], &reader)
        let area = readArea(body["area"], whistler: by, &reader)
        let content = reader.string(body["content"], required: true, maxLength: 4000)
        let title = reader.string(body["title"], maxLength: 200)
        let category = reader.code(body["category"], in: demands.reference.categories, of: "category")
        let urgency = reader.choice(body["urgency"], Urgency.self)
        let departments = readDepartments(body["departments"], whistler: by?.code, &reader)
        let reason = reader.string(body["reason"], required: true, maxLength: Self.maxReasonLength)

        guard reader.errors.isEmpty, let externalId, let submittedAt, let by, let area, let content, let reason else {
            let errors =
                reader.errors.isEmpty
                ? [FieldError(field: nil, code: .invalidValue, message: "the whistle could not be read")] : reader.errors
            return .invalid(externalId: DemandValidator.readableExternalId(members), errors: errors)
        }
        return .valid(
            Demand(
                channel: .whistle, externalId: externalId, submittedAt: submittedAt, content: content, title: title,
                category: category, urgency: urgency ?? .normal,
                whistle: Whistle(by: by.code, departments: departments, reason: reason), area: area))
    }

    /// `by`: an active street office or command center of street, district or city level.
    func readWhistler(_ field: Field, _ reader: inout FieldReader) -> Department? {
        guard let code = reader.code(field, in: demands.reference.departments, of: "department", required: true),
            let department = reference.departments[code]
        else { return nil }
        guard Self.whistlerKinds.contains(department.kind), Self.whistlerLevels.contains(department.level) else {
            reader.fail(
                field.path, .notAllowed,
                "\(code) may not blow a whistle: only a street office or a command center of street, district or city level may")
            return nil
        }
        guard department.active else {
            reader.fail(field.path, .notAllowed, "\(code) is not active")
            return nil
        }
        return department
    }

    /// `area`: a known area in the whistler's subtree (checked only when `by` is valid).
    func readArea(_ field: Field, whistler: Department?, _ reader: inout FieldReader) -> String? {
        guard let code = reader.string(field, required: true) else { return nil }
        guard reference.areas[code] != nil else {
            reader.fail(field.path, .unknownCode, "\(TextRules.quoted(code)) is not a known area code")
            return nil
        }
        if let whistler, !reference.areaChain(from: code).contains(where: { $0.code == whistler.area }) {
            reader.fail(field.path, .notAllowed, "\(code) is not in the area of \(whistler.code) (\(whistler.area))")
            return nil
        }
        return code
    }

    /// `departments`: 1–50 distinct known, active departments other than the whistler.
    func readDepartments(_ list: Field, whistler: String?, _ reader: inout FieldReader) -> [String] {
        guard let elements = reader.array(list, required: true) else { return [] }
        if elements.isEmpty { reader.fail(list.path, .tooShort, "must name at least one department") }
        if elements.count > Self.maxDepartments {
            reader.fail(list.path, .tooMany, "must name at most \(Self.maxDepartments) departments, got \(elements.count)")
        }
        var departments: [String] = []
        var seen = Set<String>()
        for element in elements {
            guard let code = reader.code(element, in: demands.reference.departments, of: "department", required: true) else {
                continue
            }
            if !seen.insert(code).inserted {
                reader.fail(element.path, .invalidValue, "department \(TextRules.quoted(code)) is named twice")
            } else if code == whistler {
                reader.fail(element.path, .notAllowed, "the whistler \(code) leads the ticket; it does not summon itself")
            } else if reference.departments[code]?.active != true {
                reader.fail(element.path, .notAllowed, "department \(code) is not active")
            } else {
                departments.append(code)
            }
        }
        return departments
    }
}
