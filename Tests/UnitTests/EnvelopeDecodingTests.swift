import Foundation
import Testing
import WhistleMessages

/// Consumers read events as `Envelope<Payload>`: the strict parser's guarantees, then typed
/// decoding whose errors name the field.
@Suite("Typed event envelopes")
struct EnvelopeDecodingTests {
    static let at = Date(timeIntervalSince1970: 1_763_700_000)
    static let source = MessageSource(channel: "12345", externalId: "X-1", messageId: "m-1")

    static func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The envelope of `data` (a JSON object's text), with `extra` members after the header.
    static func envelope(type: String = "ticket.merged", data: String, extra: String = "") -> [UInt8] {
        body(
            #"{"event_id":"e-1","type":""# + type + #"","occurred_at":"2026-11-21T08:30:00+08:00","ticket_no":"W20261121-000001","#
                + extra + #""data":"# + data + "}")
    }

    static func parseError(_ body: [UInt8]) -> JSONParseError? {
        do {
            _ = try ReceivedEvent(body: body)
            return nil
        } catch {
            return error as? JSONParseError
        }
    }

    @Test("an envelope decodes with its payload typed; members the types do not name are ignored")
    func typed() throws {
        let body = Self.envelope(
            data: #"{"source":{"channel":"12345","external_id":"X-1","message_id":"m-1","relay":"x"},"report_count":3,"later":[1]}"#,
            extra: #""producer":"intake","#)
        let event = try Envelope<TicketMerged>(body: body)
        #expect(event.eventId == "e-1" && event.eventType == .ticketMerged && event.ticketNo == "W20261121-000001")
        #expect(event.occurredAt == RFC3339.parse("2026-11-21T00:30:00Z"))
        #expect(event.data == TicketMerged(source: Self.source, reportCount: 3))
        let received = try ReceivedEvent(body: body)
        #expect(try received.payload(TicketMerged.self) == event.data)
        #expect(received.dataJSON.hasPrefix(#"{"later":[1],"report_count":3,"#))
    }

    @Test(
        "what producers write, consumers read back equal", arguments: [EventType.ticketDispatched, .assignmentCompleted, .hotspotDetected])
    func roundTrip(type: EventType) throws {
        let due = Self.at.addingTimeInterval(3600)
        switch type {
        case .ticketDispatched:
            let data = TicketDispatched(
                round: 2,
                assignments: [
                    DispatchedAssignment(assignmentId: "a", department: "XS-CGJ", role: "lead", ackDue: Self.at, resolveDue: due)
                ],
                category: nil, rule: "category")
            try Self.expectRoundTrip(type, data)
        case .assignmentCompleted:
            try Self.expectRoundTrip(
                type, AssignmentEvent(assignmentId: "a", department: "XS-CGJ", role: "co", onTime: true, result: "修好了\n\"完毕\""))
        default:
            let data = HotspotDetected(
                area: "G-1", category: "C", count: 12, baseline: 2, threshold: 5.5, window: "24h", windowStart: Self.at, windowEnd: due)
            try Self.expectRoundTrip(type, data)
        }
    }

    static func expectRoundTrip<T: Codable & Sendable & Hashable>(_ type: EventType, _ data: T) throws {
        let written = EventEnvelope(eventId: "e-9", type: type, occurredAt: at, ticketNo: nil, data: data)
        let read = try Envelope<T>(body: Array(try WhistleJSON.encode(written)))
        #expect(read.data == data && read.eventId == "e-9" && read.type == type.rawValue && read.ticketNo == nil && read.occurredAt == at)
    }

    @Test("a duplicate key is the parser's error, at the second key")
    func duplicateKey() throws {
        let text = #"{"event_id":"e-1","type":"ticket.merged","event_id":"e-2","occurred_at":"2026-11-21T08:30:00+08:00"}"#
        let offset = text.utf8.count - #""event_id":"e-2","occurred_at":"2026-11-21T08:30:00+08:00"}"#.utf8.count
        #expect(Self.parseError(Self.body(text)) == JSONParseError(offset: offset, message: #"duplicate key "event_id""#))
        let nested = Self.envelope(data: #"{"report_count":3,"report_count":4}"#)
        #expect(Self.parseError(nested)?.message == #"duplicate key "report_count""#)
    }

    @Test("nesting deeper than the parser's limit is its error")
    func depth() throws {
        let deep = String(repeating: "[", count: JSONParser.defaultMaxDepth) + String(repeating: "]", count: JSONParser.defaultMaxDepth)
        #expect(Self.parseError(Self.envelope(data: deep))?.message == "nesting deeper than \(JSONParser.defaultMaxDepth) levels")
        let fits =
            String(repeating: "[", count: JSONParser.defaultMaxDepth - 1) + String(repeating: "]", count: JSONParser.defaultMaxDepth - 1)
        #expect(try ReceivedEvent(body: Self.envelope(data: fits)).data.arrayValue != nil)
    }

    @Test("a body larger than the parser's limit is its error")
    func size() throws {
        let padding = String(repeating: "x", count: JSONParser.defaultMaxBytes)
        let body = Self.envelope(data: #"{"note":""# + padding + #""}"#)
        let limit = JSONParser.defaultMaxBytes
        #expect(Self.parseError(body) == JSONParseError(offset: limit, message: "body is larger than \(limit) bytes"))
        #expect(try ReceivedEvent(body: body, parser: JSONParser(maxBytes: body.count)).eventId == "e-1")
    }

    @Test("a value of the wrong type is an error naming the field by its wire path")
    func wrongType() throws {
        let merged = try ReceivedEvent(body: Self.envelope(data: #"{"source":{"message_id":"m"},"report_count":"3"}"#))
        #expect(throws: JSONDecodeError(path: "data.report_count", message: "must be an integer, not string")) {
            try merged.payload(TicketMerged.self)
        }
        let fraction = try ReceivedEvent(body: Self.envelope(data: #"{"source":{"message_id":"m"},"report_count":2.5}"#))
        #expect(throws: JSONDecodeError(path: "data.report_count", message: "must be an integer, got 2.5")) {
            try fraction.payload(TicketMerged.self)
        }
        let missing = try ReceivedEvent(body: Self.envelope(data: #"{"source":{"channel":"grid"},"report_count":2}"#))
        #expect(throws: JSONDecodeError(path: "data.source.message_id", message: "is required")) { try missing.payload(TicketMerged.self) }
        let round = try ReceivedEvent(body: Self.envelope(data: #"{"round":1,"rule":"r","assignments":[{"assignment_id":"a"}]}"#))
        #expect(throws: JSONDecodeError(path: "data.assignments[0].department", message: "is required")) {
            try round.payload(TicketDispatched.self)
        }
        let late = try ReceivedEvent(body: Self.envelope(data: #"{"feedback_due":"tomorrow"}"#))
        #expect(
            throws: JSONDecodeError(
                path: "data.feedback_due", message: "must be an RFC 3339 timestamp with an offset, such as 2026-11-21T08:30:00+08:00")
        ) {
            try late.payload(TicketResolved.self)
        }
        let urgency = try ReceivedEvent(body: Self.envelope(data: #"{"source":{"message_id":"m"},"urgency":"soon"}"#))
        let error = try #require(throws: JSONDecodeError.self) { try urgency.payload(TicketAccepted.self) }
        #expect(error.path == "data.urgency")
    }

    @Test("the header is checked too: an array, a missing id, a number for a time")
    func header() throws {
        #expect(throws: JSONDecodeError(path: "", message: "must be an object, not array")) { try ReceivedEvent(body: Self.body("[]")) }
        #expect(throws: JSONDecodeError(path: "event_id", message: "is required")) {
            try ReceivedEvent(body: Self.body(#"{"type":"x","occurred_at":"2026-11-21T08:30:00+08:00"}"#))
        }
        #expect(throws: JSONDecodeError(path: "occurred_at", message: "must be an RFC 3339 timestamp, not number")) {
            try ReceivedEvent(body: Self.body(#"{"event_id":"e","type":"x","occurred_at":1}"#))
        }
        #expect(JSONDecodeError(path: "", message: "must be an object, not array").description == "(message): must be an object, not array")
    }

    @Test("a type this version does not know is read as written; a missing data reads as {} and a null ticket as none")
    func unknownType() throws {
        let event = try ReceivedEvent(
            body: Self.body(#"{"event_id":"e","type":"ticket.teleported","occurred_at":"2026-11-21T08:30:00Z","ticket_no":null}"#))
        #expect(event.type == "ticket.teleported" && event.eventType == nil && event.ticketNo == nil)
        #expect(event.data == .object([:]) && event.dataJSON == "{}")
        #expect(try event.payload(TicketResolved.self) == TicketResolved(feedbackDue: nil))
        let resolved = try Envelope<TicketResolved>(
            body: Self.body(#"{"event_id":"e","type":"ticket.resolved","occurred_at":"2026-11-21T08:30:00Z"}"#))
        #expect(resolved.data.feedbackDue == nil)
    }

    @Test("the one escaper writes what JSONEncoder writes")
    func escaper() throws {
        let text = "引号\"反斜杠\\/斜杠\n\r\t\u{08}\u{0C}\u{00}\u{1F}\u{7F}😀"
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        #expect(JSONString.quoted(text) == String(decoding: try encoder.encode(text), as: UTF8.self))
        #expect(JSONString.quoted(text) == JSONValue.string(text).description)
        #expect(try JSONParser().parse(JSONString.quoted(text)) == .string(text))
    }
}
