import WhistleMessages

/// Who takes an escalation at each level of the chain street → district → city (DESIGN
/// "Escalation"). Which level an escalation reaches, and why, is `Escalation`; when the clock
/// escalates is `TimerPlan` and `TimerRule`.
public enum EscalationTarget {
    /// The department that takes an escalation at `level` for a ticket in `area`:
    /// - street: the street-level command center (街道综合指挥中心) of the ticket's street, else that
    ///   street's office (街道办事处); nil when the ticket has no area inside a street;
    /// - district / city: the command center of that level nearest up the tree from the area; for
    ///   a ticket without a (known) area, the first command center of that level by code.
    public static func department(for level: EscalationLevel, area: String?, in reference: ReferenceData) -> Department? {
        switch level {
        case .street:
            guard let area, let street = reference.street(of: area) else { return nil }
            return reference.commandCenter(level: .street, for: street.code)
                ?? reference.streetOffice(ofStreet: street.code)
        case .district:
            return reference.commandCenter(level: .district, for: area)
        case .city:
            return reference.commandCenter(level: .city, for: area)
        }
    }
}

/// The escalations that do not come from a clock (DESIGN "Escalation"): many demands on one
/// ticket, a group petition, repeated returns. Each is a small pure test returning the
/// `Escalation` to make, or nil. (The second return is `TicketMachine`'s: it also sends the
/// ticket to triage.)
public enum RepeatEscalation {
    /// A ticket escalates when it gathers this many demands (its own and merged ones).
    public static let repeatedDemands = 3
    /// A petition with at least this many petitioners is a group petition (集体访).
    public static let groupPetitioners = 5
    /// A ticket whose lead returned it this many times goes to triage.
    public static let returnsBeforeTriage = 2

    /// `.repeated` when a merge takes the ticket's report count from `before` to `after` across
    /// `repeatedDemands`: a ticket escalates once, when it reaches 3, not again at 4.
    public static func repeated(reportCountBefore before: Int, after: Int) -> Escalation? {
        before < repeatedDemands && after >= repeatedDemands ? .repeated : nil
    }

    /// `.groupPetition` for a petition signed by at least `groupPetitioners` people.
    public static func groupPetition(petitioners: Int) -> Escalation? {
        petitioners >= groupPetitioners ? .groupPetition : nil
    }

    /// `.groupPetition` when the request is a petition with at least `groupPetitioners` petitioners.
    public static func groupPetition(_ request: RoutingRequest) -> Escalation? {
        guard request.channel == .petition, let petitioners = request.petitioners else { return nil }
        return groupPetition(petitioners: petitioners)
    }
}
