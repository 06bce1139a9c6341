import Foundation

/// An event envelope as a consumer reads it off `whistle.events` (CONTRACT §5): the header typed
/// and `data` decoded as `Payload`. Producers write `EventEnvelope`; consumers read
/// `Envelope<Payload>` from the body with `init(body:)`, which parses with the strict
/// `JSONParser` (duplicate keys, depth and size limits, errors with a byte offset) and then
/// decodes with `JSONValueDecoder` (errors naming the field).
///
/// A consumer of several types reads `Envelope<JSONValue>` (`ReceivedEvent`) and decodes the
/// payload of each type it acts on with `payload(_:)`; `type` is kept as written, so that a type
/// this version does not know is still read (and skipped or journaled by the consumer). Members
/// the types do not name are ignored.
public struct Envelope<Payload: Decodable & Sendable>: Decodable, Sendable {
    public var eventId: String
    /// The event type as written (the AMQP `type` and routing key).
    public var type: String
    public var occurredAt: Date
    /// The ticket the event is about; nil when absent or null (`hotspot.detected`).
    public var ticketNo: String?
    /// The event's data; an envelope without a `data` member reads as if it were `{}`.
    public var data: Payload

    /// The type, when it is one of this version's.
    public var eventType: EventType? { EventType(rawValue: type) }

    public init(eventId: String, type: String, occurredAt: Date, ticketNo: String?, data: Payload) {
        self.eventId = eventId
        self.type = type
        self.occurredAt = occurredAt
        self.ticketNo = ticketNo
        self.data = data
    }

    /// Reads an envelope from a wire body: `JSONParseError` when the body is not JSON (or breaks
    /// the parser's limits), `JSONDecodeError` when it is JSON but not an envelope of `Payload`.
    public init(body: [UInt8], parser: JSONParser = JSONParser()) throws {
        let value = try parser.parse(body)
        self = try JSONValueDecoder().decode(Envelope.self, from: value)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        eventId = try container.decode(String.self, forKey: .eventId)
        type = try container.decode(String.self, forKey: .type)
        occurredAt = try container.decode(Date.self, forKey: .occurredAt)
        ticketNo = try container.decodeIfPresent(String.self, forKey: .ticketNo)
        if container.contains(.data) {
            data = try container.decode(Payload.self, forKey: .data)
        } else {
            data = try JSONValueDecoder().decode(Payload.self, from: .object([:]), path: "data")
        }
    }

    private enum CodingKeys: String, CodingKey { case eventId, type, occurredAt, ticketNo, data }
}

/// An event whose data is kept as parsed JSON, for consumers of many types and for the journal.
public typealias ReceivedEvent = Envelope<JSONValue>

extension Envelope where Payload == JSONValue {
    /// `data` decoded as `type` (the payload of this event's type); errors name the field with
    /// its wire path (`data.report_count`).
    public func payload<T: Decodable>(_ type: T.Type) throws(JSONDecodeError) -> T {
        try JSONValueDecoder().decode(type, from: data, path: "data")
    }

    /// `data` as compact JSON text.
    public var dataJSON: String { data.description }
}

extension JSONValue: Decodable {
    /// The value itself, as `JSONValueDecoder` read it (no other decoder is supported: the strict
    /// parser is the one way in).
    public init(from decoder: any Decoder) throws {
        guard let decoding = decoder as? ValueDecoding else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a JSONValue is read with JSONValueDecoder"))
        }
        self = decoding.value
    }
}
