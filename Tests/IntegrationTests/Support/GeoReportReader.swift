import Foundation
import Testing
import WhistleMessages

/// Reads Whistle's GeoReport v2 side as a citizen's client does — no token — and checks every
/// response on the way: JSON, valid against the GeoReport v2 schema of its route (an error
/// against errors.schema.json), and kept for the closing scan for personal data.
final class GeoReportReader: @unchecked Sendable {
    /// The endpoint, e.g. `http://127.0.0.1:8080/open311/v2`.
    let base: String
    /// The evaluator's HTTP port.
    let port: Int
    let validator = JSONSchemaValidator(directory: GeoReportClient.repository.appendingPathComponent("docs/schemas/open311"))
    /// Every body read, with where it came from.
    private(set) var bodies: [(source: String, text: String)] = []

    init(port: Int) {
        self.port = port
        base = "http://127.0.0.1:\(port)/open311/v2"
    }

    /// GETs `base + path` and validates the answer against `schema` (a file of
    /// docs/schemas/open311, or `file#/pointer`), or against errors.schema.json when it is an error.
    @discardableResult
    func get(
        _ path: String, _ schema: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (
        status: Int, body: JSONValue
    ) {
        let (status, headers, data) = try await HTTP.response(base + path, token: nil)
        let text = String(decoding: data, as: UTF8.self)
        bodies.append((path, text))
        #expect(
            headers["content-type"]?.hasPrefix("application/json") == true, "\(path): \(headers["content-type"] ?? "no content type")",
            sourceLocation: sourceLocation)
        #expect(headers["cache-control"] == "no-store", "\(path): Cache-Control", sourceLocation: sourceLocation)
        let body = try JSONParser(maxBytes: 16 * 1024 * 1024).parse(data)
        try validate(body, status < 400 ? schema : "errors.schema.json", "\(path) (\(status))", sourceLocation: sourceLocation)
        return (status, body)
    }

    /// GETs a path that must fail with `status`: GeoReport's error array, one entry per problem,
    /// each with the status as its code; returns the descriptions.
    @discardableResult
    func failure(_ path: String, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let (got, body) = try await get(path, "errors.schema.json", sourceLocation: sourceLocation)
        #expect(got == status, "\(path): \(got), not \(status): \(body)", sourceLocation: sourceLocation)
        let entries = body.arrayValue ?? []
        #expect(entries.allSatisfy { $0["code"]?.intValue == status }, "\(path): \(body)", sourceLocation: sourceLocation)
        return entries.compactMap { $0["description"]?.stringValue }
    }

    /// Checks `value` against `schema` (a file, or `file#/pointer`).
    func validate(_ value: JSONValue, _ schema: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let violations =
            schema.contains("#")
            ? try validator.validate(value, schema: ["$ref": .string(schema)]) : try validator.validate(value, against: schema)
        #expect(violations.isEmpty, "\(what) does not validate against \(schema): \(violations)", sourceLocation: sourceLocation)
    }

    /// Keeps text read another way (the real client's output) for the scan.
    func record(_ source: String, _ text: String) {
        bodies.append((source, text))
    }

    /// Fails for every body that carries one of `forbidden` (names, phone numbers, a petition's
    /// words or number); returns how many bodies were scanned.
    @discardableResult
    func scan(for forbidden: [String], sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        for (source, text) in bodies {
            for word in forbidden where text.contains(word) {
                Issue.record("the GeoReport response to \(source) carries \(word)", sourceLocation: sourceLocation)
            }
        }
        return bodies.count
    }
}

extension JSONValue {
    /// The `service_request_id`s of a GeoReport list, in order.
    var requestIds: [String] { (arrayValue ?? []).compactMap { $0["service_request_id"]?.stringValue } }
}
