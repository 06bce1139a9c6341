import Testing
import WhistleDomain

/// The scope rules of CONTRACT §8 (`AccessPolicy`, `TicketScope`) over the small town of
/// `RoutingTown`: who sees which ticket.
@Suite struct AccessPolicyTests {
    static func policy(_ department: String, role: Principal.Role = .department) -> AccessPolicy {
        AccessPolicy(principal: Principal(subject: department, department: department, role: role), reference: RoutingTown.reference)
    }

    static let ordinary = TicketFacts(
        area: "G-QS-SQ-01", isPetition: false, isComplaint: false, subjectUnit: nil, assignedDepartments: ["XS-CGJ", "QS-JDB"])
    static let otherStreet = TicketFacts(
        area: "G-FL-HF-01", isPetition: false, isComplaint: false, subjectUnit: nil, assignedDepartments: ["XS-SWJ"])
    static let request = TicketFacts(
        area: "G-QS-SQ-02", isPetition: true, isComplaint: false, subjectUnit: nil, assignedDepartments: ["XS-ZJJ"])
    /// A complaint against the district's 城管, dispatched to its supervisor, the city's 城管.
    static let complaint = TicketFacts(
        area: "G-QS-SQ-01", isPetition: true, isComplaint: true, subjectUnit: "XS-CGJ", assignedDepartments: ["YC-CGJ"])
    /// A complaint against a street office, dispatched to the district command center.
    static let streetComplaint = TicketFacts(
        area: "G-QS-LX-01", isPetition: true, isComplaint: true, subjectUnit: "QS-JDB", assignedDepartments: ["XS-ZHZX"])
    static let unplaced = TicketFacts(area: nil, isPetition: false, isComplaint: false, subjectUnit: nil, assignedDepartments: ["XS-GA"])

    @Test func bureausSeeTheirAssignmentsOnly() {
        let cgj = Self.policy("XS-CGJ").tickets
        #expect(cgj.contains(Self.ordinary))
        #expect(!cgj.contains(Self.otherStreet))
        #expect(!cgj.contains(Self.request))
        let community = Self.policy("QS-SQ-JWH").tickets
        #expect(!community.contains(Self.ordinary), "a community committee without an assignment sees nothing of its grid")
        #expect(Self.policy("QS-JDB").tickets.contains(Self.ordinary))
        #expect(!Self.policy("FL-JDB").tickets.contains(Self.ordinary))
    }

    @Test func commandCentersSeeTheirArea() {
        let street = Self.policy("QS-ZHZX").tickets
        #expect(street.contains(Self.ordinary) && street.contains(Self.request))
        #expect(!street.contains(Self.otherStreet))
        #expect(!street.contains(Self.unplaced), "a street command center does not see tickets without an area")
        let district = Self.policy("XS-ZHZX").tickets
        #expect(district.contains(Self.otherStreet) && district.contains(Self.unplaced))
        #expect(Self.policy("YC-ZHZX").tickets.contains(Self.otherStreet))
    }

    @Test func petitionBureausSeePetitionsOfTheirSubtree() {
        let bureau = Self.policy("XS-XFJ").tickets
        #expect(bureau.contains(Self.request) && bureau.contains(Self.complaint) && bureau.contains(Self.streetComplaint))
        #expect(!bureau.contains(Self.ordinary), "an ordinary ticket is no petition")
        #expect(Self.policy("YC-XFJ").tickets.contains(Self.complaint))
    }

    @Test func aComplaintIsHiddenFromItsSubjectAndItsChainAndItsArea() {
        #expect(
            !Self.policy("XS-CGJ").tickets.contains(
                TicketFacts(area: "G-QS-SQ-01", isPetition: true, isComplaint: true, subjectUnit: "XS-CGJ", assignedDepartments: ["XS-CGJ"])
            ),
            "even an assignment does not show a complaint to its subject")
        #expect(Self.policy("YC-CGJ").tickets.contains(Self.complaint), "the supervisor it was dispatched to sees it")
        #expect(!Self.policy("XS-ZHZX").tickets.contains(Self.complaint), "a command center of the unit's own area does not")
        #expect(!Self.policy("QS-ZHZX").tickets.contains(Self.streetComplaint), "the street office supervises its command center")
        #expect(
            !Self.policy("QS-SQ-JWH").tickets.contains(
                TicketFacts(
                    area: "G-QS-LX-01", isPetition: true, isComplaint: true, subjectUnit: "QS-JDB", assignedDepartments: ["QS-SQ-JWH"])),
            "nor its communities, assigned or not")
        #expect(Self.policy("XS-ZHZX").tickets.contains(Self.streetComplaint), "the district command center handles the street's")
        #expect(Self.policy("XS-XFJ").tickets.contains(Self.complaint), "petition bureaus must handle every complaint")
    }

    @Test func auditorsAndUnknownDepartmentsSeeNoTicket() {
        let auditor = Self.policy("audit-1", role: .auditor)
        #expect(auditor.tickets == .none && auditor.readsAccessLog && auditor.accessLogAreas == nil)
        let unknown = Self.policy("XS-NONE")
        #expect(unknown.tickets == .none && unknown.department == nil && !unknown.readsAccessLog)
        #expect(Self.policy("XS-OLD").tickets == .none, "an inactive department reads nothing")
        for ticket in [Self.ordinary, Self.request, Self.complaint, Self.unplaced] {
            #expect(!TicketScope.none.contains(ticket))
        }
    }

    @Test func accessRecordsAreForAuditorsAndPetitionBureaus() {
        #expect(Self.policy("XS-XFJ").accessLogAreas?.contains("G-QS-SQ-01") == true)
        #expect(Self.policy("XS-XFJ").accessLogAreas?.contains("C-YC") == false)
        #expect(!Self.policy("XS-ZHZX").readsAccessLog && !Self.policy("XS-CGJ").readsAccessLog)
    }

    @Test func subtrees() {
        #expect(RoutingTown.reference.subtree(of: "S-QS") == ["G-QS-LX-01", "G-QS-SQ-01", "G-QS-SQ-02", "M-QS-LX", "M-QS-SQ", "S-QS"])
        #expect(RoutingTown.reference.subtree(of: "C-YC").count == RoutingTown.areas.count)
    }
}
