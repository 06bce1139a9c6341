import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// A seeded fuzzer over everything that reads untrusted bytes: `JSONParser`, the demand validator
/// of each channel, `FeedbackValidator`, `EvaluationValidator`, `ReplyValidator`,
/// `TriageRouteValidator` (and their `ticketNo(in:)` / `assignmentId(in:)` readers) and
/// `RFC3339.parse`. Inputs are mutants of the valid and invalid examples of docs/examples and of
/// Tests/Corpus/bad-input.jsonl. Properties: nothing traps; a validator answers valid or a
/// non-empty list of well-formed errors (a documented code, a message, a field path or null);
/// the same input gives the same answer; a body that is not a JSON object is exactly one
/// `invalid_json`; a value the parser reads prints as JSON that reads back to itself.
///
/// `WHISTLE_FUZZ_EXECUTIONS` sets the number of mutants (default 6,000; each is run through
/// 13 targets, so 78,000 executions); `WHISTLE_FUZZ_SEED` the seed. Mutant `i` depends only
/// on (seed, i), and the input under test is kept in `whistle-fuzz-input.bin` in the temporary
/// directory until the run ends, so a trap leaves its input behind.
@Suite struct FuzzTests {
    static let defaultMutants = 6_000
    static let defaultSeed: UInt64 = 0x5768_6973_746C_6521  // "Whistle!"

    @Test func validatorsAndDecodersSurviveMutatedExamples() throws {
        let environment = ProcessInfo.processInfo.environment
        let mutants = environment["WHISTLE_FUZZ_EXECUTIONS"].flatMap { Int($0) } ?? Self.defaultMutants
        let seed = environment["WHISTLE_FUZZ_SEED"].flatMap { UInt64($0) } ?? Self.defaultSeed
        let harness = try FuzzHarness()
        let mutator = try Mutator(seeds: FuzzSeeds.load(), reference: harness.reference)
        let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-fuzz-input.bin")
        let keeper = try InputKeeper(inputFile)

        let started = ContinuousClock.now
        var executions = 0
        var failures: [String] = []
        var outcomes: [String: Int] = [:]
        for index in 0..<mutants {
            var rng = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
            let input = mutator.mutant(&rng)
            keeper.keep(input)
            let report = harness.run(input)
            executions += report.executions
            for (name, valid) in report.accepted { outcomes["\(name) \(valid ? "valid" : "invalid")", default: 0] += 1 }
            if !report.problems.isEmpty && failures.count < 20 {
                failures.append(
                    "mutant \(index) (seed \(seed)): \(report.problems.joined(separator: "; "))\n  input \(FuzzHarness.show(input))")
            }
        }
        keeper.discard()
        let elapsed = ContinuousClock.now - started
        print(
            "fuzz: \(mutants) mutants, \(executions) executions in \(FuzzHarness.seconds(elapsed)) s "
                + "(seed \(seed)); \(outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
        #expect(mutants < 1000 || executions >= 13 * mutants)
        // The mutants must reach past the parser: some of every validator's answers are valid.
        if mutants >= 2000 {
            for name in FuzzHarness.validatorNames {
                #expect(outcomes["\(name) valid", default: 0] > 0, "no mutant was valid for \(name)")
                #expect(outcomes["\(name) invalid", default: 0] > 0, "no mutant was invalid for \(name)")
            }
        }
    }

    @Test func thePRNGIsSplitMix64() {
        var rng = SplitMix64(seed: 1_234_567)
        #expect([rng.next(), rng.next(), rng.next()] == [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423])
    }

    @Test func aMutantDependsOnlyOnItsSeed() throws {
        let harness = try FuzzHarness()
        let mutator = try Mutator(seeds: FuzzSeeds.load(), reference: harness.reference)
        for index in 0..<50 {
            var first = SplitMix64(seed: UInt64(index))
            var second = SplitMix64(seed: UInt64(index))
            #expect(mutator.mutant(&first) == mutator.mutant(&second))
        }
    }

    /// Inputs at the edges the fuzzer aims at, kept as plain cases (each ran clean).
    @Test(arguments: [
        "", " ", "\u{FEFF}", "{", "}", "[", "\"", "\\", "nul", "-", "-0", "1e309", "-1e309", "1e-400", "[-0.0]", "0.", ".5", "01",
        "{\"a\":1,\"a\":1}", "{\"e\\u0301\":1,\"\u{E9}\":2}", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\ud83d\\ude00\"", "\"\\u0000\"",
        "{\"content\":\"\\u0000\"}", "{\"submitted_at\":\"2026-11-21T10:00:60+08:00\"}", "{\"petitioners\":-0.0}",
        "{\"petitioners\":9223372036854775808}", "{\"lat\":1e308,\"lon\":-1e308}", "{\"scores\":[null,[],{}]}",
        "{\"attachments\":[{\"url\":\"http://[\",\"kind\":\"image\"},{\"url\":\"https://[::1]:65536/\",\"kind\":\"image\"}]}",
        "{\"attachments\":[{\"url\":\"http://a:\",\"kind\":\"image\"},{\"url\":\"HTTP://-.\",\"kind\":\"image\"}]}",
    ])
    func edgeInputs(_ text: String) throws {
        let harness = try FuzzHarness()
        for bytes in [Array(text.utf8), [0xEF, 0xBB, 0xBF] + Array(text.utf8), Array(text.utf8) + [0x00]] {
            let report = harness.run(bytes)
            #expect(report.problems.isEmpty, "\(FuzzHarness.show(bytes)): \(report.problems)")
        }
    }

    @Test func rawByteEdgeInputs() throws {
        let harness = try FuzzHarness()
        let inputs: [[UInt8]] = [
            [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE5, 0xAD],
            Array("{\"content\":\"".utf8) + [0xED, 0xBF, 0xBF] + Array("\"}".utf8),
            Array("{\"content\":\"".utf8) + [0xC3] + Array("\"}".utf8),
            Array(repeating: UInt8(ascii: "["), count: 100_000),
            Array(repeating: UInt8(ascii: "{"), count: 10_000),
            Array(repeating: UInt8(ascii: " "), count: JSONParser.defaultMaxBytes + 1),
            Array("[".utf8) + Array(repeating: UInt8(ascii: "0"), count: 5000) + Array("]".utf8),
            Array("1".utf8) + Array(repeating: UInt8(ascii: "0"), count: 400),
            Array("0.".utf8) + Array(repeating: UInt8(ascii: "0"), count: 400) + Array("1".utf8),
        ]
        for input in inputs {
            let report = harness.run(input)
            #expect(report.problems.isEmpty, "\(FuzzHarness.show(input)): \(report.problems)")
        }
    }
}

// MARK: - The PRNG

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast and good enough to drive a fuzzer.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int.random(in: 0..<bound, using: &self) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

// MARK: - The targets and their properties

/// What one input did to every target.
struct FuzzReport {
    var executions = 0
    var problems: [String] = []
    /// Each validator's answer: true for valid.
    var accepted: [(String, Bool)] = []
}

struct FuzzHarness {
    static let validatorNames = [
        "demand.hotline", "demand.12345", "demand.grid", "demand.petition", "feedback", "evaluation", "reply", "triage",
    ]
    static let documentedCodes: Set<String> = [
        "required", "too_long", "too_short", "out_of_range", "unknown_code", "invalid_json", "invalid_value", "invalid_type",
        "invalid_format", "not_allowed", "too_many",
    ]

    let reference: ReferenceCodes
    let demands: DemandValidator
    let evaluations: EvaluationValidator
    let triage: TriageRouteValidator
    let now = ContractDocs.now

    init() throws {
        reference = try ContractDocs.seedCodes()
        demands = DemandValidator(reference: reference)
        evaluations = EvaluationValidator(reference: reference)
        triage = TriageRouteValidator(reference: reference)
    }

    /// Runs `input` through every target, twice for the validators (determinism).
    func run(_ input: [UInt8]) -> FuzzReport {
        var report = FuzzReport()
        func fail(_ target: String, _ problem: String) { report.problems.append("\(target): \(problem)") }

        // The parser: an error inside the body, or a value that prints as JSON reading back equal.
        var parsed: JSONValue? = nil
        do {
            let value = try JSONParser().parse(input)
            parsed = value
            do {
                let again = try JSONParser(maxBytes: .max).parse(value.jsonBytes)
                if again != value { fail("JSONParser", "\(value) reads back as \(again)") }
            } catch {
                fail("JSONParser", "its own output \(FuzzHarness.show(value.jsonBytes)) does not parse: \(error)")
            }
            if try JSONParser().parse(input) != value { fail("JSONParser", "not deterministic") }
        } catch {
            if error.offset < 0 || error.offset > input.count || error.message.isEmpty {
                fail("JSONParser", "error \(error) is outside the body of \(input.count) bytes or says nothing")
            }
        }
        report.executions += 1
        let isObject: Bool
        if case .object? = parsed { isObject = true } else { isObject = false }

        /// The validator's errors, when it said invalid: each well-formed, and exactly one
        /// `invalid_json` for anything but an object.
        func checkErrors(_ target: String, _ errors: [FieldError]) {
            if errors.isEmpty { fail(target, "invalid without any error") }
            for error in errors {
                if !Self.documentedCodes.contains(error.code.rawValue) { fail(target, "undocumented code \(error.code)") }
                if error.message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    fail(target, "an error without a message: \(error)")
                }
                if let field = error.field, field.isEmpty || field.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                    fail(target, "a field path that is empty or holds a control character: \(error)")
                }
            }
            let json = errors.filter { $0.code == .invalidJSON }
            if isObject && !json.isEmpty { fail(target, "invalid_json for a JSON object: \(json)") }
            if !isObject && (errors.count != 1 || json.count != 1 || json[0].field != nil) {
                fail(target, "not exactly one invalid_json for a body that is not an object: \(errors)")
            }
        }
        func checkValid(_ target: String) {
            if !isObject { fail(target, "valid although the body is not a JSON object") }
        }

        for channel in Channel.demandChannels {
            let target = "demand.\(channel.rawValue)"
            let first = demands.validate(channel: channel, body: input, now: now)
            let second = demands.validate(channel: channel, body: input, now: now)
            report.executions += 1
            if first != second { fail(target, "not deterministic: \(first) then \(second)") }
            if let parsed, demands.validate(channel: channel, json: parsed, now: now) != first {
                fail(target, "validate(json:) disagrees with validate(body:)")
            }
            switch first {
            case .valid(let demand):
                checkValid(target)
                for problem in Self.problems(of: demand, channel: channel) { fail(target, problem) }
                report.accepted.append((target, true))
            case .invalid(let externalId, let errors):
                checkErrors(target, errors)
                if let externalId, !Self.isCleanText(externalId, max: 128) {
                    fail(target, "source external_id \(String(reflecting: externalId))")
                }
                report.accepted.append((target, false))
            }
        }

        let feedback = FeedbackValidator().validate(body: input)
        report.executions += 1
        if feedback != FeedbackValidator().validate(body: input) { fail("feedback", "not deterministic") }
        switch feedback {
        case .valid(let item):
            checkValid("feedback")
            if !Self.isTicketNumber(item.ticketNo) { fail("feedback", "valid with ticket_no \(item.ticketNo)") }
            if let comment = item.comment, !Self.isCleanText(comment, max: 1000) { fail("feedback", "valid with comment \(comment)") }
            report.accepted.append(("feedback", true))
        case .invalid(let errors):
            checkErrors("feedback", errors)
            report.accepted.append(("feedback", false))
        }

        let evaluation = evaluations.validate(body: input)
        report.executions += 1
        if evaluation != evaluations.validate(body: input) { fail("evaluation", "not deterministic") }
        switch evaluation {
        case .valid(let item):
            checkValid("evaluation")
            if !reference.streetOffices.union(reference.commandCenters).contains(item.by) { fail("evaluation", "valid by \(item.by)") }
            if (item.ticketNo == nil) == (item.period == nil) { fail("evaluation", "valid with neither or both of ticket_no and period") }
            if item.scores.isEmpty || item.scores.count > EvaluationValidator.maxScores
                || Set(item.scores.map(\.department)).count != item.scores.count
                || item.scores.contains(where: { !(0...100).contains($0.score) || !reference.departments.contains($0.department) })
            {
                fail("evaluation", "valid with scores \(item.scores)")
            }
            report.accepted.append(("evaluation", true))
        case .invalid(let errors):
            checkErrors("evaluation", errors)
            report.accepted.append(("evaluation", false))
        }

        let reply = ReplyValidator().validate(body: input)
        report.executions += 1
        if reply != ReplyValidator().validate(body: input) { fail("reply", "not deterministic") }
        switch reply {
        case .valid(let item):
            checkValid("reply")
            let complete =
                switch item.action {
                case .complete: item.result != nil
                case .return: item.reasonCode != nil
                case .extend: item.note != nil
                case .contest: item.contestReason != nil && item.note != nil
                case .rule: item.ruling != nil && item.note != nil
                case .acknowledge, .progress: true
                }
            if !complete || !Self.isCleanText(item.assignmentId, max: 128) { fail("reply", "valid but incomplete: \(item)") }
            report.accepted.append(("reply", true))
        case .invalid(let errors):
            checkErrors("reply", errors)
            report.accepted.append(("reply", false))
        }

        let route = triage.validate(body: input)
        report.executions += 1
        if route != triage.validate(body: input) { fail("triage", "not deterministic") }
        switch route {
        case .valid(let item):
            checkValid("triage")
            let all = [item.lead] + item.co
            if Set(all).count != all.count || item.co.count > TriageRouteValidator.maxCo || !all.allSatisfy(reference.departments.contains)
            {
                fail("triage", "valid with lead \(item.lead) and co \(item.co)")
            }
            report.accepted.append(("triage", true))
        case .invalid(let errors):
            checkErrors("triage", errors)
            report.accepted.append(("triage", false))
        }

        // The readers that fill the envelopes of rejections.
        if let ticketNo = FeedbackValidator.ticketNo(in: input), !Self.isTicketNumber(ticketNo) {
            fail("FeedbackValidator.ticketNo", ticketNo)
        }
        if let ticketNo = EvaluationValidator.ticketNo(in: input), !Self.isTicketNumber(ticketNo) {
            fail("EvaluationValidator.ticketNo", ticketNo)
        }
        if let id = ReplyValidator.assignmentId(in: input), !Self.isCleanText(id, max: 128) {
            fail("ReplyValidator.assignmentId", String(reflecting: id))
        }
        report.executions += 3

        // RFC 3339 on the body as text, and on every string in it.
        var texts = [String(decoding: input.prefix(64), as: UTF8.self)]
        if let parsed { Self.strings(in: parsed, into: &texts) }
        for text in texts.prefix(32) {
            // (RFC3339.format prints years before 1 as "-001"; only later instants are compared.)
            guard let date = RFC3339.parse(text), date.timeIntervalSince1970 > -62_135_596_800 + 86_400 else { continue }
            let printed = RFC3339.format(date)
            if let back = RFC3339.parse(printed), abs(back.timeIntervalSince(date)) <= 0.0011 { continue }
            fail("RFC3339", "\(text) → \(printed) does not read back")
        }
        report.executions += 1
        return report
    }

    /// What a valid demand promises (CONTRACT §1 and the validator's own notes).
    static func problems(of demand: Demand, channel: Channel) -> [String] {
        var problems: [String] = []
        func need(_ ok: Bool, _ what: String) { if !ok { problems.append("valid demand with \(what)") } }
        need(demand.channel == channel, "channel \(demand.channel)")
        need(isCleanText(demand.externalId, max: 128), "external_id \(String(reflecting: demand.externalId))")
        need(isCleanText(demand.content, max: 4000), "content of \(demand.content.unicodeScalars.count) scalars")
        need(demand.title.map { isCleanText($0, max: 200) } ?? true, "title \(demand.title ?? "")")
        need(demand.attachments.count <= 10, "\(demand.attachments.count) attachments")
        if let location = demand.location {
            need(location.lat.map { (-90...90).contains($0) } ?? true, "lat \(location.lat ?? 0)")
            need(location.lon.map { (-180...180).contains($0) } ?? true, "lon \(location.lon ?? 0)")
            need((location.lat == nil) == (location.lon == nil), "lat without lon")
        }
        need(channel != .grid || (demand.location?.grid != nil && demand.reporter?.id != nil), "no grid or worker on the grid channel")
        need(channel != .hotline || demand.line != nil, "no line on the hotline channel")
        need(channel == .grid || demand.whistle == nil, "a whistle on \(channel.rawValue)")
        if let whistle = demand.whistle {
            need(
                !whistle.departments.isEmpty && Set(whistle.departments).count == whistle.departments.count,
                "whistle \(whistle.departments)")
        }
        if channel == .petition {
            if let petition = demand.petition {
                need((1...100_000).contains(petition.petitioners), "\(petition.petitioners) petitioners")
                need(petition.kind != .complaint || petition.subjectUnit != nil, "a complaint without subject_unit")
            } else {
                need(false, "no petition fields")
            }
        }
        need(demand.submittedAt.timeIntervalSince(ContractDocs.now) <= 86_400, "submitted_at \(demand.submittedAt)")
        return problems
    }

    /// 1...max Unicode scalars, trimmed, without control characters other than tab, line feed and
    /// carriage return (which the validators allow inside any string).
    static func isCleanText(_ text: String, max: Int) -> Bool {
        let scalars = text.unicodeScalars
        guard !scalars.isEmpty, scalars.count <= max else { return false }
        guard let first = scalars.first, let last = scalars.last, !first.properties.isWhitespace, !last.properties.isWhitespace else {
            return false
        }
        return !scalars.contains { scalar in
            if scalar == "\n" || scalar == "\r" || scalar == "\t" { return false }
            return scalar.value < 0x20 || scalar.value == 0x7F
        }
    }

    static func isTicketNumber(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 16, scalars[0] == "W", scalars[9] == "-" else { return false }
        return scalars.indices.allSatisfy { $0 == 0 || $0 == 9 || ("0"..."9").contains(scalars[$0]) }
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f", Double(seconds) + Double(attoseconds) / 1e18)
    }

    static func strings(in value: JSONValue, into texts: inout [String]) {
        switch value {
        case .string(let text): texts.append(text)
        case .array(let elements): for element in elements { strings(in: element, into: &texts) }
        case .object(let members):
            for (key, member) in members {
                texts.append(key)
                strings(in: member, into: &texts)
            }
        default: break
        }
    }

    /// An input for a failure report: as text when it is short UTF-8, else hex (cut to 600 bytes).
    static func show(_ bytes: [UInt8]) -> String {
        let cut = Array(bytes.prefix(600))
        let suffix = bytes.count > cut.count ? "… (\(bytes.count) bytes)" : ""
        if let text = String(validating: cut, as: UTF8.self), !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) {
            return String(reflecting: text) + suffix
        }
        return "hex " + cut.map { String(format: "%02x", $0) }.joined() + suffix
    }
}

// MARK: - Inputs

/// The bodies mutants start from.
enum FuzzSeeds {
    /// The valid examples (compact and as written), and every other body: the invalid examples'
    /// and the corpus'.
    static func load() throws -> (valid: [[UInt8]], other: [[UInt8]]) {
        var valid: [[UInt8]] = []
        var seeds: [[UInt8]] = []
        for example in try ContractDocs.all() where ContractDocs.inbound.contains(example.schema) {
            guard example.isValid else {
                seeds.append(example.body.jsonBytes)
                continue
            }
            valid.append(example.body.jsonBytes)
            let file = ContractDocs.examples.appendingPathComponent(example.schema).appendingPathComponent(example.file)
            if let raw = FileManager.default.contents(atPath: file.path) { valid.append([UInt8](raw)) }
        }
        // The small bodies of the bad-input corpus (the big ones are generated there).
        let corpus = ContractDocs.repository.appendingPathComponent("Tests/Corpus/bad-input.jsonl")
        if let text = try? String(contentsOf: corpus, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                guard let entry = try? JSONParser(maxBytes: 1 << 24).parse(Array(line.utf8)) else { continue }
                if let body = entry["body"]?.stringValue, body.utf8.count < 20_000, !body.contains("@") {
                    seeds.append(Array(body.utf8))
                } else if let hex = entry["body_hex"]?.stringValue {
                    seeds.append(
                        stride(from: 0, to: hex.utf8.count - 1, by: 2).compactMap { offset in
                            let start = hex.utf8.index(hex.utf8.startIndex, offsetBy: offset)
                            return UInt8(String(hex[start..<hex.utf8.index(start, offsetBy: 2)]), radix: 16)
                        })
                }
            }
        }
        return (valid, seeds)
    }
}

/// Keeps the input under test in a file, so that a trap leaves it behind.
final class InputKeeper {
    let url: URL
    let handle: FileHandle

    init(_ url: URL) throws {
        self.url = url
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }

    func keep(_ bytes: [UInt8]) {
        try? handle.seek(toOffset: 0)
        try? handle.truncate(atOffset: 0)
        try? handle.write(contentsOf: bytes)
    }

    func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}

/// Makes mutants: byte-level (flips, truncation, insertion, deletion, duplication, splicing,
/// odd UTF-8) and JSON-aware (a value replaced by random JSON of any type, near-limit strings,
/// absurd numbers and dates, deleted or duplicated keys, deep nesting around the parser's limit).
struct Mutator {
    let seeds: [[UInt8]]
    let validSeeds: [[UInt8]]
    let objects: [JSONValue]
    let words: [String]

    static let keys = [
        "external_id", "submitted_at", "content", "title", "category", "urgency", "location", "address", "lat", "lon", "grid",
        "reporter", "name", "phone", "anonymous", "id", "attachments", "url", "kind", "line", "callback_requested", "whistle",
        "departments", "reason", "form", "petitioners", "subject_unit", "ticket_no", "satisfaction", "resolved", "comment", "by",
        "scores", "department", "score", "assignment_id", "action", "note", "result", "reason_code", "at", "lead", "co", "period",
    ]
    static let enums = [
        "normal", "urgent", "image", "audio", "video", "document", "letter", "visit", "online", "phone", "request", "complaint",
        "satisfied", "basically_satisfied", "unsatisfied", "acknowledge", "progress", "complete", "return", "extend",
        "not_our_duty", "wrong_area", "duplicate", "insufficient_info", "12319", "12-319", "+86-138", "W20261121-000123",
        "W99999999-999999", "3f9d2c4e-8b1a-4f6e-9c0d-5a7b2e1f4c88", "https://x.example/a.jpg", "http://[::1]:8080/a",
        "https://[::1]:65536/", "http://a:99999", "HTTPS://例子.测试/图.png", "http://-.", "https://", "http://a b",
        "2026-11-21T10:00:00+08:00", "2026-11-21T10:00:00Z", "2026-11-21t10:00:00z", "2026-11-21 10:00:00+08:00",
        "2026-11-21T10:00:60+08:00", "2026-11-21T10:00:00.123456789012345678+08:00", "2000-01-01T00:00:00+14:00",
        "1999-12-31T23:59:59-12:00", "2026-11-22T12:00:00+08:00", "2026-11-23T12:00:01+08:00", "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "2024-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-11-21T10:00:00+23:59", "2026-Q4", "2026",
    ]
    static let tokens = [
        "null", "true", "false", "0", "-0", "-0.0", "1e309", "-1e309", "1e-400", "4.9e-324", "1.7976931348623157e308",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "100000", "100001", "0.5", "1E2", "1e+2",
        "\"\"", "\" \"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udbff\\udfff\"", "\"\\u3000\"", "\"\\\"\"", "{}", "[]", "[[]]",
        "{\"\":0}", ",", ":", "\"", "\\", "\\u", "NaN", "Infinity", "'x'", "/* */", "\u{FEFF}",
    ]
    static let interestingBytes: [UInt8] = [
        0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x22, 0x2C, 0x2D, 0x2E, 0x30, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F, 0x80,
        0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xF8, 0xFE, 0xFF,
    ]
    static let oddUTF8: [[UInt8]] = [
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xF0, 0x80, 0x80, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xE5, 0xAD], [0xEF, 0xBF, 0xBE], [0xF4, 0x8F, 0xBF, 0xBF],
        [0xE2, 0x80, 0xA8], [0xE2, 0x80, 0xAE], [0xEF, 0xBB, 0xBF], [0xCC, 0x81], [0xE3, 0x80, 0x80], [0xC2, 0xA0], [0xC2, 0x85],
    ]

    init(seeds: (valid: [[UInt8]], other: [[UInt8]]), reference: ReferenceCodes) throws {
        precondition(!seeds.valid.isEmpty && !seeds.other.isEmpty)
        self.seeds = seeds.valid + seeds.other
        validSeeds = seeds.valid
        objects = seeds.valid.compactMap { bytes in
            guard let value = try? JSONParser().parse(bytes), case .object = value else { return nil }
            return value
        }
        let codes =
            reference.categories.sorted().prefix(6) + reference.grids.sorted().prefix(6)
            + reference.departments.sorted().prefix(10) + reference.streetOffices.sorted()
        words = Self.enums + codes
    }

    func mutant(_ rng: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8]
        if rng.chance(0.6), !objects.isEmpty {
            // JSON-aware: a valid example with one to a few values changed (often still valid).
            var value = rng.pick(objects)
            let rounds = rng.chance(0.6) ? 1 : 2 + rng.below(4)
            for _ in 0..<rounds { value = mutate(value, &rng, depth: 0) }
            bytes = value.jsonBytes
            if rng.chance(0.08) { bytes = nest(bytes, &rng) }
            if rng.chance(0.06) { bytes = duplicateKey(bytes, value, &rng) }
            if rng.chance(0.12) { bytes = mutateBytes(bytes, &rng) }
        } else {
            // Byte level, from any seed (mostly the valid ones).
            bytes = rng.chance(0.6) ? rng.pick(validSeeds) : rng.pick(seeds)
            for _ in 0..<(rng.chance(0.5) ? 1 : 2 + rng.below(4)) { bytes = mutateBytes(bytes, &rng) }
        }
        if rng.chance(0.001) {
            bytes += Array(repeating: 0x20, count: JSONParser.defaultMaxBytes + 1 - min(bytes.count, JSONParser.defaultMaxBytes))
        }
        return bytes
    }

    // MARK: Byte level

    func mutateBytes(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let position = rng.below(bytes.count + 1)
        switch rng.below(11) {
        case 0 where !bytes.isEmpty:
            let index = min(position, bytes.count - 1)
            bytes[index] ^= UInt8(1) << UInt8(rng.below(8))
        case 1 where !bytes.isEmpty:
            bytes[min(position, bytes.count - 1)] =
                rng.chance(0.5) ? rng.pick(Self.interestingBytes) : UInt8.random(in: 0...255, using: &rng)
        case 2:
            bytes = Array(bytes.prefix(position))
        case 3:
            let count = 1 + rng.below(8)
            bytes.insert(contentsOf: (0..<count).map { _ in rng.pick(Self.interestingBytes) }, at: position)
        case 4 where !bytes.isEmpty:
            let end = min(bytes.count, position + 1 + rng.below(32))
            bytes.removeSubrange(min(position, end)..<end)
        case 5 where !bytes.isEmpty:
            let start = rng.below(bytes.count)
            let end = min(bytes.count, start + 1 + rng.below(64))
            bytes.insert(contentsOf: bytes[start..<end], at: position)
        case 6:
            let other = rng.pick(seeds)
            bytes = Array(bytes.prefix(position)) + Array(other.suffix(from: rng.below(other.count + 1)))
        case 7:
            bytes.insert(contentsOf: rng.pick(Self.oddUTF8), at: position)
        case 8:
            bytes.insert(contentsOf: Array(rng.pick(Self.tokens).utf8), at: position)
        case 9:
            // Replace a token-ish run (a number, literal or short string) with another token.
            let start = min(position, bytes.count)
            let end = min(bytes.count, start + 1 + rng.below(12))
            bytes.replaceSubrange(start..<end, with: Array(rng.pick(Self.tokens).utf8))
        default:
            bytes.insert(contentsOf: Array(Self.randomString(&rng, length: 1 + rng.below(6)).utf8), at: position)
        }
        return bytes
    }

    /// `[[[ … body … ]]]` or `{"a":{"a": … }}` around the whole body, mostly near the depth limit.
    func nest(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        let depth = rng.chance(0.8) ? JSONParser.defaultMaxDepth - 3 + rng.below(6) : 1 + rng.below(3000)
        if rng.chance(0.5) {
            return Array(repeating: UInt8(ascii: "["), count: depth) + bytes + Array(repeating: UInt8(ascii: "]"), count: depth)
        }
        let open = Array("{\"a\":".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(depth * 6 + bytes.count)
        for _ in 0..<depth { out += open }
        out += bytes
        out += Array(repeating: UInt8(ascii: "}"), count: depth)
        return out
    }

    /// The object with one of its keys written a second time (first-level only).
    func duplicateKey(_ bytes: [UInt8], _ value: JSONValue, _ rng: inout SplitMix64) -> [UInt8] {
        guard case .object(let members) = value, let key = members.keys.sorted().randomElement(using: &rng),
            bytes.first == UInt8(ascii: "{")
        else { return bytes }
        let member = JSONValue.object([key: randomJSON(&rng, depth: 2)]).description
        return [UInt8(ascii: "{")] + Array(member.utf8.dropFirst().dropLast()) + [UInt8(ascii: ",")] + bytes.dropFirst()
    }

    // MARK: JSON level

    func mutate(_ value: JSONValue, _ rng: inout SplitMix64, depth: Int) -> JSONValue {
        switch value {
        case .object(var members) where !members.isEmpty && rng.chance(0.85):
            let keys = members.keys.sorted()
            let key = rng.pick(keys)
            switch rng.below(12) {
            case 0: members[key] = nil
            case 1: members[rng.pick(Self.keys)] = randomJSON(&rng, depth: depth + 1)
            case 2: members[key] = .null
            case 3:
                if let member = members.removeValue(forKey: key) { members[Self.randomKey(&rng)] = member }
            case 4: members[key] = randomJSON(&rng, depth: depth + 1)
            case 5: members[rng.pick(Self.keys)] = .string(rng.pick(words))
            case 6: members[Self.randomKey(&rng)] = randomJSON(&rng, depth: depth + 1)  // an unknown field: ignored
            default: members[key] = mutate(members[key] ?? .null, &rng, depth: depth + 1)
            }
            return .object(members)
        case .array(var elements) where !elements.isEmpty && rng.chance(0.85):
            let index = rng.below(elements.count)
            switch rng.below(6) {
            case 0: elements.remove(at: index)
            case 1: elements.append(contentsOf: Array(repeating: elements[index], count: 1 + rng.below(12)))
            case 2: elements.insert(randomJSON(&rng, depth: depth + 1), at: index)
            default: elements[index] = mutate(elements[index], &rng, depth: depth + 1)
            }
            return .array(elements)
        case .string(let text) where rng.chance(0.8):
            return .string(mutateString(text, &rng))
        case .int(let number) where rng.chance(0.7):
            return .int(rng.pick([number &+ 1, number &- 1, 0 &- number, 0, number &* 1000]))
        case .double(let number) where rng.chance(0.7):
            return .double(rng.pick([number + 0.000001, -number, number * 3, number.rounded(), number.nextUp]))
        case .bool(let flag) where rng.chance(0.5):
            return rng.chance(0.5) ? .bool(!flag) : .string(flag ? "true" : "false")
        default:
            return randomJSON(&rng, depth: depth)
        }
    }

    func mutateString(_ text: String, _ rng: inout SplitMix64) -> String {
        var scalars = Array(text.unicodeScalars)
        switch rng.below(7) {
        case 0:
            let limit = rng.pick([1, 20, 100, 128, 200, 500, 1000, 2000, 4000]) + rng.below(3) - 1
            let unit = rng.pick(["字", "a", " ", "e\u{301}", "\u{3000}", "😀"])
            return String(repeating: unit, count: max(0, limit))
        case 1: return rng.pick(words)
        case 2:
            scalars.insert(Self.randomScalar(&rng), at: rng.below(scalars.count + 1))
        case 3 where !scalars.isEmpty:
            scalars.remove(at: rng.below(scalars.count))
        case 4:
            return rng.pick(["\u{3000}", " ", "\t", "\n", "\u{A0}"]) + text + rng.pick(["", " ", "\u{3000}", "\r\n"])
        case 5:
            return text.uppercased()
        default:
            return Self.randomString(&rng, length: rng.below(40))
        }
        return String(String.UnicodeScalarView(scalars))
    }

    func randomJSON(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        switch rng.below(depth > 3 ? 6 : 8) {
        case 0: return .null
        case 1: return .bool(rng.chance(0.5))
        case 2:
            return .int(
                rng.pick(
                    [0, 1, -1, 2, 10, 20, 50, 51, 100, 101, 128, 4000, 100_000, 100_001, Int.max, Int.min, Int(Int32.max)]
                        + [Int.random(in: -1_000_000...1_000_000, using: &rng)]))
        case 3:
            return .double(
                rng.pick([
                    -0.0, 0.5, 1.5, 90, 90.000001, -90.0000001, 180.0000001, -181, 1e308, -1e308, .leastNonzeroMagnitude, 1e20, 100.0,
                    Double.random(in: -200...200, using: &rng),
                ]))
        case 4: return .string(rng.pick(words))
        case 5: return .string(Self.randomString(&rng, length: rng.chance(0.1) ? rng.below(5000) : rng.below(30)))
        case 6: return .array((0..<rng.below(4)).map { _ in randomJSON(&rng, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<rng.below(4) {
                members[rng.chance(0.7) ? rng.pick(Self.keys) : Self.randomKey(&rng)] = randomJSON(&rng, depth: depth + 1)
            }
            return .object(members)
        }
    }

    static func randomKey(_ rng: inout SplitMix64) -> String {
        rng.chance(0.5) ? rng.pick(keys).uppercased() : randomString(&rng, length: rng.below(12))
    }

    static func randomString(_ rng: inout SplitMix64, length: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length { scalars.append(randomScalar(&rng)) }
        return String(scalars)
    }

    /// Mostly printable; often control characters, white space, combining marks, CJK, emoji,
    /// noncharacters and bidi controls.
    static func randomScalar(_ rng: inout SplitMix64) -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0x20...0x7E, 0x00...0x1F, 0x7F...0x9F, 0x4E00...0x9FFF, 0x0300...0x036F, 0x1F600...0x1F64F, 0xFFF0...0xFFFF,
            0x2000...0x202F, 0x3000...0x3000, 0xFEFF...0xFEFF, 0x10FFFE...0x10FFFF, 0xE000...0xF8FF, 0x80...0x7FF,
        ]
        let range = rng.pick(ranges)
        return Unicode.Scalar(UInt32.random(in: range, using: &rng)) ?? "?"
    }
}
