import WhistleMessages

/// Who an escalation goes to, and who answers for it, where the level alone says nothing: a
/// group petition without a place, and an escalation before any lead was dispatched.
extension EscalationTarget {
    /// The department that takes `escalation` of a ticket in `area`: the level's target
    /// (`department(for:area:in:)`); for a group petition (集体访) whose area lies in no street —
    /// a petition without a place — the district's petition bureau (`districtPetitionBureau`),
    /// never nobody.
    public static func department(for escalation: Escalation, area: String?, in reference: ReferenceData) -> Department? {
        if let target = department(for: escalation.level, area: area, in: reference) { return target }
        guard escalation.reason == .groupPetition else { return nil }
        return districtPetitionBureau(area: area, in: reference)
    }

    /// "The district's petition bureau" of a ticket in `area`: the active district-level petition
    /// bureau nearest up the tree from the area; without a (known) area, the deployment's
    /// district-level one (the first by code); when there is no district-level one, the top one
    /// (the highest level, the first by code). Nil only when there is no active petition bureau.
    public static func districtPetitionBureau(area: String?, in reference: ReferenceData) -> Department? {
        let known = area.map { !reference.areaChain(from: $0).isEmpty } ?? false
        return reference.nearest(.petitionBureau, level: .district, from: known ? area : nil)
            ?? top(.petitionBureau, in: reference)
    }

    /// The command center that holds the triage of a ticket in `area` (it must route it): the
    /// command center nearest up the tree from the area; without a (known) area, or with none
    /// on its chain, the top one (the highest level, the first by code).
    public static func triageHolder(area: String?, in reference: ReferenceData) -> Department? {
        let known = area.map { !reference.areaChain(from: $0).isEmpty } ?? false
        return (known ? reference.commandCenter(for: area) : nil) ?? top(.commandCenter, in: reference)
    }

    /// Who answers for an escalation of a ticket that has no lead yet (`ticket.escalated`
    /// `held_by`): the command center holding its triage. Nil once a lead was dispatched — the
    /// escalation then counts against the lead.
    public static func heldBy(leadDepartment: String?, area: String?, in reference: ReferenceData) -> String? {
        guard leadDepartment == nil else { return nil }
        return triageHolder(area: area, in: reference)?.code
    }

    /// The active department of `kind` at the highest level, the first by code among equals.
    private static func top(_ kind: Department.Kind, in reference: ReferenceData) -> Department? {
        reference.departments.values.filter { $0.kind == kind && $0.active }.min { first, second in
            let (a, b) = (first.level.areaLevel.rank, second.level.areaLevel.rank)
            return a != b ? a > b : first.code < second.code
        }
    }
}
