/// Who may read a ticket's free text (content, title, notes, results, comments) with the phone
/// and resident ID numbers written into it (CONTRACT §8): the lead department of a
/// non-confidential ticket and every petition bureau read it as written; everyone else reads it
/// through `PersonalData.maskText`.
///
/// | reader | ordinary ticket | confidential ticket (petition) |
/// |---|---|---|
/// | the lead department | clear | masked |
/// | a petition bureau (lead or not) | clear | clear |
/// | a co-department, a command center, any other department | masked | masked |
/// | a person (citizen, grid worker) | masked | masked |
/// | anyone, about no ticket (a hotspot) | masked (a petition bureau: clear) | — |
///
/// Decided here: a person is never a department, so a citizen reads even the text of their
/// own demand masked (a text message may reach another phone); on a petition the lead is
/// usually a petition bureau anyway, and a lead that is not one gets the masked text, as it
/// does not get the petitioner's identity either.
public struct TextDisclosure: Sendable, Hashable {
    /// The ticket's lead department, nil before dispatch (or for a message about no ticket).
    public var leadDepartment: String?
    /// Whether the ticket is confidential (a petition).
    public var confidential: Bool

    /// The disclosure of one ticket's text.
    public init(leadDepartment: String?, confidential: Bool) {
        self.leadDepartment = leadDepartment
        self.confidential = confidential
    }

    /// For a text about no ticket (a hotspot): only petition bureaus read it clear.
    public static let noTicket = TextDisclosure(leadDepartment: nil, confidential: false)

    /// Whether the department `code` of `kind` reads the text as written; `code` nil for a
    /// reader who is a person, not a department.
    public func isClear(toDepartment code: String?, kind: Department.Kind?) -> Bool {
        guard let code else { return false }
        if kind == .petitionBureau { return true }
        return !confidential && leadDepartment != nil && code == leadDepartment
    }

    /// `text` as the department `code` of `kind` (nil: a person) may read it: whole, or with its
    /// phone and ID numbers masked by `PersonalData.maskText`.
    public func text(_ text: String, toDepartment code: String?, kind: Department.Kind?) -> String {
        isClear(toDepartment: code, kind: kind) ? text : PersonalData.maskText(text)
    }
}
