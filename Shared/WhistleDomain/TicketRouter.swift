import WhistleMessages

/// The facts about a ticket that decide where it goes.
public struct RoutingRequest: Sendable, Hashable {
    public var channel: Channel
    /// The ticket's category (given or classified); nil when classification ended in triage.
    public var category: String?
    /// The ticket's area: its grid (a whistle message: its area, of any level), or nil when the
    /// demand named none.
    public var area: String?
    /// A grid worker's whistle (吹哨), or a whistle message's (channel `whistle`, with `by`).
    public var whistle: Whistle?
    /// `request` or `complaint`, for petitions.
    public var petitionKind: Petition.Kind?
    /// The department a complaint petition is about.
    public var subjectUnit: String?
    /// How many people signed the petition.
    public var petitioners: Int?

    public init(
        channel: Channel, category: String?, area: String?, whistle: Whistle? = nil,
        petitionKind: Petition.Kind? = nil, subjectUnit: String? = nil, petitioners: Int? = nil
    ) {
        self.channel = channel
        self.category = category
        self.area = area
        self.whistle = whistle
        self.petitionKind = petitionKind
        self.subjectUnit = subjectUnit
        self.petitioners = petitioners
    }

    /// The facts of a demand, with the category decided by classification (or given).
    public init(demand: Demand, category: String?) {
        self.init(
            channel: demand.channel, category: category, area: demand.ticketArea, whistle: demand.whistle,
            petitionKind: demand.petition?.kind, subjectUnit: demand.petition?.subjectUnit,
            petitioners: demand.petition?.petitioners)
    }

    /// The unit a complaint must never reach: the subject unit of a `complaint` petition.
    public var shieldedUnit: String? { petitionKind == .complaint ? subjectUnit : nil }
}

/// Where a ticket goes.
public enum RoutingDecision: Sendable, Hashable {
    /// One lead (主办) and the co-departments (协办, no duplicates, never the lead); `rule` says why:
    /// `rule SRHJ-LJQY@S-QS`, `whistle S-FL`, `whistle by XS-ZHZX`, or for a complaint petition
    /// `complaint: the subject unit's supervising department; co from rule XFZX-ZFWT@default`
    /// (never the subject unit's code).
    case assign(lead: String, co: [String], rule: String)
    /// Nothing routes it; the command center must. `reason` is for the timeline.
    case triage(reason: String)
}

/// Decides a ticket's assignments from the reference data (DESIGN "Routing"):
///
/// - A grid whistle: the street office of the ticket's street leads, the named departments are co
///   (category and rules play no part); a whistle whose street office is unavailable → `.triage`.
/// - A whistle message (channel `whistle`): its whistler `by` leads, the named departments are co
///   (category and rules play no part); an unavailable `by` → `.triage`.
/// - Otherwise the rules of the ticket's category, most specific first (grid > community > street
///   > district > default); the first whose lead is available wins.
/// - A complaint petition (kind `complaint` with a subject unit) never reaches its subject unit,
///   whatever the rules say (deploy/seed/routing.yaml): the unit's supervising department leads,
///   else (no parent, or the parent is unavailable) the petition bureau nearest the ticket's
///   area; the lead and co of the category's most specific rule, without the subject unit, are
///   co. The subject unit appears nowhere in the result. Its category may be missing.
/// - Unavailable departments (excluded because they returned the ticket, inactive or unknown)
///   are skipped: an unavailable co is dropped; an unavailable lead moves on to the next rule
///   (for a complaint: from the supervising department to the petition bureau).
/// - An unknown or missing category, no rule, or no rule with an available lead → `.triage`.
public struct TicketRouter: Sendable {
    public let reference: ReferenceData

    public init(reference: ReferenceData) {
        self.reference = reference
    }

    /// The routing of `request`, skipping every department in `excluded`.
    public func route(_ request: RoutingRequest, excluding excluded: Set<String> = []) -> RoutingDecision {
        let shielded = request.shieldedUnit
        func usable(_ code: String) -> Bool {
            code != shielded && !excluded.contains(code) && reference.isAvailable(code)
        }
        if request.channel == .grid, let whistle = request.whistle {
            return routeWhistle(whistle, area: request.area, usable: usable)
        }
        if request.channel == .whistle {
            return routeWhistleMessage(request.whistle, usable: usable)
        }
        if let shielded {
            return routeComplaint(request, subject: shielded, usable: usable)
        }
        guard let category = request.category else { return .triage(reason: "no category") }
        guard reference.categories[category] != nil else { return .triage(reason: "unknown category \(category)") }
        let rules = reference.applicableRules(category: category, areaCode: request.area)
        guard !rules.isEmpty else { return .triage(reason: "no routing rule for \(category)") }
        if let rule = rules.first(where: { usable($0.lead) }) {
            return .assign(lead: rule.lead, co: Self.distinct(rule.co.filter(usable), without: rule.lead), rule: "rule \(rule)")
        }
        let tried = rules.map { "\($0)→\($0.lead)" }.joined(separator: ", ")
        return .triage(
            reason: excluded.isEmpty
                ? "no available lead for \(category) (tried \(tried))"
                : "no available lead for \(category) (tried \(tried); excluded \(excluded.sorted().joined(separator: ",")))")
    }

    /// A complaint petition: the subject unit's supervising department leads, else the petition
    /// bureau nearest the ticket's area; the departments of the category's most specific rule
    /// (its lead, then its co) assist. `usable` already refuses the subject unit, whose code the
    /// result never contains, not even in its text.
    private func routeComplaint(_ request: RoutingRequest, subject: String, usable: (String) -> Bool) -> RoutingDecision {
        var basis: String
        let lead: String
        if let supervisor = reference.departments[subject]?.parent, usable(supervisor) {
            lead = supervisor
            basis = "complaint: the subject unit's supervising department"
        } else if let bureau = reference.petitionBureau(for: request.area)?.code, usable(bureau) {
            lead = bureau
            basis = "complaint: petition bureau"
        } else {
            return .triage(reason: "complaint: neither the subject unit's supervising department nor a petition bureau is available")
        }
        var co: [String] = []
        if let category = request.category, let rule = reference.applicableRules(category: category, areaCode: request.area).first {
            co = Self.distinct(([rule.lead] + rule.co).filter(usable), without: lead)
            basis += "; co from rule \(rule)"
        }
        return .assign(lead: lead, co: co, rule: basis)
    }

    /// A whistle: the whistling street's office leads; the named departments are co.
    private func routeWhistle(_ whistle: Whistle, area: String?, usable: (String) -> Bool) -> RoutingDecision {
        guard let area, let street = reference.street(of: area) else {
            return .triage(reason: "whistle without a street: area \(area ?? "none")")
        }
        guard let office = reference.streetOffice(ofStreet: street.code) else {
            return .triage(reason: "whistle: no street office for \(street.code)")
        }
        guard usable(office.code) else {
            return .triage(reason: "whistle: street office \(office.code) is not available")
        }
        let co = Self.distinct(whistle.departments.filter(usable), without: office.code)
        return .assign(lead: office.code, co: co, rule: "whistle \(street.code)")
    }

    /// A whistle message: its whistler leads; the named departments (usable ones, never the
    /// whistler) are co.
    private func routeWhistleMessage(_ whistle: Whistle?, usable: (String) -> Bool) -> RoutingDecision {
        guard let whistle, let by = whistle.by else { return .triage(reason: "whistle without a whistler") }
        guard usable(by) else { return .triage(reason: "whistle: whistler \(by) is not available") }
        let co = Self.distinct(whistle.departments.filter(usable), without: by)
        return .assign(lead: by, co: co, rule: "whistle by \(by)")
    }

    /// `codes` without repeats (first occurrence kept, order preserved) and without `lead`.
    static func distinct(_ codes: [String], without lead: String) -> [String] {
        var seen: Set<String> = [lead]
        return codes.filter { seen.insert($0).inserted }
    }
}
