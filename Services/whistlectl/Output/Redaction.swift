import WhistleDomain

/// Keeps personal data off the operator's screen: whistlectl never prints a phone number or a
/// reporter's name, even where free text or event data happens to carry one.
enum Redaction {
    /// Masks digit runs long enough to be a phone number (7 or more): 11 and more keep the first
    /// 3 and last 4 digits (`138****1234`, as CONTRACT §3 masks), shorter ones keep the last 2.
    static func maskNumbers(_ text: String) -> String {
        var out = ""
        var run = ""
        func flush() {
            out += run.count >= 7 ? mask(run) : run
            run = ""
        }
        for character in text {
            if character.isASCII && character.isNumber {
                run.append(character)
            } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }

    /// A phone number masked: first 3 and last 4 digits kept when long enough.
    static func mask(_ digits: String) -> String {
        let characters = Array(digits)
        guard characters.count >= 11 else {
            let kept = min(2, characters.count)
            return String(repeating: "*", count: characters.count - kept) + String(characters.suffix(kept))
        }
        return String(characters.prefix(3)) + String(repeating: "*", count: characters.count - 7) + String(characters.suffix(4))
    }

    /// JSON event or location data with `phone` values masked, the `name` of any `reporter`
    /// or `petitioner` reduced to its first character, and long digit runs masked in every other
    /// string except identifiers (`id`, `*_id`, `*_no`), which must stay whole to be useful.
    static func sanitize(_ value: JSONValue) -> JSONValue {
        sanitize(value, key: "", inPerson: false)
    }

    private static func sanitize(_ value: JSONValue, key: String, inPerson: Bool) -> JSONValue {
        switch value {
        case .string(let text):
            if key == "phone" { return .string(mask(String(text.filter { $0.isASCII && $0.isNumber }))) }
            if key == "name" && inPerson { return .string(text.isEmpty ? "" : String(text.prefix(1)) + "*") }
            let identifier = key == "id" || key.hasSuffix("_id") || key.hasSuffix("_no")
            return .string(identifier ? text : maskNumbers(text))
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
            return maskNumbers(text)
        }
    }
}
