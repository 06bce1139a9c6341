import WhistleDomain
import WhistleMessages

/// Keeps personal data off the operator's screen: whistlectl never prints a phone number, an ID
/// number or a reporter's name, even where free text or event data happens to carry one. Free
/// text is masked by `PersonalData.maskText`, `phone` fields by `Masking.maskPhone`, names by
/// `Masking.maskName`: the domain's rules, the same as every other surface.
enum Redaction {
    /// A notification's recipient: a citizen's is a phone number, masked as `Masking.maskPhone`
    /// masks it (`+86 138-1234-5678` → `138****5678`); others (department codes, worker ids,
    /// `demand:<id>`) keep their letters, with phone and ID numbers masked as in free text.
    static func recipient(_ value: String, audience: String) -> String {
        let digits = value.filter { $0.isASCII && $0.isNumber }
        if audience == "citizen" && digits.count >= 7 { return Masking.maskPhone(value) }
        return PersonalData.maskText(value)
    }

    /// JSON event or location data with `phone` values masked (`Masking.maskPhone`), the `name`
    /// of any `reporter` or `petitioner` masked as CONTRACT §3 masks it for a co-department
    /// (`Masking.maskName`: `王小明` → `王**`), and phone and ID numbers masked
    /// (`PersonalData.maskText`) in every other string except identifiers
    /// (`PersonalData.isIdentifier(key:)`).
    static func sanitize(_ value: JSONValue) -> JSONValue {
        sanitize(value, key: "", inPerson: false)
    }

    private static func sanitize(_ value: JSONValue, key: String, inPerson: Bool) -> JSONValue {
        switch value {
        case .string(let text):
            if key == "phone" { return .string(Masking.maskPhone(text)) }
            if key == "name" && inPerson { return .string(Masking.maskName(text)) }
            return .string(PersonalData.isIdentifier(key: key) ? text : PersonalData.maskText(text))
        case .array(let elements):
            return .array(elements.map { sanitize($0, key: key, inPerson: inPerson) })
        case .object(let members):
            var clean: [String: JSONValue] = [:]
            for (name, member) in members {
                let person = inPerson || personKeys.contains(name)
                clean[name] = sanitize(member, key: name, inPerson: person)
            }
            return .object(clean)
        default:
            return value
        }
    }

    private static let personKeys: Set<String> = ["reporter", "reporters", "petitioner", "petitioners", "contact"]

    /// JSON text from the database, compact and sanitized; the text itself (masked) if it does
    /// not parse.
    static func compactJSON(_ text: String?) -> String {
        guard let text else { return "-" }
        do {
            return sanitize(try JSONParser().parse(text)).description
        } catch {
            return PersonalData.maskText(text)
        }
    }
}
