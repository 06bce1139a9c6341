import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// docs/examples against intake running as a process: every valid demand example opens a
/// ticket, feedback and evaluation examples are recorded on a real ticket, and every invalid
/// example is rejected with exactly the (field, code) pairs its file expects.
@Suite("Contract examples end to end", .serialized)
struct ContractExamplesTests {
    @Test("each valid demand example is answered with ticket.accepted, each invalid one with demand.rejected and its errors")
    func demands() async throws {
        let channels = Channel.demandChannels.map { "demand-\($0.rawValue)" }
        let examples = try DocExample.load().filter { channels.contains($0.schema) }
        #expect(examples.count >= 20)
        try await withSeededIntake("contract-demands") { _, _, events, adapter in
            let ids = examples.map { "doc-\($0.schema)-\($0.file)" }
            try await adapter.publish(
                zip(examples, ids).map { example, id in ("demand." + example.schema.dropFirst("demand-".count), example.bytes, id) })
            let all = try await events.waitFor("an outcome for every example") { list in
                ids.allSatisfy { id in list.contains { $0.sourceMessageId == id } }
            }
            for (example, id) in zip(examples, ids) {
                let event = try #require(all.first { $0.sourceMessageId == id })
                if let expected = example.expectedErrors {
                    #expect(event["type"] as? String == "demand.rejected", "\(example.file)")
                    #expect(event.errorPairs == expected.sorted(), "\(example.schema)/\(example.file)")
                } else {
                    #expect(event["type"] as? String == "ticket.accepted", "\(example.schema)/\(example.file): \(event)")
                }
            }
        }
    }

    @Test("feedback and evaluation examples on real tickets: recorded, or rejected with exactly the expected errors")
    func followUps() async throws {
        let examples = try DocExample.load().filter { $0.schema == "feedback" || $0.schema == "evaluation" }
        #expect(examples.count >= 10)
        try await withSeededIntake("contract-followups") { sandbox, _, events, adapter in
            // One ticket per example, so that no department is scored twice on a ticket. A valid
            // evaluation of a ticket needs a whistle ticket of the evaluating street (a grid report's
            // whistle) or command center (a whistle message) naming the scored departments.
            let openers = examples.indices.map { "doc-ticket-\($0)" }
            try await adapter.publish(
                zip(examples, openers).enumerated().map { index, pair in
                    let (example, id) = pair
                    var body: [String: Any] = [
                        "external_id": "DOC-\(index)", "submitted_at": "2026-11-21T09:00:00+08:00",
                        "content": "第\(index + 1)号回访测试：青石街道文庙后街第\(index + 1)盏路灯不亮",
                    ]
                    guard example.schema == "evaluation", example.expectedErrors == nil, example.body["period"] == nil,
                        let by = example.body["by"]?.stringValue
                    else {
                        return ("demand.12345", Fixtures.json(body), id)
                    }
                    let scored = (example.body["scores"]?.arrayValue ?? []).compactMap { $0["department"]?.stringValue }
                    if by.hasSuffix("-ZHZX") {
                        body["by"] = by
                        body["area"] = "D-XS"
                        body["departments"] = scored
                        body["reason"] = "文档示例的吹哨"
                        return (IntakeRoutingKey.whistle, Fixtures.json(body), id)
                    }
                    let grid = by == "FL-JDB" ? "G-FL-FW-01" : "G-QS-SQ-01"
                    body["location"] = ["grid": grid, "address": "网格\(index)号"]
                    body["reporter"] = ["id": "GW-DOC-\(index)"]
                    body["whistle"] = ["departments": scored, "reason": "文档示例的吹哨"]
                    return ("demand.grid", Fixtures.json(body), id)
                })
            let opened = try await events.waitFor("the tickets") { list in
                openers.allSatisfy { id in list.contains { $0.sourceMessageId == id } }
            }
            let tickets = try openers.map { id in try #require(opened.first { $0.sourceMessageId == id }?["ticket_no"] as? String) }
            // No dispatcher runs here: the scored departments' work is done, so that they may be evaluated.
            for (example, ticket) in zip(examples, tickets)
            where example.schema == "evaluation" && example.expectedErrors == nil && example.body["period"] == nil {
                let scored = (example.body["scores"]?.arrayValue ?? []).compactMap { $0["department"]?.stringValue }
                try await sandbox.completedAssignments(ticket, scored)
            }
            let ids = examples.map { "doc-\($0.schema)-\($0.file)" }
            try await adapter.publish(
                zip(examples, zip(tickets, ids)).map { example, pair in
                    let body = example.expectedErrors == nil ? example.bytes(anyTicketNo: pair.0) : example.bytes(ticketNo: pair.0)
                    return (example.schema, body, pair.1)
                })
            let all = try await events.waitFor("an outcome for every example") { list in
                ids.allSatisfy { id in list.contains { $0.sourceMessageId == id } }
            }
            for (example, (ticket, id)) in zip(examples, zip(tickets, ids)) {
                let event = try #require(all.first { $0.sourceMessageId == id })
                let name = "\(example.schema)/\(example.file)"
                if let expected = example.expectedErrors {
                    #expect(event["type"] as? String == "\(example.schema).rejected", "\(name)")
                    #expect(event.errorPairs == expected.sorted(), "\(name)")
                } else {
                    let type = example.schema == "feedback" ? "feedback.received" : "evaluation.recorded"
                    #expect(event["type"] as? String == type, "\(name): \(event)")
                    // A period evaluation is about no ticket.
                    #expect(event["ticket_no"] as? String == (example.body["period"] == nil ? ticket : nil), "\(name)")
                }
            }
        }
    }
}

/// One example of docs/examples, as the integration tests publish it.
struct DocExample {
    /// The ticket number the feedback and evaluation examples name; replaced by a real one.
    static let exampleTicketNo = "W20261121-000123"

    var schema: String
    var file: String
    var body: JSONValue
    /// "field:code" pairs, nil for a valid example.
    var expectedErrors: [String]?

    var bytes: [UInt8] { body.jsonBytes }

    /// The body with `ticket_no` replaced by `ticketNo` when it is the example ticket number.
    func bytes(ticketNo: String) -> [UInt8] {
        guard case .object(var members) = body, members["ticket_no"] == .string(Self.exampleTicketNo) else { return bytes }
        members["ticket_no"] = .string(ticketNo)
        return JSONValue.object(members).jsonBytes
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The body with its `ticket_no`, whatever it is, replaced by `ticketNo` (a valid example is
    /// published about a real ticket).
    func bytes(anyTicketNo ticketNo: String) -> [UInt8] {
        guard case .object(var members) = body, members["ticket_no"] != nil else { return bytes }
        members["ticket_no"] = .string(ticketNo)
        return JSONValue.object(members).jsonBytes
    }

    /// Every example of docs/examples.
    static func load() throws -> [DocExample] {
        let root = repository.appendingPathComponent("docs/examples")
        var found: [DocExample] = []
        for folder in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() {
            let directory = root.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where file.hasSuffix(".json") {
                let json = try JSONParser().parse(try Data(contentsOf: directory.appendingPathComponent(file)))
                if file.hasPrefix("valid-") {
                    found.append(DocExample(schema: folder, file: file, body: json, expectedErrors: nil))
                } else {
                    let body = try #require(json["body"], "\(folder)/\(file)")
                    let expected = try #require(json["expected_errors"]?.arrayValue, "\(folder)/\(file)").map {
                        "\($0["field"]?.stringValue ?? "null"):\($0["code"]?.stringValue ?? "")"
                    }
                    found.append(DocExample(schema: folder, file: file, body: body, expectedErrors: expected))
                }
            }
        }
        return found
    }

    /// SQL that loads the areas, departments and categories of deploy/seed (one YAML flow
    /// mapping per line), without keywords, routing rules or deadlines: the codes intake checks.
    static func seedSQL() throws -> String {
        func rows(_ file: String) throws -> [[String: String]] {
            let text = try String(contentsOf: repository.appendingPathComponent("deploy/seed/\(file)"), encoding: .utf8)
            let regex = try NSRegularExpression(pattern: #"\b(code|name|level|kind|parent|area): ([^,{}\[\]]+)"#)
            return text.split(separator: "\n").map(String.init).filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("- {code: ") }
                .map { line in
                    var row: [String: String] = [:]
                    for match in regex.matches(in: line, range: NSRange(line.startIndex..., in: line)) {
                        guard let key = Range(match.range(at: 1), in: line), let value = Range(match.range(at: 2), in: line) else {
                            continue
                        }
                        row[String(line[key])] = line[value].trimmingCharacters(in: .whitespaces)
                    }
                    return row
                }
        }
        func literal(_ value: String?) -> String { value.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL" }
        func values(_ file: String, _ keys: [String]) throws -> [String] {
            try rows(file).map { row in "(" + keys.map { literal(row[$0]) }.joined(separator: ", ") + ")" }
        }
        let areas = try values("areas.yaml", ["code", "name", "level", "parent"])
        let departments = try values("departments.yaml", ["code", "name", "level", "kind", "parent", "area"])
        let categories = try values("categories.yaml", ["code", "name", "parent"])
        try #require(areas.count > 70 && departments.count > 30 && categories.count > 50, "deploy/seed was not read")
        return """
            INSERT INTO areas (code, name, level, parent_code) VALUES \(areas.joined(separator: ", "));
            INSERT INTO departments (code, name, level, kind, parent_code, area_code) VALUES \(departments.joined(separator: ", "));
            INSERT INTO categories (code, name, parent_code) VALUES \(categories.joined(separator: ", "));
            """
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The sorted "field:code" pairs of a rejection event's `data.errors`.
    var errorPairs: [String] {
        ((data["errors"] as? [[String: Any]]) ?? []).map { "\($0["field"] as? String ?? "null"):\($0["code"] as? String ?? "")" }.sorted()
    }
}

/// `withIntake` with the reference data of deploy/seed loaded before intake starts, so that the
/// examples' codes are known from its first batch.
func withSeededIntake(
    _ label: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (TestSandbox, ServiceProcess, EventCollector, TestAdapter) async throws -> Void
) async throws {
    try await withIntake(
        label, sourceLocation: sourceLocation,
        prepare: { sandbox in
            let sql = try DocExample.seedSQL()
            let pool = try sandbox.pool()
            try await pool.transaction { connection in try connection.execute(sql) }
            await pool.close()
        }, body)
}
