import Foundation
import Testing
import WhistleDomain

/// `RetentionPolicy`: when a demand's raw body and reporter are cleared (`WHISTLE_RAW_BODY_DAYS`).
@Suite struct RetentionPolicyTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)
    static func daysAgo(_ days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }

    @Test("days outside 1…3650 are refused; the default is 30")
    func bounds() {
        #expect(RetentionPolicy(days: 0) == nil && RetentionPolicy(days: -1) == nil && RetentionPolicy(days: 3651) == nil)
        #expect(RetentionPolicy(days: 1)?.days == 1 && RetentionPolicy(days: 3650)?.days == 3650)
        #expect(RetentionPolicy.defaultDays == 30 && RetentionPolicy.standard.days == 30)
    }

    @Test("the cutoff lies that many 24-hour days before now")
    func cutoff() throws {
        let policy = try #require(RetentionPolicy(days: 30))
        #expect(policy.cutoff(now: Self.now) == Self.daysAgo(30))
        #expect(try #require(RetentionPolicy(days: 1)).cutoff(now: Self.now) == Self.now.addingTimeInterval(-86_400))
    }

    @Test("a closed ticket's demand is due once both its closing and its arrival are older than the cutoff")
    func closedTickets() throws {
        let policy = try #require(RetentionPolicy(days: 30))
        #expect(policy.isDue(receivedAt: Self.daysAgo(60), hasTicket: true, closedAt: Self.daysAgo(31), now: Self.now))
        #expect(!policy.isDue(receivedAt: Self.daysAgo(60), hasTicket: true, closedAt: Self.daysAgo(29), now: Self.now), "closed recently")
        #expect(!policy.isDue(receivedAt: Self.daysAgo(60), hasTicket: true, closedAt: nil, now: Self.now), "still open")
        #expect(!policy.isDue(receivedAt: Self.daysAgo(2), hasTicket: true, closedAt: Self.daysAgo(90), now: Self.now), "a late duplicate")
        let atCutoff = policy.isDue(receivedAt: Self.daysAgo(60), hasTicket: true, closedAt: Self.daysAgo(30), now: Self.now)
        #expect(!atCutoff, "exactly at the cutoff")
    }

    @Test("a demand without a ticket (rejected) is due when it is older than the cutoff")
    func rejectedDemands() throws {
        let policy = try #require(RetentionPolicy(days: 7))
        #expect(policy.isDue(receivedAt: Self.daysAgo(8), hasTicket: false, closedAt: nil, now: Self.now))
        #expect(!policy.isDue(receivedAt: Self.daysAgo(6), hasTicket: false, closedAt: nil, now: Self.now))
    }
}
