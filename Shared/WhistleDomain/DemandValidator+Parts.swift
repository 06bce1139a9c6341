import WhistleMessages

/// The nested objects of a demand and the per-channel fields (CONTRACT §1).
extension DemandValidator {
    static let maxAttachments = 10

    /// `location`; on the grid channel `location.grid` is required even when `location` is absent.
    func readLocation(_ field: Field, gridRequired: Bool, _ reader: inout FieldReader) -> Location? {
        guard let object = reader.object(field) else {
            if gridRequired && !field.isPresent {
                reader.fail(field.path.key("grid"), .required, "is required on the grid channel")
            }
            return nil
        }
        let address = reader.string(object["address"], maxLength: 500)
        let lat = reader.number(object["lat"], range: -90...90)
        let lon = reader.number(object["lon"], range: -180...180)
        if object["lat"].isPresent != object["lon"].isPresent {
            let missing = object["lat"].isPresent ? object["lon"] : object["lat"]
            reader.fail(missing.path, .required, "lat and lon must be given together")
        }
        let grid = reader.code(object["grid"], in: reference.grids, of: "grid", required: gridRequired)
        let location = Location(address: address, lat: lat, lon: lon, grid: grid)
        return location == Location() ? nil : location
    }

    /// `reporter`; on the grid channel `reporter.id` (the grid worker) is required even when
    /// `reporter` is absent.
    func readReporter(_ field: Field, idRequired: Bool, _ reader: inout FieldReader) -> Reporter? {
        guard let object = reader.object(field) else {
            if idRequired && !field.isPresent {
                reader.fail(field.path.key("id"), .required, "is required on the grid channel (the grid worker)")
            }
            return nil
        }
        let name = reader.string(object["name"], maxLength: 100)
        var phone = reader.string(object["phone"], maxLength: 20)
        if let number = phone, !TextRules.isPhone(number) {
            reader.fail(object["phone"].path, .invalidFormat, "may contain only digits, '+' and '-'")
            phone = nil
        }
        let anonymous = reader.bool(object["anonymous"]) ?? false
        let id = reader.string(object["id"], required: idRequired, maxLength: 128)
        let reporter = Reporter(name: name, phone: phone, anonymous: anonymous, id: id)
        return reporter == Reporter() ? nil : reporter
    }

    func readAttachments(_ field: Field, _ reader: inout FieldReader) -> [Attachment] {
        guard let elements = reader.array(field) else { return [] }
        if elements.count > Self.maxAttachments {
            reader.fail(field.path, .tooMany, "must hold at most \(Self.maxAttachments) attachments, got \(elements.count)")
        }
        var attachments: [Attachment] = []
        for element in elements {
            guard let object = reader.object(element, required: true) else { continue }
            var url = reader.string(object["url"], required: true, maxLength: 2048)
            if let text = url, !TextRules.isHTTPURL(text) {
                reader.fail(object["url"].path, .invalidFormat, "must be an absolute http or https URL")
                url = nil
            }
            let kind = reader.choice(object["kind"], Attachment.Kind.self, required: true)
            if let url, let kind { attachments.append(Attachment(url: url, kind: kind)) }
        }
        return attachments
    }

    /// `hotline`: `line`, the hotline's number.
    func readLine(_ field: Field, _ reader: inout FieldReader) -> String? {
        guard let line = reader.string(field, required: true, maxLength: 20) else { return nil }
        guard TextRules.isHotlineNumber(line) else {
            reader.fail(field.path, .invalidFormat, "must be the hotline's number: digits and '-' only")
            return nil
        }
        return line
    }

    /// `grid`: the optional `whistle`.
    func readWhistle(_ field: Field, _ reader: inout FieldReader) -> Whistle? {
        guard let object = reader.object(field) else { return nil }
        let list = object["departments"]
        var departments: [String] = []
        if let elements = reader.array(list, required: true) {
            if elements.isEmpty { reader.fail(list.path, .tooShort, "must name at least one department") }
            var seen = Set<String>()
            for element in elements {
                guard let code = reader.code(element, in: reference.departments, of: "department", required: true) else {
                    continue
                }
                guard seen.insert(code).inserted else {
                    reader.fail(element.path, .invalidValue, "department \(TextRules.quoted(code)) is named twice")
                    continue
                }
                departments.append(code)
            }
        }
        let reason = reader.string(object["reason"], maxLength: 500)
        return Whistle(departments: departments, reason: reason)
    }

    /// `petition`: `form`, `kind`, `petitioners`, `subject_unit` (top-level fields).
    func readPetition(_ body: ObjectField, _ reader: inout FieldReader) -> Petition? {
        let form = reader.choice(body["form"], Petition.Form.self, required: true)
        let kind = reader.choice(body["kind"], Petition.Kind.self, required: true)
        let petitioners = reader.integer(body["petitioners"], range: 1...100_000)
        let subjectUnit = reader.code(
            body["subject_unit"], in: reference.departments, of: "department", required: kind == .complaint)
        guard let form, let kind else { return nil }
        return Petition(form: form, kind: kind, petitioners: petitioners ?? 1, subjectUnit: subjectUnit)
    }
}
