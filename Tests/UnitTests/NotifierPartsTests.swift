import Foundation
import Testing
import WhistleMessages
import WhistleRuntime

@testable import NotifierService

/// Notifier's pure parts: quiet hours, backoff, local times in texts, the templates, configuration.
@Suite("Notifier parts")
struct NotifierPartsTests {
    @Test("quiet hours wrap midnight; the wait ends at their end")
    func quietHours() throws {
        let night = try #require(QuietHours(setting: "22:00-08:00"))
        #expect(night.contains(minute: 22 * 60) && night.contains(minute: 23 * 60 + 59) && night.contains(minute: 7 * 60 + 59))
        #expect(!night.contains(minute: 8 * 60) && !night.contains(minute: 12 * 60) && !night.contains(minute: 21 * 60 + 59))
        #expect(night.minutesUntilEnd(from: 23 * 60) == 9 * 60)
        #expect(night.minutesUntilEnd(from: 30) == 7 * 60 + 30)
        #expect(night.minutesUntilEnd(from: 9 * 60) == 0)
        let lunch = try #require(QuietHours(setting: "12:00-13:30"))
        #expect(lunch.contains(minute: 12 * 60 + 15) && !lunch.contains(minute: 13 * 60 + 30))
        for bad in ["22:00", "25:00-08:00", "08:00-08:00", "8-9", "22:00-08:60"] { #expect(QuietHours(setting: bad) == nil, "\(bad)") }
    }

    @Test("backoff doubles per attempt, with jitter between a tenth and the bound, capped at 10 minutes")
    func backoff() {
        for attempt in 1...20 {
            let bound = min(600.0, 0.2 * pow(2, Double(attempt - 1)))
            for _ in 0..<50 {
                let delay = Backoff.delay(attempt: attempt, baseMilliseconds: 200)
                #expect(delay >= bound / 10 && delay <= bound, "attempt \(attempt): \(delay)")
            }
        }
    }

    @Test("texts show local times; a deadline at midnight reads as 24:00 of the day before")
    func localTimes() {
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        #expect(NotificationRules.time(RFC3339.parse("2026-11-25T02:00:00.000Z")!, zone) == "11月25日 10:00")
        #expect(NotificationRules.time(RFC3339.parse("2026-11-27T16:00:00.000Z")!, zone) == "11月27日 24:00")
        #expect(NotificationRules.time(RFC3339.parse("2026-11-27T15:59:59.000Z")!, zone) == "11月27日 23:59")
        #expect(NotificationRules.date(Date(timeIntervalSince1970: 1_798_732_800), zone) == "1月1日")
    }

    @Test("every template renders without HTML escaping, and an override folder replaces one")
    func templates() throws {
        let bundled = try Templates(overrides: nil)
        #expect(bundled.render("citizen_closed", ["ticket_no": "W20261118-000001"]) == "【云城12345】感谢您的评价，工单W20261118-000001已办结归档。")
        #expect(
            bundled.render("street_report", ["department_name": "A&B<局>", "action_name": "办结", "ticket_no": "W1", "title": "\"x\""])
                == "【报到反馈】A&B<局>已办结工单W1（\"x\"）。")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("{{% CONTENT_TYPE: TEXT}}\n工单{{ticket_no}}已归档，谢谢。\n".utf8).write(
            to: folder.appendingPathComponent("citizen_closed.mustache"))
        let edited = try Templates(overrides: folder.path)
        #expect(edited.render("citizen_closed", ["ticket_no": "W1"]) == "工单W1已归档，谢谢。")
        #expect(edited.render("citizen_merged", ["ticket_no": "W1"]).hasPrefix("【云城12345】"), "the others stay bundled")
        try Data("{{#broken}}".utf8).write(to: folder.appendingPathComponent("citizen_result.mustache"))
        #expect(throws: NotifierError.self) { try Templates(overrides: folder.path) }
    }

    @Test("an endpoint needs the signing secret; bad values name their variable")
    func configuration() throws {
        let url = ["WHISTLE_NOTIFY_CITIZEN_URL": "https://127.0.0.1:9/citizen"]
        #expect(throws: ConfigurationError.self) { try NotifierConfiguration(environment: url) }
        let ok = try NotifierConfiguration(environment: url.merging(["WHISTLE_NOTIFY_SECRET": "s"]) { $1 })
        #expect(ok.endpoints == [.citizen: "https://127.0.0.1:9/citizen"] && ok.quietHours == QuietHours(start: 1320, end: 480))
        #expect(try NotifierConfiguration(environment: ["WHISTLE_NOTIFY_QUIET_HOURS": "none"]).quietHours == nil)
        #expect(throws: ConfigurationError.self) { try NotifierConfiguration(environment: ["WHISTLE_NOTIFY_SUPERVISOR_URL": "ftp://x"]) }
        #expect(throws: ConfigurationError.self) { try NotifierConfiguration(environment: ["WHISTLE_NOTIFY_QUIET_HOURS": "late"]) }
    }
}
