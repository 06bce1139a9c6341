import Foundation
import Testing
import WhistleMessages

@testable import WhistleDomain

// MARK: - Fixtures

private let reference = ReferenceCodes(
    categories: ["municipal.streetlight", "environment.noise", "sanitation"],
    grids: ["G-XC-001", "G-XC-002"],
    departments: ["D-TRANSPORT", "D-ENV", "D-HOUSING", "D-URBAN", "S-SHICHAHAI"],
    streetOffices: ["S-SHICHAHAI"])

private let now = RFC3339.parse("2026-11-21T12:00:00+08:00") ?? Date()
private let validator = DemandValidator(reference: reference)

private func date(_ text: String) -> Date { RFC3339.parse(text) ?? Date.distantPast }

private func validate(_ channel: Channel, _ body: JSONValue) -> DemandValidation {
    validator.validate(channel: channel, body: body.jsonBytes, now: now)
}

private func validate(_ channel: Channel, raw: String) -> DemandValidation {
    validator.validate(channel: channel, body: Array(raw.utf8), now: now)
}

/// What a test asserts about one error: its path and code (messages are for people).
private struct ErrorKey: Hashable, Sendable, CustomStringConvertible {
    let field: String?
    let code: ErrorCode
    init(_ field: String?, _ code: ErrorCode) {
        self.field = field
        self.code = code
    }
    var description: String { "\(field ?? "nil"): \(code)" }
}

private func keys(_ errors: [FieldError]) -> [ErrorKey] { errors.map { ErrorKey($0.field, $0.code) } }

private func keys(_ outcome: DemandValidation) -> [ErrorKey] { keys(outcome.errors) }

/// The smallest valid demand of each channel.
private func base(_ channel: Channel) -> JSONValue {
    let common: JSONValue = [
        "external_id": "EXT-1", "submitted_at": "2026-11-21T09:30:00+08:00", "content": "楼道堆放杂物",
    ]
    switch channel {
    case .hotline: return common.setting("line", to: "12319")
    case .twelve345: return common
    case .grid: return common.setting("reporter.id", to: "GW-07").setting("location.grid", to: "G-XC-001")
    case .petition: return common.setting("form", to: "letter").setting("kind", to: "request")
    case .whistle: return common  // not a demand channel: WhistleValidatorTests
    }
}

private func text(_ count: Int, _ character: String = "字") -> JSONValue { .string(String(repeating: character, count: count)) }

private extension JSONValue {
    enum PathSegment {
        case key(String)
        case index(Int)
    }

    /// A copy with the value at a path such as `location.lat` or `attachments[1].url` replaced,
    /// created (with intermediate objects and arrays), or removed when `newValue` is nil.
    func setting(_ path: String, to newValue: JSONValue?) -> JSONValue {
        var segments: [PathSegment] = []
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var indices: [Int] = []
            while let open = name.lastIndex(of: "["), let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indices.insert(index, at: 0)
                name = name[..<open]
            }
            segments.append(.key(String(name)))
            segments += indices.map(PathSegment.index)
        }
        return setting(segments[...], to: newValue)
    }

    private func setting(_ segments: ArraySlice<PathSegment>, to newValue: JSONValue?) -> JSONValue {
        guard let first = segments.first else { return newValue ?? .null }
        let rest = segments.dropFirst()
        switch first {
        case .key(let key):
            var members = objectValue ?? [:]
            members[key] = rest.isEmpty ? newValue : (members[key] ?? .null).setting(rest, to: newValue)
            return .object(members)
        case .index(let index):
            var elements = arrayValue ?? []
            while elements.count <= index { elements.append(.null) }
            if rest.isEmpty, newValue == nil {
                elements.remove(at: index)
            } else {
                elements[index] = rest.isEmpty ? newValue ?? .null : elements[index].setting(rest, to: newValue)
            }
            return .array(elements)
        }
    }
}

/// One rule broken on an otherwise valid demand, and the exact errors expected.
private struct RuleCase: Sendable, CustomTestStringConvertible {
    let name: String
    let channel: Channel
    let edits: [(String, JSONValue?)]
    let expected: [ErrorKey]

    init(_ name: String, _ channel: Channel, _ edits: [(String, JSONValue?)], _ field: String, _ code: ErrorCode) {
        self.name = name
        self.channel = channel
        self.edits = edits
        self.expected = [ErrorKey(field, code)]
    }

    /// A case on the 12345 channel.
    init(_ name: String, _ edits: [(String, JSONValue?)], _ field: String, _ code: ErrorCode) {
        self.init(name, .twelve345, edits, field, code)
    }

    var testDescription: String { name }

    var body: JSONValue { edits.reduce(base(channel)) { $0.setting($1.0, to: $1.1) } }
}

private let anAttachment: JSONValue = ["url": "https://files.example.cn/a.jpg", "kind": "image"]

private let ruleCases: [RuleCase] = [
    // external_id
    RuleCase("external_id missing", [("external_id", nil)], "external_id", .required),
    RuleCase("external_id null", [("external_id", .null)], "external_id", .required),
    RuleCase("external_id blank", [("external_id", " \t ")], "external_id", .required),
    RuleCase("external_id 129 characters", [("external_id", text(129, "a"))], "external_id", .tooLong),
    RuleCase("external_id a number", [("external_id", 42)], "external_id", .invalidType),
    RuleCase("external_id with a bell", [("external_id", "A\u{7}1")], "external_id", .invalidValue),
    // submitted_at
    RuleCase("submitted_at missing", [("submitted_at", nil)], "submitted_at", .required),
    RuleCase("submitted_at without offset", [("submitted_at", "2026-11-21T09:30:00")], "submitted_at", .invalidFormat),
    RuleCase("submitted_at a date only", [("submitted_at", "2026-11-21")], "submitted_at", .invalidFormat),
    RuleCase("submitted_at February 30th", [("submitted_at", "2026-02-30T09:30:00+08:00")], "submitted_at", .invalidFormat),
    RuleCase("submitted_at in 1999", [("submitted_at", "1999-12-31T23:59:59+08:00")], "submitted_at", .outOfRange),
    RuleCase("submitted_at a day and a second ahead", [("submitted_at", "2026-11-22T12:00:01+08:00")], "submitted_at", .outOfRange),
    RuleCase("submitted_at epoch seconds", [("submitted_at", 1_795_000_000)], "submitted_at", .invalidType),
    // content
    RuleCase("content missing", [("content", nil)], "content", .required),
    RuleCase("content blank", [("content", " \n\t\u{3000} ")], "content", .required),
    RuleCase("content 4001 characters", [("content", text(4001))], "content", .tooLong),
    RuleCase("content with NUL", [("content", "a\u{0}b")], "content", .invalidValue),
    RuleCase("content with DEL", [("content", "a\u{7F}b")], "content", .invalidValue),
    RuleCase("content with ESC", [("content", "a\u{1B}b")], "content", .invalidValue),
    RuleCase("content an array", [("content", ["a"])], "content", .invalidType),
    // title, category, urgency
    RuleCase("title 201 characters", [("title", text(201))], "title", .tooLong),
    RuleCase("title a number", [("title", 5)], "title", .invalidType),
    RuleCase("category unknown", [("category", "roads")], "category", .unknownCode),
    RuleCase("category an object", [("category", [:])], "category", .invalidType),
    RuleCase("urgency upper case", [("urgency", "URGENT")], "urgency", .invalidValue),
    RuleCase("urgency high", [("urgency", "high")], "urgency", .invalidValue),
    RuleCase("urgency a boolean", [("urgency", true)], "urgency", .invalidType),
    // location
    RuleCase("location a string", [("location", "西城区")], "location", .invalidType),
    RuleCase("location.address 501 characters", [("location.address", text(501))], "location.address", .tooLong),
    RuleCase("location.lat above 90", [("location.lat", 90.0001), ("location.lon", 116.4)], "location.lat", .outOfRange),
    RuleCase("location.lat below -90", [("location.lat", -91), ("location.lon", 116.4)], "location.lat", .outOfRange),
    RuleCase("location.lon above 180", [("location.lat", 39.9), ("location.lon", 180.5)], "location.lon", .outOfRange),
    RuleCase("location.lon below -180", [("location.lat", 39.9), ("location.lon", -181)], "location.lon", .outOfRange),
    RuleCase("location.lon a string", [("location.lat", 39.9), ("location.lon", "116.4")], "location.lon", .invalidType),
    RuleCase("location.lat without lon", [("location.lat", 39.9)], "location.lon", .required),
    RuleCase("location.lon without lat", [("location.lon", 116.4)], "location.lat", .required),
    RuleCase("location.grid unknown", [("location.grid", "G-XC-999")], "location.grid", .unknownCode),
    // reporter
    RuleCase("reporter an array", [("reporter", [])], "reporter", .invalidType),
    RuleCase("reporter.name 101 characters", [("reporter.name", text(101))], "reporter.name", .tooLong),
    RuleCase("reporter.phone with spaces", [("reporter.phone", "138 0013 8000")], "reporter.phone", .invalidFormat),
    RuleCase("reporter.phone with letters", [("reporter.phone", "1380013800x")], "reporter.phone", .invalidFormat),
    RuleCase("reporter.phone 21 characters", [("reporter.phone", text(21, "1"))], "reporter.phone", .tooLong),
    RuleCase("reporter.phone a number", [("reporter.phone", 13_800_138_000)], "reporter.phone", .invalidType),
    RuleCase("reporter.anonymous a string", [("reporter.anonymous", "yes")], "reporter.anonymous", .invalidType),
    RuleCase("reporter.id 129 characters", [("reporter.id", text(129, "g"))], "reporter.id", .tooLong),
    // attachments
    RuleCase("attachments an object", [("attachments", anAttachment)], "attachments", .invalidType),
    RuleCase("eleven attachments", [("attachments", .array(Array(repeating: anAttachment, count: 11)))], "attachments", .tooMany),
    RuleCase("attachment a string", [("attachments", [anAttachment, "https://a.example/b.jpg"])], "attachments[1]", .invalidType),
    RuleCase("attachment null", [("attachments", [.null])], "attachments[0]", .invalidType),
    RuleCase(
        "attachment ftp URL",
        [("attachments", [anAttachment, anAttachment, anAttachment.setting("url", to: "ftp://files.example.cn/a.jpg")])],
        "attachments[2].url", .invalidFormat),
    RuleCase(
        "attachment relative URL", [("attachments", [anAttachment.setting("url", to: "/uploads/a.jpg")])], "attachments[0].url",
        .invalidFormat),
    RuleCase(
        "attachment URL with a space", [("attachments", [anAttachment.setting("url", to: "https://a.example/a b.jpg")])],
        "attachments[0].url", .invalidFormat),
    RuleCase(
        "attachment URL without host", [("attachments", [anAttachment.setting("url", to: "https:///a.jpg")])], "attachments[0].url",
        .invalidFormat),
    RuleCase(
        "attachment javascript URL", [("attachments", [anAttachment.setting("url", to: "javascript:alert(1)")])], "attachments[0].url",
        .invalidFormat),
    RuleCase(
        "attachment URL 2049 characters",
        [("attachments", [anAttachment.setting("url", to: .string("https://a.example/" + String(repeating: "x", count: 2031)))])],
        "attachments[0].url", .tooLong),
    RuleCase("attachment without url", [("attachments", [anAttachment.setting("url", to: nil)])], "attachments[0].url", .required),
    RuleCase("attachment kind pdf", [("attachments", [anAttachment.setting("kind", to: "pdf")])], "attachments[0].kind", .invalidValue),
    RuleCase("attachment without kind", [("attachments", [anAttachment.setting("kind", to: nil)])], "attachments[0].kind", .required),
    // whistle outside the grid channel
    RuleCase("whistle on 12345", [("whistle", ["departments": ["D-ENV"]])], "whistle", .notAllowed),
    RuleCase("whistle on hotline", .hotline, [("whistle", ["departments": ["D-ENV"]])], "whistle", .notAllowed),
    RuleCase("whistle on petition", .petition, [("whistle", ["departments": ["D-ENV"]])], "whistle", .notAllowed),
    // hotline
    RuleCase("line missing", .hotline, [("line", nil)], "line", .required),
    RuleCase("line blank", .hotline, [("line", "")], "line", .required),
    RuleCase("line with letters", .hotline, [("line", "12319a")], "line", .invalidFormat),
    RuleCase("line 21 digits", .hotline, [("line", text(21, "1"))], "line", .tooLong),
    RuleCase("line a number", .hotline, [("line", 12319)], "line", .invalidType),
    // 12345
    RuleCase("callback_requested a string", [("callback_requested", "true")], "callback_requested", .invalidType),
    // grid
    RuleCase("grid without reporter", .grid, [("reporter", nil)], "reporter.id", .required),
    RuleCase("grid without reporter.id", .grid, [("reporter.id", nil), ("reporter.name", "李四")], "reporter.id", .required),
    RuleCase("grid with blank reporter.id", .grid, [("reporter.id", "  ")], "reporter.id", .required),
    RuleCase("grid without location", .grid, [("location", nil)], "location.grid", .required),
    RuleCase("grid without location.grid", .grid, [("location.grid", nil), ("location.address", "什刹海")], "location.grid", .required),
    RuleCase("grid with unknown grid", .grid, [("location.grid", "G-NOPE")], "location.grid", .unknownCode),
    RuleCase("whistle a string", .grid, [("whistle", "D-ENV")], "whistle", .invalidType),
    RuleCase("whistle without departments", .grid, [("whistle", ["reason": "x"])], "whistle.departments", .required),
    RuleCase("whistle with no departments", .grid, [("whistle.departments", [])], "whistle.departments", .tooShort),
    RuleCase("whistle.departments a string", .grid, [("whistle.departments", "D-ENV")], "whistle.departments", .invalidType),
    RuleCase(
        "whistle with an unknown department", .grid, [("whistle.departments", ["D-ENV", "D-NOPE"])], "whistle.departments[1]", .unknownCode),
    RuleCase(
        "whistle naming a department twice", .grid, [("whistle.departments", ["D-ENV", "D-URBAN", "D-ENV"])],
        "whistle.departments[2]", .invalidValue),
    RuleCase("whistle department a number", .grid, [("whistle.departments", [7])], "whistle.departments[0]", .invalidType),
    RuleCase(
        "whistle.reason 501 characters", .grid, [("whistle.departments", ["D-ENV"]), ("whistle.reason", text(501))],
        "whistle.reason", .tooLong),
    // petition
    RuleCase("form missing", .petition, [("form", nil)], "form", .required),
    RuleCase("form email", .petition, [("form", "email")], "form", .invalidValue),
    RuleCase("kind missing", .petition, [("kind", nil)], "kind", .required),
    RuleCase("kind tip", .petition, [("kind", "tip")], "kind", .invalidValue),
    RuleCase("petitioners zero", .petition, [("petitioners", 0)], "petitioners", .outOfRange),
    RuleCase("petitioners negative", .petition, [("petitioners", -3)], "petitioners", .outOfRange),
    RuleCase("petitioners 100001", .petition, [("petitioners", 100_001)], "petitioners", .outOfRange),
    RuleCase("petitioners 1e20", .petition, [("petitioners", 1e20)], "petitioners", .outOfRange),
    RuleCase("petitioners a fraction", .petition, [("petitioners", 1.5)], "petitioners", .invalidType),
    RuleCase("petitioners a string", .petition, [("petitioners", "3")], "petitioners", .invalidType),
    RuleCase("complaint without subject_unit", .petition, [("kind", "complaint")], "subject_unit", .required),
    RuleCase("subject_unit unknown", .petition, [("subject_unit", "D-NOPE")], "subject_unit", .unknownCode),
]

// MARK: - Demands

@Suite("Demand validation")
struct ValidationTests {
    @Test("every channel's minimal demand is valid", arguments: Channel.demandChannels)
    func minimal(channel: Channel) {
        #expect(keys(validate(channel, base(channel))) == [])
        #expect(validate(channel, base(channel)).demand?.channel == channel)
    }

    @Test("hotline: a full demand is trimmed and normalised; unknown fields and a null whistle are ignored")
    func hotline() {
        let body: JSONValue = [
            "external_id": "  HL-2026-0001 ", "submitted_at": "2026-11-21T09:30:00+08:00",
            "content": "  小区门口路灯不亮\n已经三天了\t ", "title": "\u{3000}路灯不亮 ", "category": "municipal.streetlight",
            "urgency": "urgent",
            "location": ["address": " 西城区什刹海街道 1 号 ", "lat": 39.94, "lon": 116.38, "grid": "G-XC-001"],
            "reporter": ["name": "张三", "phone": "+86-138-0013-8000", "anonymous": false, "id": ""],
            "attachments": [
                ["url": "https://files.example.cn/a.jpg", "kind": "image"],
                ["url": "HTTP://files.example.cn:8080/b.mp3?x=1#t", "kind": "audio"],
            ],
            "line": " 12319 ", "unknown": ["nested": [1, 2]], "whistle": .null, "form": "bogus",
        ]
        let expected = Demand(
            channel: .hotline, externalId: "HL-2026-0001", submittedAt: date("2026-11-21T01:30:00Z"),
            content: "小区门口路灯不亮\n已经三天了", title: "路灯不亮", category: "municipal.streetlight", urgency: .urgent,
            location: Location(address: "西城区什刹海街道 1 号", lat: 39.94, lon: 116.38, grid: "G-XC-001"),
            reporter: Reporter(name: "张三", phone: "+86-138-0013-8000", anonymous: false, id: nil),
            attachments: [
                Attachment(url: "https://files.example.cn/a.jpg", kind: .image),
                Attachment(url: "HTTP://files.example.cn:8080/b.mp3?x=1#t", kind: .audio),
            ],
            line: "12319")
        #expect(validate(.hotline, body) == .valid(expected))
    }

    @Test("12345: defaults apply and blank or empty optionals become nil")
    func twelve345() {
        let body = base(.twelve345).setting("callback_requested", to: true).setting("reporter", to: ["anonymous": true])
            .setting("title", to: "  ").setting("category", to: "").setting("location", to: [:]).setting("attachments", to: [])
        let expected = Demand(
            channel: .twelve345, externalId: "EXT-1", submittedAt: date("2026-11-21T09:30:00+08:00"), content: "楼道堆放杂物",
            urgency: .normal, reporter: Reporter(anonymous: true), callbackRequested: true)
        #expect(validate(.twelve345, body) == .valid(expected))
        let plain = validate(.twelve345, base(.twelve345).setting("reporter", to: ["name": " "]))
        #expect(plain.demand?.reporter == nil)
        #expect(plain.demand?.location == nil)
        #expect(plain.demand?.callbackRequested == nil)
    }

    @Test("grid: the grid worker, the grid and a whistle")
    func grid() {
        let body = base(.grid).setting("reporter.id", to: " GW-07 ").setting("reporter.phone", to: "13800138000")
            .setting("location.lat", to: 0).setting("location.lon", to: -180).setting("location.grid", to: "G-XC-002")
            .setting("whistle", to: ["departments": ["D-TRANSPORT", "D-ENV"], "reason": " 占道经营 "])
        let expected = Demand(
            channel: .grid, externalId: "EXT-1", submittedAt: date("2026-11-21T09:30:00+08:00"), content: "楼道堆放杂物",
            location: Location(lat: 0, lon: -180, grid: "G-XC-002"), reporter: Reporter(phone: "13800138000", id: "GW-07"),
            whistle: Whistle(departments: ["D-TRANSPORT", "D-ENV"], reason: "占道经营"))
        #expect(validate(.grid, body) == .valid(expected))
        #expect(validate(.grid, base(.grid)).demand?.whistle == nil)
    }

    @Test("petition: a complaint and a request with the default petitioner count")
    func petition() {
        let complaint = base(.petition).setting("form", to: "visit").setting("kind", to: "complaint")
            .setting("petitioners", to: 6).setting("subject_unit", to: " D-HOUSING ").setting("reporter.name", to: "王五")
        let expected = Demand(
            channel: .petition, externalId: "EXT-1", submittedAt: date("2026-11-21T09:30:00+08:00"), content: "楼道堆放杂物",
            reporter: Reporter(name: "王五"), petition: Petition(form: .visit, kind: .complaint, petitioners: 6, subjectUnit: "D-HOUSING"))
        #expect(validate(.petition, complaint) == .valid(expected))
        #expect(validate(.petition, base(.petition)).demand?.petition == Petition(form: .letter, kind: .request, petitioners: 1))
        #expect(validate(.petition, base(.petition).setting("petitioners", to: 2.0)).demand?.petition?.petitioners == 2)
        #expect(validate(.petition, base(.petition).setting("petitioners", to: 100_000)).demand?.petition?.petitioners == 100_000)
        #expect(validate(.petition, base(.petition).setting("petitioners", to: .null)).demand?.petition?.petitioners == 1)
    }

    @Test("boundary values are accepted")
    func boundaries() {
        let accepted: [(Channel, JSONValue)] = [
            (.twelve345, base(.twelve345).setting("external_id", to: text(128, "a"))),
            (.twelve345, base(.twelve345).setting("content", to: text(4000))),
            // Lengths count Unicode scalars: 👍🏽 is two.
            (.twelve345, base(.twelve345).setting("content", to: text(2000, "👍🏽"))),
            (.twelve345, base(.twelve345).setting("content", to: "第一行\n第二行\r\n\t第三行")),
            (.twelve345, base(.twelve345).setting("title", to: text(200))),
            (.twelve345, base(.twelve345).setting("submitted_at", to: "2026-11-22T12:00:00+08:00")),
            (.twelve345, base(.twelve345).setting("submitted_at", to: "2000-01-01T00:00:00+08:00")),
            (.twelve345, base(.twelve345).setting("submitted_at", to: "2026-11-21T01:30:00.123456Z")),
            (.twelve345, base(.twelve345).setting("location", to: ["lat": 90, "lon": 180])),
            (.twelve345, base(.twelve345).setting("location", to: ["lat": -90.0, "lon": -180.0])),
            (.twelve345, base(.twelve345).setting("location.address", to: text(500))),
            (.twelve345, base(.twelve345).setting("reporter.phone", to: text(20, "1"))),
            (.twelve345, base(.twelve345).setting("attachments", to: .array(Array(repeating: anAttachment, count: 10)))),
            (.hotline, base(.hotline).setting("line", to: "010-12345-678901234")),
        ]
        for (offset, (channel, body)) in accepted.enumerated() {
            #expect(keys(validate(channel, body)) == [], "case \(offset)")
        }
        #expect(validate(.twelve345, base(.twelve345).setting("content", to: text(2001, "👍🏽"))).errors.map(\.code) == [.tooLong])
    }

    @Test("each rule, broken alone, yields exactly its error", arguments: ruleCases)
    private func rule(_ rule: RuleCase) {
        let outcome = validate(rule.channel, rule.body)
        #expect(keys(outcome) == rule.expected)
        #expect(outcome.errors.allSatisfy { !$0.message.isEmpty })
    }

    @Test("a body with six different problems reports all six, in order")
    func sixProblems() {
        let body = base(.twelve345).setting("external_id", to: 42).setting("submitted_at", to: "yesterday")
            .setting("content", to: "   ").setting("category", to: "roads").setting("location", to: ["lat": 95, "lon": 116.4])
            .setting("attachments", to: [anAttachment, anAttachment.setting("kind", to: "pdf")])
        #expect(
            keys(validate(.twelve345, body)) == [
                ErrorKey("external_id", .invalidType), ErrorKey("submitted_at", .invalidFormat), ErrorKey("content", .required),
                ErrorKey("category", .unknownCode), ErrorKey("location.lat", .outOfRange), ErrorKey("attachments[1].kind", .invalidValue),
            ])
    }

    @Test("grid problems are all reported together")
    func gridProblems() {
        let body = base(.grid).setting("reporter", to: nil).setting("location", to: nil)
            .setting("whistle.departments", to: ["D-NOPE", "D-ENV", "D-ENV"])
        #expect(
            keys(validate(.grid, body)) == [
                ErrorKey("location.grid", .required), ErrorKey("reporter.id", .required),
                ErrorKey("whistle.departments[0]", .unknownCode), ErrorKey("whistle.departments[2]", .invalidValue),
            ])
    }

    @Test(
        "a body that is not a JSON object is one invalid_json error with field null",
        arguments: ["not json", "", "   ", "[]", "\"text\"", "42", "null", "{\"external_id\":\"X\"", "{\"a\":1,\"a\":2}", "{\"a\":1,}"])
    func notAnObject(raw: String) {
        let outcome = validate(.twelve345, raw: raw)
        guard case .invalid(let externalId, let errors) = outcome else {
            Issue.record("accepted \(raw)")
            return
        }
        #expect(externalId == nil)
        #expect(keys(errors) == [ErrorKey(nil, .invalidJSON)])
    }

    @Test("invalid UTF-8 is invalid_json; a leading byte order mark is not")
    func encoding() {
        var bytes = base(.twelve345).jsonBytes
        #expect(keys(validator.validate(channel: .twelve345, body: [0xEF, 0xBB, 0xBF] + bytes, now: now)) == [])
        bytes.insert(contentsOf: [0xC0, 0xAF], at: bytes.count - 2)
        #expect(keys(validator.validate(channel: .twelve345, body: bytes, now: now)) == [ErrorKey(nil, .invalidJSON)])
        let surrogate = Array(#"{"external_id":"X","submitted_at":"2026-11-21T09:30:00Z","content":"\ud800"}"#.utf8)
        #expect(keys(validator.validate(channel: .twelve345, body: surrogate, now: now)) == [ErrorKey(nil, .invalidJSON)])
    }

    @Test("the external id of an invalid demand is kept when it is itself valid")
    func externalIdOfRejected() {
        let noContent = base(.hotline).setting("content", to: nil)
        #expect(
            validate(.hotline, noContent.setting("external_id", to: " HL-9 "))
                == .invalid(externalId: "HL-9", errors: validate(.hotline, noContent).errors))
        guard case .invalid(let kept, _) = validate(.hotline, noContent) else { return }
        #expect(kept == "EXT-1")
        for bad: JSONValue in [42, .null, " ", text(129, "a"), "A\u{0}"] {
            guard case .invalid(let externalId, _) = validate(.hotline, noContent.setting("external_id", to: bad)) else {
                Issue.record("accepted")
                continue
            }
            #expect(externalId == nil, "\(bad)")
        }
    }

    @Test("a parsed body can be validated directly")
    func parsedBody() {
        #expect(validator.validate(channel: .twelve345, json: base(.twelve345), now: now).demand?.externalId == "EXT-1")
        #expect(keys(validator.validate(channel: .twelve345, json: [1], now: now)) == [ErrorKey(nil, .invalidJSON)])
    }

    @Test("attachment URLs: what counts as an absolute http(s) URL")
    func urls() {
        let good = [
            "https://a.example", "http://127.0.0.1:8080/x", "https://[::1]/x", "https://user:pw@host.example/p?q=1#f",
            "HTTPS://EXAMPLE.COM", "https://例子.中国/图片.jpg", "https://a.example/%E4%B8%AD?x=a&y=b", "http://a_b.example:/",
        ]
        let bad = [
            "https://", "http://:80/", "https://a.example:99999/", "https://a.example:8o/", "ftp://a.example/x", "mailto:x@y",
            "https//a.example", "https://a.example/\u{1}", "https://[zz]/", "https://./x", "https://a example/", "https://a.example/<x>",
            "//a.example/x", "https://a.example\u{3000}/x", "https://@/x", "https://a.example/x\u{85}",
        ]
        for url in good { #expect(TextRules.isHTTPURL(url), "\(url)") }
        for url in bad { #expect(!TextRules.isHTTPURL(url), "\(url)") }
    }
}

// MARK: - Feedback, evaluations, replies

private enum Inbound: String, Sendable {
    case feedback, evaluation, reply

    var base: JSONValue {
        switch self {
        case .feedback: ["ticket_no": "W20261121-000123", "satisfaction": "satisfied", "resolved": true]
        case .evaluation:
            [
                "ticket_no": "W20261121-000123", "by": "S-SHICHAHAI",
                "scores": [["department": "D-ENV", "score": 90], ["department": "D-URBAN", "score": 75, "comment": "及时"]],
            ]
        case .reply: ["assignment_id": "A-1", "action": "acknowledge"]
        }
    }

    /// The errors of validating `body`, empty when it is valid.
    func errors(_ body: [UInt8]) -> [FieldError] {
        switch self {
        case .feedback: if case .invalid(let errors) = FeedbackValidator().validate(body: body) { return errors }
        case .evaluation: if case .invalid(let errors) = EvaluationValidator(reference: reference).validate(body: body) { return errors }
        case .reply: if case .invalid(let errors) = ReplyValidator().validate(body: body) { return errors }
        }
        return []
    }
}

private struct InboundCase: Sendable, CustomTestStringConvertible {
    let kind: Inbound
    let name: String
    let edits: [(String, JSONValue?)]
    let expected: [ErrorKey]

    init(_ kind: Inbound, _ name: String, _ edits: [(String, JSONValue?)], _ field: String, _ code: ErrorCode) {
        self.kind = kind
        self.name = name
        self.edits = edits
        self.expected = [ErrorKey(field, code)]
    }

    var testDescription: String { "\(kind.rawValue): \(name)" }
    var body: JSONValue { edits.reduce(kind.base) { $0.setting($1.0, to: $1.1) } }
}

private let inboundCases: [InboundCase] = [
    InboundCase(.feedback, "ticket_no missing", [("ticket_no", nil)], "ticket_no", .required),
    InboundCase(.feedback, "ticket_no blank", [("ticket_no", " ")], "ticket_no", .required),
    InboundCase(.feedback, "ticket_no 7 date digits", [("ticket_no", "W2026112-000123")], "ticket_no", .invalidFormat),
    InboundCase(.feedback, "ticket_no lower-case w", [("ticket_no", "w20261121-000123")], "ticket_no", .invalidFormat),
    InboundCase(.feedback, "ticket_no without dash", [("ticket_no", "W20261121000123")], "ticket_no", .invalidFormat),
    InboundCase(.feedback, "ticket_no 7 sequence digits", [("ticket_no", "W20261121-0001234")], "ticket_no", .invalidFormat),
    InboundCase(.feedback, "ticket_no full-width digit", [("ticket_no", "W2026112１-000123")], "ticket_no", .invalidFormat),
    InboundCase(.feedback, "ticket_no a number", [("ticket_no", 20_261_121)], "ticket_no", .invalidType),
    InboundCase(.feedback, "satisfaction missing", [("satisfaction", nil)], "satisfaction", .required),
    InboundCase(.feedback, "satisfaction ok", [("satisfaction", "ok")], "satisfaction", .invalidValue),
    InboundCase(.feedback, "satisfaction capitalised", [("satisfaction", "Satisfied")], "satisfaction", .invalidValue),
    InboundCase(.feedback, "resolved missing", [("resolved", nil)], "resolved", .required),
    InboundCase(.feedback, "resolved a string", [("resolved", "true")], "resolved", .invalidType),
    InboundCase(.feedback, "resolved a number", [("resolved", 1)], "resolved", .invalidType),
    InboundCase(.feedback, "comment 1001 characters", [("comment", text(1001))], "comment", .tooLong),
    InboundCase(.feedback, "comment with a control character", [("comment", "a\u{1F}")], "comment", .invalidValue),

    InboundCase(.evaluation, "ticket_no missing", [("ticket_no", nil)], "ticket_no", .required),
    InboundCase(.evaluation, "ticket_no malformed", [("ticket_no", "T-1")], "ticket_no", .invalidFormat),
    InboundCase(.evaluation, "by missing", [("by", nil)], "by", .required),
    InboundCase(.evaluation, "by a bureau, not a street office", [("by", "D-ENV")], "by", .unknownCode),
    InboundCase(.evaluation, "scores missing", [("scores", nil)], "scores", .required),
    InboundCase(.evaluation, "scores empty", [("scores", [])], "scores", .tooShort),
    InboundCase(.evaluation, "scores an object", [("scores", ["D-ENV": 90])], "scores", .invalidType),
    InboundCase(.evaluation, "a score a string", [("scores[0]", "D-ENV")], "scores[0]", .invalidType),
    InboundCase(.evaluation, "department missing", [("scores[1].department", nil)], "scores[1].department", .required),
    InboundCase(.evaluation, "department unknown", [("scores[1].department", "D-NOPE")], "scores[1].department", .unknownCode),
    InboundCase(.evaluation, "department scored twice", [("scores[1].department", "D-ENV")], "scores[1].department", .invalidValue),
    InboundCase(.evaluation, "score above 100", [("scores[0].score", 101)], "scores[0].score", .outOfRange),
    InboundCase(.evaluation, "score below 0", [("scores[0].score", -1)], "scores[0].score", .outOfRange),
    InboundCase(.evaluation, "score a fraction", [("scores[0].score", 90.5)], "scores[0].score", .invalidType),
    InboundCase(.evaluation, "score a string", [("scores[0].score", "90")], "scores[0].score", .invalidType),
    InboundCase(.evaluation, "score missing", [("scores[1].score", nil)], "scores[1].score", .required),
    InboundCase(.evaluation, "comment 501 characters", [("scores[1].comment", text(501))], "scores[1].comment", .tooLong),

    InboundCase(.reply, "assignment_id missing", [("assignment_id", nil)], "assignment_id", .required),
    InboundCase(.reply, "assignment_id 129 characters", [("assignment_id", text(129, "a"))], "assignment_id", .tooLong),
    InboundCase(.reply, "assignment_id a number", [("assignment_id", 7)], "assignment_id", .invalidType),
    InboundCase(.reply, "action missing", [("action", nil)], "action", .required),
    InboundCase(.reply, "action close", [("action", "close")], "action", .invalidValue),
    InboundCase(.reply, "action capitalised", [("action", "Complete")], "action", .invalidValue),
    InboundCase(.reply, "complete without result", [("action", "complete")], "result", .required),
    InboundCase(.reply, "complete with a blank result", [("action", "complete"), ("result", " \n ")], "result", .required),
    InboundCase(.reply, "return without reason_code", [("action", "return")], "reason_code", .required),
    InboundCase(.reply, "return with an unknown reason", [("action", "return"), ("reason_code", "lazy")], "reason_code", .invalidValue),
    InboundCase(
        .reply, "progress with an unknown reason", [("action", "progress"), ("reason_code", "lazy")], "reason_code", .invalidValue),
    InboundCase(.reply, "extend without note", [("action", "extend")], "note", .required),
    InboundCase(.reply, "note 2001 characters", [("action", "progress"), ("note", text(2001))], "note", .tooLong),
    InboundCase(.reply, "result 4001 characters", [("action", "complete"), ("result", text(4001))], "result", .tooLong),
    InboundCase(.reply, "at not a timestamp", [("at", "yesterday")], "at", .invalidFormat),
    InboundCase(.reply, "at without offset", [("at", "2026-11-21T10:00:00")], "at", .invalidFormat),
    InboundCase(.reply, "at a number", [("at", 1_795_000_000)], "at", .invalidType),
]

@Suite("Feedback, evaluation and reply validation")
struct InboundValidationTests {
    @Test("the base messages are valid", arguments: [Inbound.feedback, .evaluation, .reply])
    private func bases(kind: Inbound) {
        #expect(keys(kind.errors(kind.base.jsonBytes)) == [])
    }

    @Test("each rule, broken alone, yields exactly its error", arguments: inboundCases)
    private func rule(_ rule: InboundCase) {
        #expect(keys(rule.kind.errors(rule.body.jsonBytes)) == rule.expected)
    }

    @Test("bodies that are not JSON objects", arguments: [Inbound.feedback, .evaluation, .reply])
    private func notJSON(kind: Inbound) {
        for raw in ["nope", "[]", "", "{\"ticket_no\":"] {
            #expect(keys(kind.errors(Array(raw.utf8))) == [ErrorKey(nil, .invalidJSON)])
        }
    }

    @Test("feedback normalises")
    func feedback() {
        let body: JSONValue = [
            "ticket_no": " W20261121-000123 ", "satisfaction": "basically_satisfied", "resolved": false, "comment": "  ", "x": 1,
        ]
        #expect(
            FeedbackValidator().validate(body: body.jsonBytes)
                == .valid(Feedback(ticketNo: "W20261121-000123", satisfaction: .basicallySatisfied, resolved: false)))
        let commented = Inbound.feedback.base.setting("comment", to: .string(" 很好 " + String(repeating: "好", count: 997)))
        guard case .valid(let feedback) = FeedbackValidator().validate(body: commented.jsonBytes) else {
            Issue.record("rejected")
            return
        }
        #expect(feedback.comment?.unicodeScalars.count == 1000)
        #expect(feedback.satisfaction == .satisfied && feedback.resolved)
        let three = Inbound.feedback.base.setting("ticket_no", to: "W1").setting("satisfaction", to: nil).setting("resolved", to: "no")
        #expect(
            keys(Inbound.feedback.errors(three.jsonBytes)) == [
                ErrorKey("ticket_no", .invalidFormat), ErrorKey("satisfaction", .required), ErrorKey("resolved", .invalidType),
            ])
        #expect(FeedbackValidator.ticketNo(in: three.jsonBytes) == nil)
        #expect(FeedbackValidator.ticketNo(in: Inbound.feedback.base.setting("resolved", to: nil).jsonBytes) == "W20261121-000123")
    }

    @Test("evaluations normalise; 50 scores are allowed and 51 are too many")
    func evaluation() {
        let body = Inbound.evaluation.base.setting("scores[0].score", to: 100.0).setting("scores[1].score", to: 0)
            .setting("scores[1].comment", to: " 及时 ")
        #expect(
            EvaluationValidator(reference: reference).validate(body: body.jsonBytes)
                == .valid(
                    Evaluation(
                        ticketNo: "W20261121-000123", by: "S-SHICHAHAI",
                        scores: [.init(department: "D-ENV", score: 100), .init(department: "D-URBAN", score: 0, comment: "及时")])))
        let many = ReferenceCodes(departments: Set((1...60).map { "D\($0)" }), streetOffices: ["S-1"])
        func scores(_ count: Int) -> JSONValue {
            [
                "ticket_no": "W20261121-000001", "by": "S-1",
                "scores": .array((1...count).map { ["department": .string("D\($0)"), "score": 50] }),
            ]
        }
        guard case .valid(let fifty) = EvaluationValidator(reference: many).validate(body: scores(50).jsonBytes) else {
            Issue.record("rejected 50 scores")
            return
        }
        #expect(fifty.scores.count == 50)
        guard case .invalid(let errors) = EvaluationValidator(reference: many).validate(body: scores(51).jsonBytes) else {
            Issue.record("accepted 51 scores")
            return
        }
        #expect(keys(errors) == [ErrorKey("scores", .tooMany)])
        #expect(EvaluationValidator.ticketNo(in: scores(51).jsonBytes) == "W20261121-000001")
    }

    @Test("replies normalise for every action")
    func replies() {
        func reply(_ body: JSONValue) -> Reply? {
            if case .valid(let reply) = ReplyValidator().validate(body: body.jsonBytes) { reply } else { nil }
        }
        let base = Inbound.reply.base
        #expect(reply(base) == Reply(assignmentId: "A-1", action: .acknowledge))
        #expect(
            reply(base.setting("action", to: "progress").setting("note", to: " 已到现场 ").setting("at", to: "2026-11-21T10:00:00+08:00"))
                == Reply(assignmentId: "A-1", action: .progress, note: "已到现场", at: date("2026-11-21T02:00:00Z")))
        #expect(
            reply(base.setting("action", to: "complete").setting("result", to: "已修复"))
                == Reply(assignmentId: "A-1", action: .complete, result: "已修复"))
        #expect(
            reply(base.setting("action", to: "return").setting("reason_code", to: "wrong_area"))
                == Reply(assignmentId: "A-1", action: .return, reasonCode: .wrongArea))
        #expect(
            reply(base.setting("action", to: "extend").setting("note", to: "需要协调"))
                == Reply(assignmentId: "A-1", action: .extend, note: "需要协调"))
        #expect(ReplyValidator.assignmentId(in: base.setting("action", to: "bogus").jsonBytes) == "A-1")
        #expect(ReplyValidator.assignmentId(in: Array("garbage".utf8)) == nil)
        let everything = base.setting("assignment_id", to: "").setting("action", to: "complete").setting("note", to: 3)
            .setting("at", to: "later")
        #expect(
            keys(Inbound.reply.errors(everything.jsonBytes)) == [
                ErrorKey("assignment_id", .required), ErrorKey("note", .invalidType), ErrorKey("result", .required),
                ErrorKey("at", .invalidFormat),
            ])
    }

    @Test("the inbound types encode with the wire's snake_case names")
    func wireNames() throws {
        let reply = Reply(assignmentId: "A-1", action: .return, reasonCode: .notOurDuty, at: date("2026-11-21T02:00:00Z"))
        let text = String(decoding: try WhistleJSON.encode(reply), as: UTF8.self)
        #expect(text == #"{"action":"return","assignment_id":"A-1","at":"2026-11-21T02:00:00.000Z","reason_code":"not_our_duty"}"#)
        let feedback = Feedback(ticketNo: "W20261121-000123", satisfaction: .basicallySatisfied, resolved: true)
        let decoded = try WhistleJSON.decode(Feedback.self, from: try WhistleJSON.encode(feedback))
        #expect(decoded == feedback)
    }
}
