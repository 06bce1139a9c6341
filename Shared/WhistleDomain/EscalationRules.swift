import WhistleMessages

/// Who takes an escalation at each level of the chain street → district → city (DESIGN
/// "Escalation"). The levels and reasons themselves are `EscalationLevel` and
/// `EscalationReason`; when the clock escalates is `EscalationPlan`.
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

    /// The department for the level a ticket now at `current` (nil: never escalated) reaches for
    /// `reason` (see `EscalationReason.target(from:)`), with that level; nil when the ticket is
    /// already there or higher, or when the reference data has no one at that level.
    public static func next(
        for reason: EscalationReason, from current: EscalationLevel?, area: String?, in reference: ReferenceData
    ) -> (level: EscalationLevel, department: Department)? {
        guard let level = reason.target(from: current),
            let department = department(for: level, area: area, in: reference)
        else { return nil }
        return (level, department)
    }
}

/// The escalations that do not come from a clock (DESIGN "Escalation"): many demands on one
/// ticket, a group petition, repeated returns. Each is a small pure test returning the
/// `EscalationReason` of the `ticket.escalated` event, or nil.
public enum RepeatEscalation {
    /// What to do after the lead returned a ticket.
    public enum ReturnOutcome: Sendable, Hashable {
        /// Route again, excluding every department that returned it.
        case reroute
        /// Stop routing: triage for the command center, and escalate for `reason`.
        case triage(reason: EscalationReason)
    }

    /// A ticket escalates when it gathers this many demands (its own and merged ones).
    public static let repeatedDemands = 3
    /// A petition with at least this many petitioners is a group petition (集体访).
    public static let groupPetitioners = 5
    /// A ticket whose lead returned it this many times goes to triage.
    public static let returnsBeforeTriage = 2

    /// `.repeated` when a merge takes the ticket's report count from `before` to `after` across
    /// `repeatedDemands`: a ticket escalates once, when it reaches 3, not again at 4.
    public static func repeated(reportCountBefore before: Int, after: Int) -> EscalationReason? {
        before < repeatedDemands && after >= repeatedDemands ? .repeated : nil
    }

    /// `.groupPetition` for a petition signed by at least `groupPetitioners` people.
    public static func groupPetition(petitioners: Int) -> EscalationReason? {
        petitioners >= groupPetitioners ? .groupPetition : nil
    }

    /// `.groupPetition` when the request is a petition with at least `groupPetitioners` petitioners.
    public static func groupPetition(_ request: RoutingRequest) -> EscalationReason? {
        guard request.channel == .petition, let petitioners = request.petitioners else { return nil }
        return groupPetition(petitioners: petitioners)
    }

    /// After a return, with `returnCount` the ticket's returns including this one: the first is
    /// re-routed; the second (or later) goes to triage and escalates `.returned`.
    public static func afterReturn(returnCount: Int) -> ReturnOutcome {
        returnCount >= returnsBeforeTriage ? .triage(reason: .returned) : .reroute
    }
}
