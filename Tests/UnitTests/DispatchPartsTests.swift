import Foundation
import Testing
import WhistleDomain
import WhistleMessages
import WhistleRuntime

/// The small pure parts the dispatch flow adds: the triage routing validator, the default
/// deadline policies, the time-source setting and the bigram profiles merging compares.
@Suite("Dispatch parts")
struct DispatchPartsTests {
    let codes = ReferenceCodes(
        categories: ["SZSS-DLPS"], grids: ["G-QS-SQ-01"], departments: ["XS-ZJJ", "XS-CGJ", "QS-JDB"], streetOffices: ["QS-JDB"])

    func pairs(_ body: String) -> [String] {
        guard case .invalid(let errors) = TriageRouteValidator(reference: codes).validate(body: Array(body.utf8)) else { return [] }
        return errors.map { "\($0.field ?? "-"):\($0.code.rawValue)" }
    }

    @Test("a triage routing names a ticket, a known lead and distinct known co-departments")
    func triageRoute() {
        let valid = #"{"ticket_no":"W20261118-000001","lead":"XS-ZJJ","co":["QS-JDB"],"note":"按属地原则"}"#
        guard case .valid(let route) = TriageRouteValidator(reference: codes).validate(body: Array(valid.utf8)) else {
            Issue.record("a valid routing was refused")
            return
        }
        #expect(route == TriageRoute(ticketNo: "W20261118-000001", lead: "XS-ZJJ", co: ["QS-JDB"], note: "按属地原则"))
        #expect(pairs(#"{"ticket_no":"W1","lead":"XS-NONE"}"#) == ["ticket_no:invalid_format", "lead:unknown_code"])
        #expect(
            pairs(#"{"ticket_no":"W20261118-000001","lead":"XS-ZJJ","co":["XS-ZJJ","XS-CGJ","XS-CGJ"]}"#) == [
                "co[0]:invalid_value", "co[2]:invalid_value",
            ])
        #expect(pairs(#"{"lead":"XS-ZJJ","co":"XS-CGJ"}"#) == ["ticket_no:required", "co:invalid_type"])
        #expect(pairs("not json") == ["-:invalid_json"])
    }

    @Test("every channel × urgency has a default policy, and a seeded row wins over it")
    func defaultPolicies() throws {
        #expect(DeadlinePolicy.defaults.count == Channel.allCases.count * Urgency.allCases.count)
        let petition = DeadlinePolicies([]).policy(channel: .petition, urgency: .normal)
        #expect(petition.extensionWindow?.description == "30d")
        #expect(DeadlinePolicies([]).policy(channel: .grid, urgency: .normal).resolve.description == "3wd")
        let faster = try DeadlinePolicy.parse(channel: .grid, urgency: .normal, acknowledge: "30m", resolve: "2wd")
        let policies = DeadlinePolicies([faster])
        #expect(policies.policy(channel: .grid, urgency: .normal) == faster)
        #expect(policies.policy(channel: .hotline, urgency: .urgent).acknowledge.description == "30m")
    }

    @Test("WHISTLE_CLOCK is system or file:<path>; a file clock reads the file on every call")
    func clockSetting() throws {
        #expect(WhistleClock(setting: "")?.source == .system)
        #expect(WhistleClock(setting: "system")?.source == .system)
        #expect(WhistleClock(setting: "file:/tmp/x")?.source == .file("/tmp/x"))
        #expect(WhistleClock(setting: "file:") == nil)
        #expect(WhistleClock(setting: "ntp") == nil)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("clock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: path) }
        let clock = WhistleClock(.file(path.path))
        try Data("2026-10-01T08:00:00+08:00\n".utf8).write(to: path)
        #expect(clock.now() == Date(timeIntervalSince1970: 1_790_812_800))
        try Data("2026-10-01T00:00:00.250Z".utf8).write(to: path)
        #expect(clock.now() == Date(timeIntervalSince1970: 1_790_812_800.25))
        try Data("garbage".utf8).write(to: path)
        #expect(abs(clock.now().timeIntervalSinceNow) < 5, "an unreadable file falls back to the system clock")
    }

    /// Dice computed independently with a dictionary of bigram counts.
    static func reference(_ a: String, _ b: String) -> Double {
        let x = TextSimilarity.normalizedScalars(a).map(\.value), y = TextSimilarity.normalizedScalars(b).map(\.value)
        guard x.count >= 2, y.count >= 2 else { return !x.isEmpty && x == y ? 1 : 0 }
        var counts: [String: Int] = [:]
        for i in 0..<(x.count - 1) { counts["\(x[i]),\(x[i + 1])", default: 0] += 1 }
        var shared = 0
        for i in 0..<(y.count - 1) {
            let key = "\(y[i]),\(y[i + 1])"
            if let left = counts[key], left > 0 {
                counts[key] = left - 1
                shared += 1
            }
        }
        return Double(2 * shared) / Double(x.count + y.count - 2)
    }

    @Test("bigram profiles give the multiset Dice of the texts, on 2,000 seeded random pairs")
    func profiles() {
        var generator = SeededGenerator(seed: 20_261_122)
        let alphabet = Array("路面塌陷大坑井盖破损噪声扰民占道经营，。 ABab12")
        for _ in 0..<2000 {
            let a = String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            let b = String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            let fast = TextSimilarity.bigramDice(TextSimilarity.BigramProfile(text: a), TextSimilarity.BigramProfile(text: b))
            #expect(abs(fast - Self.reference(a, b)) < 1e-12, "\(a) | \(b)")
        }
        #expect(TextSimilarity.bigramDice("啊", "啊") == 1)
        #expect(TextSimilarity.bigramDice("啊", "啊啊") == 0)
    }
}
