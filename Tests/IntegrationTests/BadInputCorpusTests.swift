import Foundation
import Testing
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Tests/Corpus/bad-input.jsonl through the whole flow: every message in it is invalid, or not
/// allowed against the state it meets, so each must be answered by exactly one rejection event
/// that lists its errors, and none may change a ticket, an assignment, feedback or an evaluation.
@Suite struct BadInputCorpusTests {
    static let start = "2026-11-21T12:00:00+08:00"

    @Test func everyBadMessageIsRejectedOnceStoredAndChangesNothing() async throws {
        let corpus = try BadInputCorpus.load()
        #expect(corpus.count >= 200, "the corpus holds \(corpus.count) messages")
        let began = ContinuousClock.now
        try await FlowHarness.run("corpus", start: Self.start) { flow in
            let baseline = try await Self.openBaseline(flow)
            let before = try await DatabaseState.read(flow.sandbox)
            let run = UUID().uuidString.prefix(8).lowercased()
            let messages = corpus.enumerated().map { index, entry in
                entry.resolved(with: baseline, messageId: "corpus-\(run)-\(String(format: "%04d", index))")
            }

            try await flow.adapter.publish(
                messages.filter { $0.entry.exchange == Exchange.intake }.map { ($0.routingKey, $0.body, $0.messageId) })
            let replies = messages.filter { $0.entry.exchange == Exchange.replies }
            try await RawReplies.publish(replies, sandbox: flow.sandbox)

            let ids = Set(messages.map(\.messageId))
            try await flow.events.waitFor("an answer to each of the \(ids.count) corpus messages", timeout: .seconds(90)) { all in
                ids.isSubset(of: Set(all.flatMap(Self.answeredMessageIds)))
            }
            // Anything answered twice would arrive shortly after the first answer.
            try await flow.events.drain(milliseconds: 1500)
            var answers: [String: [[String: Any]]] = [:]
            for event in flow.events.all {
                for id in Self.answeredMessageIds(event) where ids.contains(id) { answers[id, default: []].append(event) }
            }

            var perType: [String: Int] = [:]
            for message in messages {
                let found = answers[message.messageId] ?? []
                let label = "\(message.entry.name) [\(message.messageId)]"
                guard found.count == 1, let event = found.first else {
                    Issue.record("\(label): expected one \(message.entry.expectedEvent.rawValue), got \(found.map { $0["type"] ?? "?" })")
                    continue
                }
                let type = event["type"] as? String ?? "?"
                perType[type, default: 0] += 1
                #expect(type == message.entry.expectedEvent.rawValue, "\(label): answered by \(type): \(event)")
                Self.checkErrors(event, of: message, label: label)
            }

            try await Self.checkDatabase(flow.sandbox, before: before, messages: messages)
            for service in ["intake", "dispatcher", "notifier", "evaluator"] {
                let (status, _) = try await HTTP.get("http://127.0.0.1:\(flow.port(service))/healthz")
                #expect(status == 200, "\(service) is unhealthy after the corpus")
            }

            let intake = messages.filter { $0.entry.exchange == Exchange.intake }.count
            let counts = perType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let seconds = (ContinuousClock.now - began).components.seconds
            print(
                "bad-input corpus: \(messages.count) messages (\(intake) on whistle.intake, \(messages.count - intake) on whistle.replies); "
                    + "rejections: \(counts); \(seconds) s including the flow's start")
        }
    }

    /// The inbound messages an event answers: `data.source.message_id` (intake's outcomes and
    /// every rejection) or `data.message_id` (an assignment event caused by a reply).
    static func answeredMessageIds(_ event: [String: Any]) -> [String] {
        [event.sourceMessageId, event.data["message_id"] as? String].compactMap { $0 }
    }

    /// Every rejection lists errors, each with a code and a message, among them every expected code;
    /// `data.source` and (for replies) `data.department` echo the message.
    static func checkErrors(_ event: [String: Any], of message: ResolvedMessage, label: String) {
        let errors = event.data["errors"] as? [[String: Any]] ?? []
        #expect(!errors.isEmpty, "\(label): no errors in \(event)")
        for error in errors {
            let code = error["code"] as? String ?? ""
            let text = error["message"] as? String ?? ""
            #expect(!code.isEmpty && !text.isEmpty, "\(label): an error without code or message: \(error)")
            #expect(error.keys.contains("field"), "\(label): an error without field: \(error)")
        }
        let codes = Set(errors.compactMap { $0["code"] as? String })
        for expected in message.entry.expectCodes {
            #expect(codes.contains(expected), "\(label): \(expected) not among \(errors)")
        }
        let source = event.data["source"] as? [String: Any] ?? [:]
        #expect(source["message_id"] as? String == message.messageId, "\(label)")
        if message.entry.exchange == Exchange.replies {
            let department =
                message.routingKey.hasPrefix(TriageRoute.routingKeyPrefix)
                ? String(message.routingKey.dropFirst(TriageRoute.routingKeyPrefix.count)) : message.routingKey
            #expect(event.data["department"] as? String == department, "\(label): department in \(event.data)")
        } else if message.entry.expectedEvent == .demandRejected {
            let channel = Channel(routingKey: message.routingKey)?.rawValue
            #expect(source["channel"] as? String == channel, "\(label): source \(source)")
        }
    }

    /// Nothing the corpus sent created or changed tickets, assignments, feedback or evaluations;
    /// every demand is stored as rejected with its raw body, byte for byte (its first 4 KiB when over
    /// the 64 KiB limit); no message failed.
    static func checkDatabase(_ sandbox: TestSandbox, before: DatabaseState, messages: [ResolvedMessage]) async throws {
        let after = try await DatabaseState.read(sandbox)
        #expect(after == before, "the corpus changed the flow's tables:\nbefore \(before)\nafter  \(after)")
        let demands = messages.filter { $0.entry.expectedEvent == .demandRejected }
        let ids = demands.map(\.messageId)
        let stored = try await sandbox.withDatabase { connection in
            try connection.query(
                "SELECT message_id, outcome, raw_body, ticket_no IS NULL, errors IS NOT NULL, routing_key FROM demands WHERE message_id = ANY($1::text[])",
                [ids]
            ).map { row in
                (
                    id: try row.decode(0, as: String.self), outcome: try row.decode(1, as: String.self),
                    body: try row.decode(2, as: Data.self),
                    noTicket: try row.decode(3, as: Bool.self), hasErrors: try row.decode(4, as: Bool.self),
                    routingKey: try row.decode(5, as: String.self)
                )
            }
        }
        let byId = Dictionary(stored.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(stored.count == demands.count, "\(stored.count) demand rows for \(demands.count) corpus demands")
        for message in demands {
            guard let row = byId[message.messageId] else {
                Issue.record("\(message.entry.name): not stored in demands")
                continue
            }
            #expect(row.outcome == "rejected", "\(message.entry.name): stored as \(row.outcome)")
            #expect(row.noTicket && row.hasErrors, "\(message.entry.name): a ticket or no errors")
            #expect(row.routingKey == message.routingKey, "\(message.entry.name)")
            // A body over the demand limit is kept as its first bytes (DemandBodyLimit), the rest whole.
            #expect(
                [UInt8](row.body) == DemandBodyLimit.stored(message.body),
                "\(message.entry.name): raw body differs (\(row.body.count) bytes stored, \(message.body.count) sent)")
        }
        let failures = try await sandbox.count("SELECT count(*)::int FROM message_failures")
        #expect(failures == 0, "\(failures) messages failed in a consumer (see message_failures)")
    }

    /// Opens one whistle ticket (a grid worker in 枫湾 names three departments) for the corpus
    /// entries that refer to a real ticket or assignment; returns the markers' values.
    static func openBaseline(_ flow: FlowHarness) async throws -> [String: String] {
        let url = BadInputCorpus.repository.appendingPathComponent("docs/examples/demand-grid/valid-whistle-rental-housing.json")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let accepted = try await flow.publish(.grid, body)
        let ticketNo = try #require(accepted["ticket_no"] as? String, "the baseline was not accepted: \(accepted)")
        let dispatched = try await flow.event(.ticketDispatched, ticket: ticketNo)
        let assignments = dispatched.data["assignments"] as? [[String: Any]] ?? []
        let lead = try #require(assignments.first { $0["role"] as? String == "lead" }, "no lead in \(dispatched)")
        let co = try #require(assignments.first { $0["role"] as? String == "co" }, "no co-department in \(dispatched)")
        let leadId = try #require(lead["assignment_id"] as? String)
        return [
            "@TICKET_NO@": ticketNo,
            "@LEAD_ID@": leadId, "@LEAD_ID_UPPER@": leadId.uppercased(), "@LEAD_DEPT@": try #require(lead["department"] as? String),
            "@CO_ID@": try #require(co["assignment_id"] as? String), "@CO_DEPT@": try #require(co["department"] as? String),
        ]
    }
}

/// The rows the corpus must not touch: counts, and every assignment's state.
struct DatabaseState: Equatable, CustomStringConvertible {
    var tickets: [String]
    var assignments: [String]
    var feedback: Int
    var evaluations: Int
    var acceptedDemands: Int

    static func read(_ sandbox: TestSandbox) async throws -> DatabaseState {
        try await sandbox.withDatabase { connection in
            let tickets = try connection.query(
                "SELECT ticket_no || ' ' || status || ' ' || coalesce(lead_department, '-') || ' ' || dispatch_round FROM tickets ORDER BY ticket_no"
            ).map { try $0.decode(0, as: String.self) }
            let assignments = try connection.query(
                """
                SELECT assignment_id::text || ' ' || department || ' ' || status || ' ' || (acknowledged_at IS NOT NULL)
                       || ' ' || (extended_at IS NOT NULL) || ' ' || coalesce(result, '-') FROM assignments ORDER BY assignment_id
                """
            ).map { try $0.decode(0, as: String.self) }
            func count(_ sql: String) throws -> Int { try connection.query(sql)[0].decode(0, as: Int.self) }
            return DatabaseState(
                tickets: tickets, assignments: assignments, feedback: try count("SELECT count(*)::int FROM feedback"),
                evaluations: try count("SELECT count(*)::int FROM evaluations"),
                acceptedDemands: try count("SELECT count(*)::int FROM demands WHERE outcome <> 'rejected'"))
        }
    }

    var description: String {
        "tickets \(tickets), assignments \(assignments), feedback \(feedback), evaluations \(evaluations), demands not rejected \(acceptedDemands)"
    }
}

/// One line of Tests/Corpus/bad-input.jsonl:
/// `{name, exchange?, routing_key, body | body_hex | body_repeat, expect_codes?, note?}`.
/// `exchange` defaults to `whistle.intake`; `body_repeat` is `{prefix, unit, count, unit_close?,
/// suffix}` = prefix + unit×count + unit_close×count + suffix, for the bodies too big to store.
/// `@TICKET_NO@`, `@LEAD_ID@`, `@LEAD_ID_UPPER@`, `@LEAD_DEPT@`, `@CO_ID@` and `@CO_DEPT@` in a
/// text body or the routing key stand for the baseline whistle ticket the test opens first.
struct CorpusEntry: Sendable {
    enum Body: Sendable {
        case text(String)
        case bytes([UInt8])
        case repeated(prefix: String, unit: String, count: Int, close: String, suffix: String)
    }

    var name: String
    var exchange: String
    var routingKey: String
    var body: Body
    var expectCodes: [String]

    /// The event that must answer it.
    var expectedEvent: EventType {
        switch (exchange, routingKey) {
        case (Exchange.replies, _): .replyRejected
        case (_, IntakeRoutingKey.feedback): .feedbackRejected
        case (_, IntakeRoutingKey.evaluation): .evaluationRejected
        default: .demandRejected
        }
    }

    func resolved(with markers: [String: String], messageId: String) -> ResolvedMessage {
        func fill(_ text: String) -> String {
            guard text.contains("@") else { return text }
            return markers.reduce(text) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
        }
        let bytes: [UInt8]
        switch body {
        case .text(let text): bytes = Array(fill(text).utf8)
        case .bytes(let raw): bytes = raw
        case .repeated(let prefix, let unit, let count, let close, let suffix):
            var out = Array(fill(prefix).utf8)
            let unitBytes = Array(unit.utf8)
            let closeBytes = Array(close.utf8)
            out.reserveCapacity(out.count + count * (unitBytes.count + closeBytes.count) + suffix.utf8.count)
            for _ in 0..<count { out += unitBytes }
            for _ in 0..<count { out += closeBytes }
            out += Array(fill(suffix).utf8)
            bytes = out
        }
        return ResolvedMessage(entry: self, routingKey: fill(routingKey), body: bytes, messageId: messageId)
    }
}

/// A corpus entry ready to publish.
struct ResolvedMessage: Sendable {
    var entry: CorpusEntry
    var routingKey: String
    var body: [UInt8]
    var messageId: String
}

enum BadInputCorpus {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let file = repository.appendingPathComponent("Tests/Corpus/bad-input.jsonl")

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    static func load() throws -> [CorpusEntry] {
        let text = try String(contentsOf: file, encoding: .utf8)
        var entries: [CorpusEntry] = []
        var names = Set<String>()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let place = "\(file.lastPathComponent):\(index + 1)"
            let json: JSONValue
            do {
                json = try JSONParser(maxBytes: 16 << 20).parse(Array(line.utf8))
            } catch {
                throw FormatError(description: "\(place): \(error)")
            }
            guard let name = json["name"]?.stringValue, let routingKey = json["routing_key"]?.stringValue else {
                throw FormatError(description: "\(place): name and routing_key are required")
            }
            guard names.insert(name).inserted else { throw FormatError(description: "\(place): name \(name) twice") }
            let body: CorpusEntry.Body
            if let text = json["body"]?.stringValue {
                body = .text(text)
            } else if let hex = json["body_hex"]?.stringValue {
                guard let bytes = Self.bytes(hex: hex) else { throw FormatError(description: "\(place): body_hex is not hex") }
                body = .bytes(bytes)
            } else if let repeated = json["body_repeat"], let unit = repeated["unit"]?.stringValue, let count = repeated["count"]?.intValue,
                count >= 0
            {
                body = .repeated(
                    prefix: repeated["prefix"]?.stringValue ?? "", unit: unit, count: count,
                    close: repeated["unit_close"]?.stringValue ?? "",
                    suffix: repeated["suffix"]?.stringValue ?? "")
            } else {
                throw FormatError(description: "\(place): one of body, body_hex, body_repeat is required")
            }
            entries.append(
                CorpusEntry(
                    name: name, exchange: json["exchange"]?.stringValue ?? Exchange.intake, routingKey: routingKey, body: body,
                    expectCodes: json["expect_codes"]?.arrayValue?.compactMap(\.stringValue) ?? []))
        }
        return entries
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = JSONHex.value(digits[index]), let low = JSONHex.value(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

private enum JSONHex {
    static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Raw bodies on `whistle.replies`, as a department's client would publish them.
enum RawReplies {
    static func publish(_ messages: [ResolvedMessage], sandbox: TestSandbox) async throws {
        guard !messages.isEmpty else { return }
        let publisher = AMQPPublisher(
            configuration: try AMQPConfiguration(url: sandbox.amqpURL), name: "test-corpus-replies", topology: WhistleTopology.base,
            logger: .init(label: "test"))
        do {
            let outbound = messages.map {
                OutboundMessage(exchange: Exchange.replies, routingKey: $0.routingKey, body: $0.body, messageId: $0.messageId)
            }
            let outcomes = try await publisher.publish(outbound, timeout: .seconds(60))
            #expect(outcomes.allSatisfy { $0 == .confirmed }, "every reply is confirmed by the broker")
        } catch {
            await publisher.close()
            throw error
        }
        await publisher.close()
    }
}
