import WhistleMessages

/// The answer to a command center's triage routing.
public enum TriageRouteValidation: Sendable, Hashable {
    case valid(TriageRoute)
    case invalid([FieldError])
}

/// A command center's routing of a ticket in triage, on `whistle.replies` with routing key
/// `triage.<command center>` (an extension of CONTRACT v1): `{ticket_no, lead, co?, note?}`;
/// `lead` and every `co` a known department, none twice, the lead not among the co, at most 20
/// co-departments, `note` ≤ 2000. Whether the ticket is in triage, and whether a complaint's
/// subject unit is named, is the dispatcher's to check against the ticket.
public struct TriageRouteValidator: Sendable {
    public static let maxCo = 20
    public var reference: ReferenceCodes

    public init(reference: ReferenceCodes) {
        self.reference = reference
    }

    public func validate(body: [UInt8]) -> TriageRouteValidation {
        MessageBody.read(body, invalid: TriageRouteValidation.invalid) { object, reader in
            let ticketNo = readTicketNo(object["ticket_no"], &reader)
            let lead = reader.code(object["lead"], in: reference.departments, of: "department", required: true)
            var co: [String] = []
            let list = object["co"]
            if let elements = reader.array(list) {
                if elements.count > Self.maxCo {
                    reader.fail(list.path, .tooMany, "must hold at most \(Self.maxCo) departments, got \(elements.count)")
                }
                var seen: Set<String> = lead.map { [$0] } ?? []
                for element in elements {
                    guard let code = reader.code(element, in: reference.departments, of: "department", required: true) else { continue }
                    if !seen.insert(code).inserted {
                        reader.fail(element.path, .invalidValue, "department \(TextRules.quoted(code)) is named twice (or is the lead)")
                        continue
                    }
                    co.append(code)
                }
            }
            let note = reader.string(object["note"], maxLength: 2000)
            guard reader.errors.isEmpty, let ticketNo, let lead else { return .invalid(reader.errors) }
            return .valid(TriageRoute(ticketNo: ticketNo, lead: lead, co: co, note: note))
        }
    }
}
