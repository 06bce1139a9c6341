import Testing
import WhistleDomain
import WhistleMessages

/// What of a ticket each principal reads (`TicketDisclosure`, CONTRACT §8).
@Suite struct TicketDisclosureTests {
    static let phone = "13812345678"
    static let idNumber = "11010519491231002X"

    static func ticket(confidential: Bool, lead: String = "XS-CGJ") -> JSONValue {
        [
            "ticket_no": "W20261121-000001", "status": "dispatched", "channel": confidential ? "petition" : "12345",
            "category": "city.roads", "urgency": "normal", "area": "G-QS-SQ-01", "lead_department": .string(lead),
            "title": .string("井盖丢失 电话\(phone)"), "content": .string("王先生 \(phone) 身份证 \(idNumber) 反映井盖丢失"),
            "location": ["address": "石桥路 1 号 电话 010-62345678", "lat": 25.02, "lon": 102.69], "confidential": .bool(confidential),
            "assignments": [
                ["assignment_id": "0b0d7a40-1111-2222-3333-444455556666", "department": .string(lead), "role": "lead"],
                ["assignment_id": "0b0d7a40-1111-2222-3333-444455557777", "department": "QS-JDB", "role": "co"],
            ],
            "demands": [
                ["channel": "12345", "external_id": "C-1", "reporter": ["name": "王小明", "phone": .string(phone), "anonymous": false]]
            ],
            "timeline": [
                [
                    "type": "assignment.completed",
                    "data": ["assignment_id": "0b0d7a40-1111-2222-3333-444455556666", "result": .string("已联系 \(phone)")],
                ],
                ["type": "ticket.linked", "data": ["petition_ticket": "W20261121-000002"]],
            ],
        ]
    }

    static func policy(_ code: String) -> AccessPolicy { AccessPolicyTests.policy(code) }

    static func text(_ value: JSONValue) -> String { value.description }

    @Test func theLeadReadsEverythingButPetitionLinks() {
        let (view, disclosure) = TicketDisclosure.view(Self.ticket(confidential: false), for: Self.policy("XS-CGJ"))
        #expect(Self.text(view).contains(Self.phone) && Self.text(view).contains(Self.idNumber))
        #expect(view["demands"]?[0]?["reporter"]?["name"] == "王小明")
        #expect(disclosure == TicketDisclosure(confidential: false, reporterInClear: true))
        #expect(view["timeline"]?.arrayValue?.count == 1, "the link to a petition is for petition bureaus only")
    }

    @Test func othersReadFreeTextAndReportersMasked() {
        for code in ["QS-JDB", "XS-ZHZX", "YC-ZHZX"] {
            let (view, disclosure) = TicketDisclosure.view(Self.ticket(confidential: false), for: Self.policy(code))
            let text = Self.text(view)
            #expect(!text.contains(Self.phone) && !text.contains(Self.idNumber) && !text.contains("62345678"), "\(code)")
            #expect(view["demands"]?[0]?["reporter"] == ["name": "王**", "phone": "138****5678"])
            #expect(view["timeline"]?[0]?["data"]?["assignment_id"] == "0b0d7a40-1111-2222-3333-444455556666", "identifiers stay whole")
            #expect(view["content"]?.stringValue?.contains("反映井盖丢失") == true)
            #expect(disclosure == TicketDisclosure(confidential: false, reporterInClear: false))
        }
    }

    @Test func petitionBureausReadFreeTextButNotOrdinaryReporters() {
        let (view, disclosure) = TicketDisclosure.view(Self.ticket(confidential: false), for: Self.policy("XS-XFJ"))
        #expect(view["content"]?.stringValue?.contains(Self.phone) == true)
        #expect(view["demands"]?[0]?["reporter"]?["phone"] == "138****5678")
        #expect(view["timeline"]?.arrayValue?.count == 2)
        #expect(!disclosure.reporterInClear)
    }

    @Test func aConfidentialTicketShowsOthersOnlyItsFrame() {
        for code in ["XS-CGJ", "QS-JDB", "XS-ZHZX"] {
            let (view, disclosure) = TicketDisclosure.view(Self.ticket(confidential: true), for: Self.policy(code))
            let text = Self.text(view)
            #expect(!text.contains("井盖") && !text.contains("石桥路") && !text.contains("王") && !text.contains("25.02"), "\(code): \(text)")
            #expect(view["status"] == "dispatched" && view["category"] == "city.roads" && view["location"] == nil)
            #expect(view["assignments"]?.arrayValue?.allSatisfy { $0["department"]?.stringValue == code } == true)
            #expect(view["timeline"] == [] && view["demands"] == [] && view["lead_department"] == .null)
            #expect(disclosure == TicketDisclosure(confidential: true, reporterInClear: false))
        }
    }

    @Test func petitionBureausReadPetitionsWhole() {
        let (view, disclosure) = TicketDisclosure.view(Self.ticket(confidential: true), for: Self.policy("XS-XFJ"))
        #expect(view["demands"]?[0]?["reporter"]?["name"] == "王小明")
        #expect(view["content"]?.stringValue?.contains(Self.idNumber) == true)
        #expect(disclosure == TicketDisclosure(confidential: true, reporterInClear: true))
    }

    @Test func listItems() {
        let item: JSONValue = [
            "ticket_no": "W20261121-000003", "status": "dispatched", "channel": "petition", "category": "x", "urgency": "normal",
            "area": "G-QS-SQ-01", "lead_department": "XS-ZJJ", "title": "拆迁补偿 13912345678", "confidential": true,
            "opened_at": "2026-11-21T09:00:00+08:00",
        ]
        let (hidden, _) = TicketDisclosure.listItem(item, for: Self.policy("XS-ZJJ"))
        #expect(hidden["title"] == .null && hidden["area"] == .null && hidden["opened_at"] != nil)
        let (whole, disclosure) = TicketDisclosure.listItem(item, for: Self.policy("XS-XFJ"))
        #expect(whole == item && disclosure.confidential)
        var ordinary = item.objectValue!
        ordinary["confidential"] = false
        let (masked, _) = TicketDisclosure.listItem(.object(ordinary), for: Self.policy("XS-ZHZX"))
        #expect(masked["title"] == "拆迁补偿 139****5678")
        let (clear, _) = TicketDisclosure.listItem(.object(ordinary), for: Self.policy("XS-ZJJ"))
        #expect(clear["title"] == "拆迁补偿 13912345678")
    }
}
