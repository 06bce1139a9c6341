import Foundation
import Testing

@testable import WhistleDomain
@testable import WhistleMessages

/// SplitMix64: a small seeded generator, so that every random run is reproducible (shared by the
/// unit tests' property checks).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func parse(_ text: String) throws(JSONParseError) -> JSONValue { try JSONParser().parse(Array(text.utf8)) }
private func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue { try JSONParser().parse(bytes) }

/// The error of parsing `bytes`, or nil when it parses.
private func parseError(_ bytes: [UInt8]) -> JSONParseError? {
    do {
        _ = try JSONParser().parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func parseError(_ text: String) -> JSONParseError? { parseError(Array(text.utf8)) }

/// `"` + bytes + `"`: a JSON string whose content is raw bytes.
private func quoted(_ bytes: [UInt8]) -> [UInt8] { [0x22] + bytes + [0x22] }

@Suite("JSON parser")
struct JSONValueTests {
    @Test("scalars of every kind")
    func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("0") == .int(0))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("42") == .int(42))
        #expect(try parse("-17") == .int(-17))
        #expect(try parse("1.5") == .double(1.5))
        #expect(try parse("-0.25") == .double(-0.25))
        #expect(try parse("1e3") == .double(1000))
        #expect(try parse("1E+2") == .double(100))
        #expect(try parse("25e-1") == .double(2.5))
        #expect(try parse("\"\"") == .string(""))
        #expect(try parse(" \t\r\n 7 \n") == .int(7))
    }

    @Test("strings: escapes, surrogate pairs and raw UTF-8")
    func strings() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\u0041\u00e9\u4e2d\u0000""#) == .string("Aé中\u{0}"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\uD83D\uDE00x""#) == .string("😀x"))
        #expect(try parse("\"路灯不亮 😀\"") == .string("路灯不亮 😀"))
        // DEL is not a control character for JSON: it may appear raw.
        #expect(try parse(quoted([0x7F])) == .string("\u{7F}"))
        // Scalars stay as written: no normalisation (e + combining acute is 2 scalars).
        let decomposed = try parse(#""e\u0301""#)
        #expect(decomposed.stringValue?.unicodeScalars.count == 2)
    }

    @Test("UTF-8 boundaries that are well-formed")
    func utf8Boundaries() throws {
        let cases: [([UInt8], UInt32)] = [
            ([0xC2, 0x80], 0x80), ([0xDF, 0xBF], 0x7FF), ([0xE0, 0xA0, 0x80], 0x800), ([0xED, 0x9F, 0xBF], 0xD7FF),
            ([0xEE, 0x80, 0x80], 0xE000), ([0xEF, 0xBF, 0xBF], 0xFFFF), ([0xF0, 0x90, 0x80, 0x80], 0x10000),
            ([0xF4, 0x8F, 0xBF, 0xBF], 0x10FFFF),
        ]
        for (bytes, scalar) in cases {
            let value = try parse(quoted(bytes))
            #expect(value.stringValue?.unicodeScalars.map(\.value) == [scalar])
        }
    }

    @Test(
        "ill-formed UTF-8 is rejected at the sequence's first byte",
        arguments: [
            [0x80], [0xBF], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xE0, 0x9F, 0xBF],
            [0xF0, 0x80, 0x80, 0xAF], [0xF0, 0x8F, 0xBF, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE], [0xFF],
            [0xE4, 0xB8], [0xE4, 0x41, 0x41], [0xC3, 0x28], [0xF0, 0x9F, 0x98],
        ] as [[UInt8]])
    func invalidUTF8(sequence: [UInt8]) {
        // `"ab` + sequence + `"`: the bad sequence starts at offset 3.
        let error = parseError([0x22, 0x61, 0x62] + sequence + [0x22])
        #expect(error?.offset == 3)
    }

    @Test("non-ASCII bytes outside strings are rejected")
    func utf8OutsideStrings() {
        #expect(parseError([0xC3, 0xA9])?.offset == 0)
        #expect(parseError(Array("[1,".utf8) + [0xE4, 0xB8, 0xAD] + Array("]".utf8))?.offset == 3)
    }

    @Test(
        "lone or mismatched surrogate escapes are rejected",
        arguments: [
            #""\ud800""#, #""\udc00""#, #""\uDBFF""#, #""\ud800x""#, #""\ud800\u0041""#, #""\ud800\n""#,
            #""\ud800\ud800""#, #""\ude00\ud83d""#, #""\ud800\"#,
        ])
    func loneSurrogates(text: String) {
        #expect(parseError(text)?.offset == 1)
    }

    @Test("unescaped control characters inside strings are rejected")
    func controlCharacters() {
        for byte in UInt8(0)...0x1F {
            #expect(parseError(quoted([0x61, byte]))?.offset == 2, "byte \(byte)")
        }
        #expect(parseError("\"abc")?.offset == 0)
        #expect(parseError(#""\x""#)?.offset == 1)
        #expect(parseError(#""\u12G4""#)?.offset == 5)
        #expect(parseError(#""\u12""#)?.offset == 3)
        #expect(parseError(#""\ud800\u""#)?.offset == 9)
    }

    @Test("nesting: 64 levels parse, 65 do not, and a million do not crash")
    func depth() throws {
        func nested(_ depth: Int, open: String, close: String, inner: String) -> String {
            String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
        }
        let arrays64 = try parse(nested(64, open: "[", close: "]", inner: "1"))
        var level = 0
        var cursor = arrays64
        while case .array(let elements) = cursor, let first = elements.first {
            level += 1
            cursor = first
        }
        #expect(level == 64)
        #expect(cursor == .int(1))
        #expect(parseError(nested(65, open: "[", close: "]", inner: "1"))?.offset == 64)
        #expect(parseError(nested(64, open: "{\"a\":", close: "}", inner: "[]")) != nil)
        #expect(parseError(nested(63, open: "{\"a\":", close: "}", inner: "[]")) == nil)
        #expect(parseError(String(repeating: "[", count: 200_000))?.offset == 64)
        #expect(parseError(String(repeating: "{\"k\":", count: 50_000)) != nil)
    }

    @Test(
        "malformed texts are rejected at the right offset",
        arguments: [
            ("[1,]", 3), ("[1,,2]", 3), ("[,1]", 1), ("{\"a\":1,}", 7), ("{,}", 1), ("{\"a\" 1}", 5),
            ("{\"a\":1 \"b\":2}", 7), ("{a:1}", 1), ("['a']", 1), ("NaN", 0), ("nan", 0), ("Infinity", 0),
            ("-Infinity", 1), ("[1, NaN]", 4), ("01", 0), ("-01", 0), ("1.", 2), (".5", 0), ("+1", 0), ("1e", 2),
            ("1e+", 3), ("0x10", 1), ("-", 1), ("tru", 0), ("nul", 0), ("truex", 4), ("{} x", 3), ("{}{}", 2),
            ("", 0), ("   ", 3), ("[1] // c", 4), ("/* c */ 1", 0), ("[1 2]", 3), ("{\"a\"}", 4), ("\"a\" : 1", 4),
            ("1e400", 0), ("-1e400", 0), ("[\"a\"\u{0}]", 4),
        ] as [(String, Int)])
    func malformed(text: String, offset: Int) {
        #expect(parseError(text)?.offset == offset)
    }

    @Test("huge numbers: Int range kept exactly, beyond it a Double, overflow rejected")
    func hugeNumbers() throws {
        #expect(try parse("9223372036854775807") == .int(Int.max))
        #expect(try parse("-9223372036854775808") == .int(Int.min))
        #expect(try parse("9223372036854775808") == .double(9.223372036854775808e18))
        #expect(try parse("1" + String(repeating: "0", count: 300)) == .double(1e300))
        #expect(parseError("1" + String(repeating: "0", count: 400))?.message.contains("out of range") == true)
        #expect(try parse("1e-400") == .double(0))
        #expect(try parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try parse("123456789.123456789e-5") == .double(1234.56789123456789))
        #expect(try parse("2.0").intValue == 2)
        #expect(try parse("2.5").intValue == nil)
        #expect(try parse("1e300").intValue == nil)
    }

    @Test("objects: members, duplicate keys rejected, canonically equal keys count as duplicates")
    func objects() throws {
        let value = try parse(#"{"a": [1, {"b": null}], "c": {"d": "e"}, "": true}"#)
        #expect(value == ["a": [1, ["b": .null]], "c": ["d": "e"], "": true])
        #expect(value["a"]?[1]?["b"] == .null)
        #expect(value["missing"] == nil)
        #expect(try parse("{}") == .object([:]))
        #expect(try parse("[]") == .array([]))
        let duplicate = parseError(#"{"a":1,"b":2,"a":3}"#)
        #expect(duplicate?.offset == 13)
        #expect(duplicate?.message.contains("duplicate key") == true)
        #expect(parseError(#"{"\u00e9":1,"e\u0301":2}"#)?.offset == 12)
    }

    @Test("a leading byte order mark is skipped; anywhere else it is an error")
    func byteOrderMark() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(try parse(bom + Array("{\"a\":1}".utf8)) == ["a": 1])
        #expect(parseError(bom + bom + Array("{}".utf8))?.offset == 3)
        #expect(parseError(Array(" ".utf8) + bom + Array("{}".utf8))?.offset == 1)
        #expect(parseError(bom)?.offset == 3)
    }

    @Test("bodies larger than 256 KiB are rejected before parsing")
    func sizeLimit() throws {
        let limit = JSONParser.defaultMaxBytes
        #expect(limit == 262_144)
        let exact = quoted(Array(repeating: UInt8(ascii: "x"), count: limit - 2))
        #expect(try parse(exact).stringValue?.utf8.count == limit - 2)
        let error = parseError(exact + [0x20])
        #expect(error?.offset == limit)
        #expect(error?.message == "body is larger than 262144 bytes")
        #expect(try JSONParser().parse(Data("[true]".utf8)) == [true])
    }

    @Test("description prints compact, sorted JSON that parses back equal")
    func description() throws {
        let value: JSONValue = ["b": [1, 2.5, "x\"\n\u{1}\u{7F}", .null, false], "a": ["z": 1e20, "y": -0.0]]
        #expect(
            value.description == #"{"a":{"y":-0.0,"z":1e+20},"b":[1,2.5,"x\"\n\u0001"#
                + "\u{7F}" + #"",null,false]}"#)
        #expect(try parse(value.jsonBytes) == value)
    }

    @Test("random valid values round-trip through text (seeded)")
    func roundTrip() throws {
        var generator = SeededGenerator(seed: 0x5748_4953_544C_4531)
        for _ in 0..<2_000 {
            let value = randomValue(depth: 0, &generator)
            let reparsed = try parse(value.jsonBytes)
            #expect(reparsed == value, "\(value)")
        }
    }

    @Test("20,000 random byte strings never crash the parser or the text rules (seeded)")
    func fuzzRandomBytes() {
        var generator = SeededGenerator(seed: 20_261_121)
        let alphabet = Array("{}[]\":,.-+0123456789eEtrufalsn \\/u\n\t".utf8) + [0x00, 0x7F, 0xC3, 0xA9, 0xED, 0xA0, 0xF0, 0x9F, 0xBF]
        var failures: [String] = []
        var parsed = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...48, using: &generator)
            let bytes: [UInt8] = (0..<length).map { _ in
                Bool.random(using: &generator)
                    ? alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] : UInt8.random(in: 0...255, using: &generator)
            }
            if let problem = checkParse(bytes) { failures.append(problem) } else if parseError(bytes) == nil { parsed += 1 }
            // The text rules see whatever strings a body can carry.
            let text = String(decoding: bytes, as: UTF8.self)
            _ = TextRules.isHTTPURL("https://" + text)
            _ = TextRules.isHTTPURL(text)
            _ = TextRules.isTicketNumber(text)
            if TextRules.trimmed(text).unicodeScalars.count > text.unicodeScalars.count { failures.append("trim grew \(bytes)") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(parsed > 20)
    }

    @Test("20,000 random mutations of valid bodies never crash the parser or the validators (seeded)")
    func fuzzMutations() {
        var generator = SeededGenerator(seed: 0xD15_9A7C4)
        let corpus = mutationCorpus.map { Array($0.utf8) }
        let validator = DemandValidator(reference: ReferenceCodes(categories: ["noise"], grids: ["G1"], departments: ["D1", "D2"]))
        let now = RFC3339.parse("2026-11-21T12:00:00+08:00") ?? Date()
        var failures: [String] = []
        var (parsed, valid) = (0, 0)
        for round in 0..<20_000 {
            var bytes = corpus[round % corpus.count]
            for _ in 0..<Int.random(in: 1...4, using: &generator) { mutate(&bytes, &generator) }
            if let problem = checkParse(bytes) { failures.append(problem) }
            let channel = Channel.demandChannels[round % Channel.demandChannels.count]
            _ = FeedbackValidator().validate(body: bytes)
            _ = EvaluationValidator(reference: .empty).validate(body: bytes)
            _ = ReplyValidator().validate(body: bytes)
            let outcome = validator.validate(channel: channel, body: bytes, now: now)
            switch (parseError(bytes), outcome) {
            case (nil, .valid): parsed += 1; valid += 1
            case (nil, .invalid(externalId: _, errors: let errors)):
                parsed += 1
                if errors.isEmpty { failures.append("invalid without errors: \(bytes)") }
            case (.some, .invalid(externalId: nil, errors: let errors)):
                if errors.map(\.code) != [.invalidJSON] || errors[0].field != nil { failures.append("\(errors)") }
            case (.some, _): failures.append("unparsable body judged \(outcome)")
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(parsed > 1_000)
        #expect(valid > 50)
    }
}

/// Nil when parsing `bytes` behaved: it either returned a value that prints back to an equal
/// value, or threw with an offset inside the input.
private func checkParse(_ bytes: [UInt8]) -> String? {
    do {
        let value = try JSONParser().parse(bytes)
        let again = try JSONParser().parse(value.jsonBytes)
        return again == value ? nil : "round trip changed \(bytes)"
    } catch {
        return (0...bytes.count).contains(error.offset) ? nil : "offset \(error.offset) outside \(bytes)"
    }
}

private let mutationCorpus = [
    #"{"external_id":"HL-1","submitted_at":"2026-11-21T09:30:00+08:00","content":"路灯不亮","line":"12319"}"#,
    #"{"external_id":"A-2","submitted_at":"2026-11-21T09:30:00Z","content":"噪音\n扰民","category":"noise","urgency":"urgent","callback_requested":true}"#,
    #"{"external_id":"G-3","submitted_at":"2026-11-21T01:30:00Z","content":"井盖缺失","reporter":{"id":"GW-1","phone":"+86-138"},"location":{"grid":"G1","lat":39.9,"lon":116.4},"whistle":{"departments":["D1","D2"],"reason":"x"}}"#,
    #"{"external_id":"P-4","submitted_at":"2026-11-21T01:30:00Z","content":"\u4fe1\u8bbf \ud83d\ude00","form":"letter","kind":"complaint","subject_unit":"D1","petitioners":3}"#,
    #"{"external_id":"X","submitted_at":"2026-11-21T01:30:00Z","content":"c","attachments":[{"url":"https://a.example/x.jpg","kind":"image"},{"url":"http://b.example:8080/y?z=1","kind":"audio"}],"line":"1-2"}"#,
    #"[1, -2.5e-3, true, false, null, "s", {"a": [[], {}]}]"#,
    #"{"ticket_no":"W20261121-000123","satisfaction":"basically_satisfied","resolved":true,"comment":"好"}"#,
    #"{"ticket_no":"W20261121-000123","by":"S1","scores":[{"department":"D1","score":90},{"department":"D2","score":7.0}]}"#,
    #"{"assignment_id":"A-1","action":"return","reason_code":"wrong_area","at":"2026-11-21T10:00:00+08:00"}"#,
]

private func mutate(_ bytes: inout [UInt8], _ generator: inout SeededGenerator) {
    let tokens = Array("{}[]\",:\\0-.eE".utf8) + [0x00, 0x80, 0xC0, 0xED, 0xFF]
    let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
    switch Int.random(in: 0..<7, using: &generator) {
    case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
    case 1 where !bytes.isEmpty: bytes[position] = tokens[Int.random(in: 0..<tokens.count, using: &generator)]
    case 2: bytes.insert(tokens[Int.random(in: 0..<tokens.count, using: &generator)], at: position)
    case 3 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...8, using: &generator)))
    case 4 where !bytes.isEmpty:
        let end = min(bytes.count, position + Int.random(in: 1...16, using: &generator))
        bytes.insert(contentsOf: bytes[position..<end], at: Int.random(in: 0...bytes.count, using: &generator))
    case 5: bytes.removeSubrange(position..<bytes.count)
    default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
    }
}

private func randomValue(depth: Int, _ generator: inout SeededGenerator) -> JSONValue {
    let kind = Int.random(in: 0..<(depth >= 5 ? 5 : 7), using: &generator)
    switch kind {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &generator))
    case 2: return .int(Int.random(in: Int.min...Int.max, using: &generator) >> Int.random(in: 0...63, using: &generator))
    case 3:
        let double = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
        return .double(double.isFinite ? double : Double.random(in: -1e6...1e6, using: &generator))
    case 4: return .string(randomString(&generator))
    case 5: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(depth: depth + 1, &generator) })
    default:
        var members: [String: JSONValue] = [:]
        for _ in 0..<Int.random(in: 0...4, using: &generator) {
            members[randomString(&generator)] = randomValue(depth: depth + 1, &generator)
        }
        return .object(members)
    }
}

private func randomString(_ generator: inout SeededGenerator) -> String {
    var scalars = String.UnicodeScalarView()
    for _ in 0..<Int.random(in: 0...8, using: &generator) {
        let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
        let range = ranges[Int.random(in: 0..<ranges.count, using: &generator)]
        if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator)) { scalars.append(scalar) }
    }
    return String(scalars)
}
