import Testing
import WhistleDomain
import WhistleMessages

/// `PersonalData.maskText`: phone and resident ID numbers in free text (CONTRACT §8).
@Suite struct PersonalDataTests {
    @Test(arguments: [
        ("电话13812345678联系", "电话138****5678联系"),
        ("+86 138 1234 5678", "138****5678"),
        ("+86-13812345678", "138****5678"),
        ("0086 13812345678", "138****5678"),
        ("8613812345678", "138****5678"),
        ("电话：138-1234-5678。", "电话：138****5678。"),
        ("13812345678 13912345678", "138****5678 139****5678"),
        ("13812345678abc", "138****5678abc"),
    ])
    func mobiles(text: String, masked: String) {
        #expect(PersonalData.maskText(text) == masked)
    }

    @Test(arguments: [
        ("010-62345678", "010****5678"),
        ("(0871)6543210", "0871***3210"),
        ("(010) 6234 5678", "010****5678"),
        ("0571-8888 1234", "0571****1234"),
        ("座机 62345678 或 6234567", "座机 ****5678 或 ***4567"),
    ])
    func landlines(text: String, masked: String) {
        #expect(PersonalData.maskText(text) == masked)
    }

    @Test(arguments: [
        ("身份证11010519491231002X号", "身份证110***********002X号"),
        ("ID 110105194912310021", "ID 110***********0021"),
        ("110105 19491231 002x", "110***********002x"),
    ])
    func residentIDs(text: String, masked: String) {
        #expect(PersonalData.maskText(text) == masked)
    }

    @Test(arguments: [
        "工单 W20261121-000123 已转", "网格 G-QS-SQ-03", "金额 12000 元, 2026年11月", "共 3 号楼 2 单元 1501 室",
        "abc13812345678", "", "没有号码的诉求", "12345 热线", "2026-11-21", "2026-11-21T10:00:00+08:00",
        "{\"ack_due\":\"2026-11-21T02:30:00+00:00\"}", "1 2 3 4 5 6 7 8", "2026-11-21 10:00",
    ])
    func keepsWhatIsNoNumber(text: String) {
        #expect(PersonalData.maskText(text) == text)
    }

    @Test func masksEveryNumberOfALongText() {
        let text = String(repeating: "王先生13912345678反映，身份证110105194912310021。", count: 50)
        let masked = PersonalData.maskText(text)
        #expect(!masked.contains("13912345678"))
        #expect(!masked.contains("110105194912310021"))
        #expect(masked.components(separatedBy: "139****5678").count == 51)
    }

    /// Identifiers stay whole wherever JSON data is masked (the read API's timeline, whistlectl).
    @Test func identifiersStayWholeInMaskedJSON() {
        for key in ["id", "ticket_no", "assignment_id", "message_id"] {
            #expect(PersonalData.isIdentifier(key: key), "\(key)")
        }
        for key in ["note", "phone", "idea", "number", ""] {
            #expect(!PersonalData.isIdentifier(key: key), "\(key)")
        }
        let data: JSONValue = ["message_id": "13812345678", "data": ["note": "电话13812345678", "ref_no": "13812345678"]]
        let masked: JSONValue = ["message_id": "13812345678", "data": ["note": "电话138****5678", "ref_no": "13812345678"]]
        #expect(TicketDisclosure.maskStrings(data) == masked)
    }
}
