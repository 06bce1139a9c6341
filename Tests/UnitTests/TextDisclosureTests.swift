import Testing
import WhistleDomain

/// `TextDisclosure`: who reads a ticket's free text with its phone and ID numbers (CONTRACT §8).
@Suite struct TextDisclosureTests {
    static let text = "井盖缺失，联系13812345678或0871-65123456，身份证530102199001011234"
    static let masked = "井盖缺失，联系138****5678或0871****3456，身份证530***********1234"

    @Test("an ordinary ticket: the lead reads it clear, a co-department, a command center and a person masked")
    func ordinary() {
        let disclosure = TextDisclosure(leadDepartment: "XS-CGJ", confidential: false)
        #expect(disclosure.isClear(toDepartment: "XS-CGJ", kind: .bureau))
        #expect(disclosure.text(Self.text, toDepartment: "XS-CGJ", kind: .bureau) == Self.text)
        #expect(disclosure.text(Self.text, toDepartment: "XS-ZJJ", kind: .bureau) == Self.masked)
        #expect(disclosure.text(Self.text, toDepartment: "XS-ZHZX", kind: .commandCenter) == Self.masked)
        #expect(disclosure.text(Self.text, toDepartment: nil, kind: nil) == Self.masked, "a citizen")
        #expect(!disclosure.isClear(toDepartment: "FL-JDB", kind: .streetOffice))
        #expect(!disclosure.isClear(toDepartment: "FL-HF-SQ", kind: .communityCommittee))
    }

    @Test("a petition bureau reads every text clear, lead or not, confidential or not")
    func petitionBureau() {
        for confidential in [false, true] {
            for lead in ["XS-XFJ", "XS-CGJ", nil] {
                let disclosure = TextDisclosure(leadDepartment: lead, confidential: confidential)
                let text = disclosure.text(Self.text, toDepartment: "XS-XFJ", kind: .petitionBureau)
                #expect(text == Self.text, "\(confidential) \(lead ?? "-")")
            }
        }
        #expect(TextDisclosure.noTicket.isClear(toDepartment: "XS-XFJ", kind: .petitionBureau))
    }

    @Test("a confidential ticket's lead that is no petition bureau reads it masked")
    func confidentialLead() {
        let disclosure = TextDisclosure(leadDepartment: "XS-CGJ", confidential: true)
        #expect(disclosure.text(Self.text, toDepartment: "XS-CGJ", kind: .bureau) == Self.masked)
    }

    @Test("no lead yet, or no ticket: no department but a petition bureau reads it clear; a person never does")
    func noLead() {
        for disclosure in [TextDisclosure(leadDepartment: nil, confidential: false), .noTicket] {
            #expect(!disclosure.isClear(toDepartment: "XS-ZHZX", kind: .commandCenter))
            #expect(!disclosure.isClear(toDepartment: nil, kind: .petitionBureau), "a person is no department")
        }
        let unknownKind = TextDisclosure(leadDepartment: "XS-CGJ", confidential: false)
        #expect(unknownKind.isClear(toDepartment: "XS-CGJ", kind: nil), "the lead, even when the reference data lacks it")
        #expect(!unknownKind.isClear(toDepartment: "xs-cgj", kind: nil), "codes compare exactly")
    }
}
