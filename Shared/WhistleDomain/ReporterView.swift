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
/// The view is a `Reporter` (same wire shape): the lead sees the name and phone as given, a
/// co-department `Masking.maskName` / `Masking.maskPhone` of them.
public enum ReporterView {
    /// What an assignment in `role` carries about `reporter`; nil when it carries no
    /// `reporter` at all (a confidential demand, or none was given).
    public static func `for`(role: AssignmentRole, confidential: Bool, reporter: Reporter?) -> Reporter? {
        guard !confidential, let reporter else { return nil }
        if reporter.anonymous { return Reporter(anonymous: true) }
        switch role {
        case .lead:
            let phone = reporter.phone.flatMap { $0.contains(where: \.isNumber) ? $0 : nil }
            return Reporter(name: nonEmpty(reporter.name), phone: phone, id: nonEmpty(reporter.id))
        case .co:
            return Reporter(name: nonEmpty(reporter.name.map(Masking.maskName)), phone: nonEmpty(reporter.phone.map(Masking.maskPhone)))
        }
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.allSatisfy(\.isWhitespace) else { return nil }
        return text
    }
}
