import WhistleMessages

/// What of a ticket one principal may read (CONTRACT §8), applied to the ticket as the read API
/// builds it (`GET /v1/tickets/{no}` and the items of `GET /v1/tickets`).
///
/// | viewer | confidential (petition) | other tickets |
/// |---|---|---|
/// | petition bureau | everything, petitioners in clear | free text in clear, reporters masked |
/// | the ticket's lead | number, category, status, own assignments | everything, reporters in clear |
/// | anyone else in scope | number, category, status, own assignments | free text masked, reporters masked |
///
/// Who reads free text in clear is `TextDisclosure`'s rule (shared with notifier); "free text
/// masked" is `PersonalData.maskText` over the title, the content, the address and
/// every string of the timeline's data except identifiers (`id`, `*_id`, `*_no`). Timeline
/// entries that link a ticket to a petition (`ticket.linked`) are kept for petition bureaus only.
public struct TicketDisclosure: Sendable, Equatable {
    /// How the ticket was shown, for the access records.
    public var confidential: Bool
    /// Whether a reporter's name or phone was shown in clear.
    public var reporterInClear: Bool

    public init(confidential: Bool, reporterInClear: Bool) {
        self.confidential = confidential
        self.reporterInClear = reporterInClear
    }

    /// The keys a confidential ticket keeps for a viewer who is not a petition bureau.
    static let confidentialKeys: Set<String> = ["ticket_no", "status", "channel", "category", "urgency", "confidential"]

    /// `ticket` as `policy` may see it, and what was disclosed. The ticket must already be in the
    /// policy's scope (the SQL decides that).
    public static func view(_ ticket: JSONValue, for policy: AccessPolicy) -> (ticket: JSONValue, disclosure: TicketDisclosure) {
        guard var fields = ticket.objectValue else { return (ticket, TicketDisclosure(confidential: false, reporterInClear: false)) }
        let confidential = fields["confidential"]?.boolValue ?? false
        let viewer = policy.department?.code
        let isLead = viewer != nil && fields["lead_department"]?.stringValue == viewer
        if confidential && !policy.isPetitionBureau {
            var reduced = fields.filter { confidentialKeys.contains($0.key) }
            reduced["area"] = .null
            reduced["lead_department"] = .null
            if let assignments = fields["assignments"]?.arrayValue {
                reduced["assignments"] = .array(assignments.filter { $0["department"]?.stringValue == viewer })
            }
            reduced["demands"] = .array([])
            reduced["timeline"] = .array([])
            return (.object(reduced), TicketDisclosure(confidential: true, reporterInClear: false))
        }
        let clearText = TextDisclosure(leadDepartment: fields["lead_department"]?.stringValue, confidential: confidential)
            .isClear(toDepartment: viewer, kind: policy.department?.kind)
        if !clearText {
            for key in ["title", "content"] { fields[key] = fields[key].map(maskStrings) }
            if var location = fields["location"]?.objectValue {
                location["address"] = location["address"].map(maskStrings)
                fields["location"] = .object(location)
            }
        }
        var inClear = false
        if let demands = fields["demands"]?.arrayValue {
            fields["demands"] = .array(
                demands.map { demand in
                    guard var members = demand.objectValue else { return demand }
                    let shown = reporter(members["reporter"], confidential: confidential, isLead: isLead, policy: policy)
                    members["reporter"] = shown.value
                    inClear = inClear || shown.inClear
                    return .object(members)
                })
        }
        if let timeline = fields["timeline"]?.arrayValue {
            let kept = policy.isPetitionBureau ? timeline : timeline.filter { $0["type"]?.stringValue != "ticket.linked" }
            fields["timeline"] = .array(clearText ? kept : kept.map(maskEntry))
        }
        return (.object(fields), TicketDisclosure(confidential: confidential, reporterInClear: inClear))
    }

    /// One item of a ticket list as `policy` may see it: a confidential ticket keeps its number,
    /// category, status, urgency and opening time for anyone but a petition bureau; the title is
    /// masked for anyone but the lead and petition bureaus.
    public static func listItem(_ item: JSONValue, for policy: AccessPolicy) -> (item: JSONValue, disclosure: TicketDisclosure) {
        guard var fields = item.objectValue else { return (item, TicketDisclosure(confidential: false, reporterInClear: false)) }
        let confidential = fields["confidential"]?.boolValue ?? false
        if confidential && !policy.isPetitionBureau {
            var reduced = fields.filter { confidentialKeys.contains($0.key) || $0.key == "opened_at" }
            reduced["area"] = .null
            reduced["lead_department"] = .null
            reduced["title"] = .null
            return (.object(reduced), TicketDisclosure(confidential: true, reporterInClear: false))
        }
        let clearText = TextDisclosure(leadDepartment: fields["lead_department"]?.stringValue, confidential: confidential)
            .isClear(toDepartment: policy.department?.code, kind: policy.department?.kind)
        if !clearText { fields["title"] = fields["title"].map(maskStrings) }
        return (.object(fields), TicketDisclosure(confidential: confidential, reporterInClear: false))
    }

    /// A reporter as the viewer may see it: in clear to the lead of an ordinary ticket and to a
    /// petition bureau reading a petition, masked as CONTRACT §3 masks it for a co-department to
    /// everyone else, and left out of a petition for anyone but a petition bureau.
    static func reporter(_ value: JSONValue?, confidential: Bool, isLead: Bool, policy: AccessPolicy) -> (value: JSONValue, inClear: Bool) {
        guard let members = value?.objectValue else { return (.null, false) }
        let given = Reporter(
            name: members["name"]?.stringValue, phone: members["phone"]?.stringValue, anonymous: members["anonymous"]?.boolValue ?? false)
        let shown: Reporter?
        if confidential {
            shown = policy.isPetitionBureau ? ReporterView.for(role: .lead, confidential: false, reporter: given) : nil
        } else {
            shown = ReporterView.for(role: isLead ? .lead : .co, confidential: false, reporter: given)
        }
        guard let shown else { return (.null, false) }
        var out: [String: JSONValue] = [:]
        if let name = shown.name { out["name"] = .string(name) }
        if let phone = shown.phone { out["phone"] = .string(phone) }
        if shown.anonymous { out["anonymous"] = .bool(true) }
        let inClear = (shown.name != nil && shown.name == given.name) || (shown.phone != nil && shown.phone == given.phone)
        return (.object(out), inClear && !shown.anonymous)
    }

    static func maskEntry(_ entry: JSONValue) -> JSONValue {
        guard var members = entry.objectValue else { return entry }
        members["data"] = members["data"].map(maskStrings)
        return .object(members)
    }

    /// Every string in `value` through `PersonalData.maskText`, except identifiers.
    public static func maskStrings(_ value: JSONValue) -> JSONValue { maskStrings(value, key: "") }

    static func maskStrings(_ value: JSONValue, key: String) -> JSONValue {
        switch value {
        case .string(let text):
            return PersonalData.isIdentifier(key: key) ? value : .string(PersonalData.maskText(text))
        case .array(let elements):
            return .array(elements.map { maskStrings($0, key: key) })
        case .object(let members):
            return .object(Dictionary(uniqueKeysWithValues: members.map { ($0.key, maskStrings($0.value, key: $0.key)) }))
        default:
            return value
        }
    }
}
