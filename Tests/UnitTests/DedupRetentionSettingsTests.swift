import Testing
import WhistleRuntime

@testable import WhistleReliability

/// `WHISTLE_DEDUP_*`: how long each service keeps its bookkeeping rows and how it deletes them;
/// the retained tables and the heap position a retention pass walks by.
@Suite("Bookkeeping retention settings")
struct DedupRetentionSettingsTests {
    @Test("defaults: 7 days, 2,000 rows a transaction, 200 ms between transactions, hourly passes; every service reads them")
    func defaults() throws {
        let settings = try DedupRetentionSettings(environment: [:])
        #expect(settings == .standard)
        #expect(settings.days == 7 && settings.batch == 2000 && settings.pauseMilliseconds == 200)
        #expect(settings.intervalMilliseconds == 3_600_000)
        let service = try ServiceConfiguration(serviceName: "notifier", defaultPort: 8083, environment: ["WHISTLE_DEDUP_DAYS": "14"])
        #expect(service.dedupRetention.days == 14 && service.dedupRetention.batch == 2000)
    }

    @Test("every variable is read")
    func overrides() throws {
        let settings = try DedupRetentionSettings(environment: [
            "WHISTLE_DEDUP_DAYS": "30", "WHISTLE_DEDUP_BATCH": "500", "WHISTLE_DEDUP_PAUSE_MS": "0", "WHISTLE_DEDUP_INTERVAL_MS": "60000",
        ])
        #expect(settings == DedupRetentionSettings(days: 30, batch: 500, pauseMilliseconds: 0, intervalMilliseconds: 60_000))
    }

    @Test("each service deletes only its own rows: the inbox by its consumers, the journal by consumer, whole tables it owns alone")
    func tables() {
        let inbox = RetainedTable.inbox(consumers: ["intake", "intake-points"])
        #expect(inbox.table == "inbox" && inbox.owners == ["intake", "intake-points"])
        #expect(RetainedTable.eventJournal(consumers: ["notifier"]).owners == ["notifier"])
        #expect(RetainedTable.evaluatorApplied.owners.isEmpty && RetainedTable.finishedTimers.owners.isEmpty)
        #expect(RetainedTable.finishedTimers.oldRow.contains("fired_at") && !RetainedTable.finishedTimers.oldRow.contains("due_at"))
        #expect(inbox.lockKey != RetainedTable.inbox(consumers: ["dispatcher"]).lockKey, "services sweep the inbox side by side")
        #expect(
            inbox.lockKey == RetainedTable.inbox(consumers: ["intake-points", "intake"]).lockKey, "instances of one service share one lock")
    }

    @Test("a heap position reads PostgreSQL's tid text and writes it back")
    func pageCursor() {
        #expect(PageCursor(tid: "(12,7)") == PageCursor(block: 12, offset: 7))
        #expect(PageCursor(tid: "(0,1)")?.tid == "(0,1)")
        #expect(PageCursor.start.tid == "(0,0)")
        #expect(PageCursor(tid: "12,x") == nil && PageCursor(tid: "") == nil)
    }
}
