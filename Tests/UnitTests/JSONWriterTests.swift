import Foundation
import Testing
import WhistleMessages

/// The hand-written wire JSON must equal Foundation's encoding byte for byte.
@Suite("Wire JSON writer")
struct JSONWriterTests {
    static func foundation<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try WhistleJSON.encoder().encode(value), as: UTF8.self)
    }

    static func fast<T: JSONWritable>(_ value: T) -> String { String(decoding: WhistleJSON.bytes(value), as: UTF8.self) }

    static let source = MessageSource(channel: "grid", externalId: "G-\"1\"\\\n\t\u{1}/", messageId: "m-1")
    static let full = Demand(
        channel: .petition, externalId: "XF-1", submittedAt: Date(timeIntervalSince1970: 1_763_700_000.123), content: "反映\n“城管”执法\t问题",
        title: "标题", category: "XFZX", urgency: .urgent,
        location: Location(address: "望江大道68号", lat: 25.034567, lon: 102.7, grid: "G-1"),
        reporter: Reporter(name: "王", phone: "+86-138", anonymous: true, id: "GW-1"),
        attachments: [Attachment(url: "https://x.example/a.jpg", kind: .image)], line: "12319", callbackRequested: false,
        whistle: Whistle(departments: ["A", "B"], reason: "吹哨"), petition: Petition(form: .visit, kind: .complaint, petitioners: 14, subjectUnit: "XS-CGJ"))

    @Test("demands, with every optional present and with none")
    func demands() throws {
        #expect(Self.fast(Self.full) == (try Self.foundation(Self.full)))
        let bare = Demand(channel: .twelve345, externalId: "1", submittedAt: Date(timeIntervalSince1970: 0), content: "路灯")
        #expect(Self.fast(bare) == (try Self.foundation(bare)))
        var negative = Self.full
        negative.location = Location(lat: -33.5, lon: -180)
        #expect(Self.fast(negative) == (try Self.foundation(negative)))
    }

    @Test("every event payload inside its envelope")
    func events() throws {
        let at = Date(timeIntervalSince1970: 1_763_700_000)
        let accepted = EventEnvelope(
            eventId: "e1", type: .ticketAccepted, occurredAt: at, ticketNo: "W20261121-000001",
            data: TicketAccepted(source: Self.source, category: nil, urgency: .normal, area: "G-1"))
        #expect(Self.fast(accepted) == (try Self.foundation(accepted)))
        let rejected = EventEnvelope(
            eventId: "e2", type: .demandRejected, occurredAt: at, ticketNo: nil,
            data: InboundRejected(
                source: MessageSource(channel: nil, externalId: nil, messageId: "m"),
                errors: [FieldError(field: nil, code: .invalidJSON, message: "bad \"json\""), FieldError(field: "a[0].b", code: .required, message: "x")]))
        #expect(Self.fast(rejected) == (try Self.foundation(rejected)))
        for (category, area) in [(nil, nil), ("SRHJ-ZDJY", nil), (nil, "G-1"), ("SRHJ-ZDJY", "G-1")] as [(String?, String?)] {
            let merged = EventEnvelope(
                eventId: "e3", type: .ticketMerged, occurredAt: at, ticketNo: "W",
                data: TicketMerged(source: Self.source, reportCount: 3, category: category, area: area))
            #expect(Self.fast(merged) == (try Self.foundation(merged)))
        }
        let duplicate = EventEnvelope(eventId: "e4", type: .demandDuplicate, occurredAt: at, ticketNo: "W", data: DemandDuplicate(source: Self.source))
        #expect(Self.fast(duplicate) == (try Self.foundation(duplicate)))
        for comment in [nil, "很满意"] {
            let feedback = EventEnvelope(
                eventId: "e5", type: .feedbackReceived, occurredAt: at, ticketNo: "W",
                data: FeedbackReceived(source: Self.source, satisfaction: "satisfied", resolved: true, comment: comment))
            #expect(Self.fast(feedback) == (try Self.foundation(feedback)))
        }
        let evaluation = EventEnvelope(
            eventId: "e6", type: .evaluationRecorded, occurredAt: at, ticketNo: "W",
            data: EvaluationRecorded(source: Self.source, by: "S-JDB", scores: [.init(department: "A", score: 90), .init(department: "B", score: 0)]))
        #expect(Self.fast(evaluation) == (try Self.foundation(evaluation)))
        let errors = [FieldError(field: "x", code: .tooLong, message: "m")]
        #expect(Self.fast(errors) == (try Self.foundation(errors)))
    }
}
