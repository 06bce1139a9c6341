import WhistleMessages

/// The reporter as an assignment (CONTRACT §3) shows it to the department it is dispatched to.
///
/// | reporter | lead, not confidential | co, not confidential | confidential (petition) |
/// |---|---|---|---|
/// | named | name, full phone, id | masked name, masked phone | no `reporter` |
/// | anonymous | `anonymous: true` only | `anonymous: true` only | no `reporter` |
///
/// Decided here: a co-department gets no `id` (it may be a citizen's account with a channel;
/// the lead is the one who calls back); an anonymous reporter shows nothing but the flag to
/// anyone, even when the adapter sent a name or phone along; a field that masks to nothing
/// (a phone without digits, a blank name) is left out rather than sent empty.
public struct ReporterView: Codable, Sendable, Hashable {
    /// The lead sees the name as given; a co-department its first character and `*`s.
    public var name: String?
    /// The lead sees the number as given; a co-department `Masking.maskPhone` of it.
    public var phone: String?
    /// True when the reporter asked not to be identified: then nothing else is shown.
    public var anonymous: Bool
    /// The channel's identifier of the reporter (for a grid report, the grid worker); lead only.
    public var id: String?

    public init(name: String? = nil, phone: String? = nil, anonymous: Bool = false, id: String? = nil) {
        self.name = name
        self.phone = phone
        self.anonymous = anonymous
        self.id = id
    }

    /// What an assignment in `role` carries about `reporter`; nil when it carries no
    /// `reporter` at all (a confidential demand, or none was given).
    public static func `for`(role: AssignmentRole, confidential: Bool, reporter: Reporter?) -> ReporterView? {
        guard !confidential, let reporter else { return nil }
        if reporter.anonymous { return ReporterView(anonymous: true) }
        switch role {
        case .lead:
            let phone = reporter.phone.flatMap { $0.contains(where: \.isNumber) ? $0 : nil }
            return ReporterView(name: nonEmpty(reporter.name), phone: phone, id: nonEmpty(reporter.id))
        case .co:
            return ReporterView(name: nonEmpty(reporter.name.map(Masking.maskName)), phone: nonEmpty(reporter.phone.map(Masking.maskPhone)))
        }
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.allSatisfy(\.isWhitespace) else { return nil }
        return text
    }
}

extension ReporterView: JSONWritable {
    /// `{anonymous, id?, name?, phone?}`: keys sorted, absent values omitted.
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("anonymous")
        w.bool(anonymous)
        w.optional("id", id)
        w.optional("name", name)
        w.optional("phone", phone)
        w.endObject()
    }
}
