import Foundation
import Testing
import WhistleDomain
import WhistleMessages

@Suite("Intake decisions")
struct IntakePlanTests {
    func demand(_ channel: Channel, _ externalId: String) -> Demand {
        Demand(channel: channel, externalId: externalId, submittedAt: Date(timeIntervalSince1970: 0), content: "路灯不亮")
    }

    @Test("new keys open, known keys are duplicates of their ticket, repeats in a batch point at the first")
    func decide() {
        let items: [(channel: Channel?, result: DemandValidation)] = [
            (.twelve345, .valid(demand(.twelve345, "A"))),
            (.twelve345, .valid(demand(.twelve345, "B"))),
            (.twelve345, .valid(demand(.twelve345, "A"))),
            (.hotline, .valid(demand(.hotline, "A"))),
            (.grid, .invalid(externalId: "G", errors: [FieldError(field: "content", code: .required, message: "x")])),
            (nil, .invalid(externalId: nil, errors: [IntakePlan.unknownRoutingKey("demand.fax")])),
        ]
        let existing = [DemandKey(channel: .twelve345, externalId: "B"): "W20261121-000007"]
        let decisions = IntakePlan.decide(items, existing: existing)
        #expect(decisions[0] == .open(demand(.twelve345, "A")))
        #expect(decisions[1] == .duplicate(demand(.twelve345, "B"), ticketNo: "W20261121-000007"))
        #expect(decisions[2] == .duplicateOfBatch(demand(.twelve345, "A"), index: 0))
        #expect(decisions[3] == .open(demand(.hotline, "A")), "the same external id on another channel is another demand")
        #expect(
            decisions[4] == .reject(channel: .grid, externalId: "G", errors: [FieldError(field: "content", code: .required, message: "x")]))
        guard case .reject(nil, nil, let errors) = decisions[5] else {
            Issue.record("expected a rejection")
            return
        }
        #expect(errors.first?.code == .unknownCode)
    }

    @Test("routing keys name channels only as demand.<channel>")
    func channels() {
        #expect(Channel(routingKey: "demand.12345") == .twelve345)
        #expect(Channel(routingKey: "demand.petition") == .petition)
        #expect(Channel(routingKey: "demand.") == nil)
        #expect(Channel(routingKey: "12345") == nil)
        #expect(Channel.demandChannels.map(\.routingKey) == ["demand.hotline", "demand.12345", "demand.grid", "demand.petition"])
    }
}

@Suite("Ticket numbers")
struct TicketNumberTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    @Test("the local date of acceptance, not the UTC date")
    func localDate() throws {
        let lateUTC = try #require(RFC3339.parse("2026-11-21T17:30:00Z"))  // 01:30 on the 22nd in Shanghai
        #expect(TicketNumber.isoDay(of: lateUTC, in: shanghai) == "2026-11-22")
        #expect(TicketNumber.isoDay(of: lateUTC, in: TimeZone(identifier: "UTC")!) == "2026-11-21")
        let day = TicketNumber.localDay(of: lateUTC, in: shanghai)
        #expect(TicketNumber.format(year: day.year, month: day.month, day: day.day, sequence: 123) == "W20261122-000123")
    }

    @Test("valid numbers have exactly W, eight digits, a dash and six digits")
    func validity() {
        #expect(TicketNumber.isValid("W20261121-000123"))
        for bad in ["W20261121-00012", "W20261121-0001234", "X20261121-000123", "W2026112A-000123", "W20261121_000123", ""] {
            #expect(!TicketNumber.isValid(bad), "\(bad)")
        }
    }
}

@Suite("RFC 3339")
struct RFC3339Tests {
    @Test("offsets are applied; fractions kept; Z and lower-case accepted")
    func parse() throws {
        let a = try #require(RFC3339.parse("2026-11-21T08:30:00+08:00"))
        let b = try #require(RFC3339.parse("2026-11-21T00:30:00Z"))
        #expect(a == b)
        let c = try #require(RFC3339.parse("2026-11-21t00:30:00.250z"))
        #expect(c.timeIntervalSince(b) == 0.25)
        #expect(RFC3339.parse("2026-11-21T00:30:00-05:30")?.timeIntervalSince(b) == 5.5 * 3600)
    }

    @Test(
        "impossible or incomplete timestamps are refused",
        arguments: [
            "2026-02-30T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T08:30:00", "2026-11-21", "2026-13-01T00:00:00Z",
            "2026-11-21T08:30:00+8:00", "2026-11-21T08:30:00.Z", "２０２６-11-21T08:30:00Z",
        ])
    func refused(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test("format and parse round-trip to the millisecond, leap days included")
    func roundTrip() throws {
        for text in ["2024-02-29T23:59:59.999Z", "1999-12-31T00:00:00.000Z", "2026-11-21T08:30:00.123Z"] {
            let date = try #require(RFC3339.parse(text))
            #expect(RFC3339.format(date) == text)
        }
        let date = try #require(RFC3339.parse("2026-11-21T08:30:00Z"))
        #expect(RFC3339.format(date, offsetSeconds: 8 * 3600) == "2026-11-21T16:30:00+08:00")
    }
}

@Suite("Demand body limit")
struct DemandBodyLimitTests {
    @Test("up to 64 KiB a body is read and kept whole; beyond, too_large with its length and digest, and 4 KiB kept")
    func limit() {
        #expect(DemandBodyLimit.problem(byteCount: 65_536, sha256: "ab") == nil)
        let problem = DemandBodyLimit.problem(byteCount: 65_537, sha256: "ab12")
        #expect(problem?.code == .tooLarge && problem?.code.rawValue == "too_large" && problem?.field == nil)
        #expect(problem?.message.contains("65537 bytes (sha256 ab12)") == true)
        let small = [UInt8](repeating: 1, count: 65_536)
        #expect(DemandBodyLimit.stored(small) == small)
        let large = [UInt8](repeating: 2, count: 2_000_000)
        #expect(DemandBodyLimit.stored(large) == [UInt8](repeating: 2, count: 4_096))
    }
}
