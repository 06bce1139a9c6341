import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// docs/asyncapi.yaml, docs/schemas and docs/examples against each other and against the real
/// validators: the documentation of the wire contract must say what the code does.
@Suite("Contract documents")
struct ContractDocsTests {
    let validator = JSONSchemaValidator(directory: ContractDocs.schemas)

    @Test("every valid example validates against its schema")
    func validExamples() throws {
        let examples = try ContractDocs.all().filter(\.isValid)
        #expect(examples.count >= 50)
        for example in examples {
            let violations = try validator.validate(example.body, against: "\(example.schema).schema.json")
            #expect(violations.isEmpty, "\(example): \(violations)")
        }
    }

    @Test("every invalid example's body fails its schema, and only at fields the validator reports")
    func invalidExamplesFailTheirSchema() throws {
        let examples = try ContractDocs.all().filter { !$0.isValid }
        #expect(examples.count >= 3 * ContractDocs.inbound.count)
        for example in examples {
            let violations = try validator.validate(example.body, against: "\(example.schema).schema.json")
            #expect(!violations.isEmpty, "\(example) passes its schema")
            let expected = example.expectedErrors ?? []
            for violation in violations where !expected.contains(where: { ContractDocs.concerns(violation.path, $0.field) }) {
                Issue.record("\(example): the schema flags \(violation), which the validator does not report (\(expected))")
            }
        }
    }

    @Test("the real validators report exactly the expected errors of each invalid example, and accept each valid one")
    func realValidators() throws {
        let reference = try ContractDocs.seedReference()
        for example in try ContractDocs.all() where ContractDocs.inbound.contains(example.schema) {
            let found = ContractDocs.validate(example.schema, example.body.jsonBytes, reference: reference)
            if let expected = example.expectedErrors {
                #expect(found?.sorted() == expected.sorted(), "\(example)")
            } else {
                #expect(found == nil, "\(example): \(found ?? [])")
            }
        }
    }

    @Test("each inbound kind has at least 2 valid and 3 invalid examples; every message schema has examples")
    func coverage() throws {
        let examples = try ContractDocs.all()
        for kind in ContractDocs.inbound {
            #expect(examples.filter { $0.schema == kind && $0.isValid }.count >= 2, "\(kind)")
            #expect(examples.filter { $0.schema == kind && !$0.isValid }.count >= 3, "\(kind)")
        }
        let schemas = try ContractDocs.schemaNames()
        let messageSchemas = schemas.filter { !ContractDocs.shared.contains($0) }
        #expect(messageSchemas.count == 33)
        for name in messageSchemas {
            #expect(examples.contains { $0.schema == name && $0.isValid }, "no valid example of \(name)")
        }
        for folder in Set(examples.map(\.schema)) {
            #expect(schemas.contains(folder), "docs/examples/\(folder) has no schema")
        }
        for example in examples where !example.isValid {
            #expect(ContractDocs.inbound.contains(example.schema), "\(example): only inbound messages have invalid examples")
            #expect(example.expectedErrors?.isEmpty == false, "\(example) expects no error")
        }
    }

    @Test("the seed's reference codes are read in full")
    func seedCodes() throws {
        let codes = try ContractDocs.seedCodes()
        #expect(codes.grids.count == 60)
        #expect(codes.streetOffices == ["QS-JDB", "FL-JDB", "GL-JDB"])
        #expect(codes.departments.isSuperset(of: ["XS-CGJ", "XS-ZHZX", "QS-SQ-JWH", "YC-XFJ"]))
        #expect(codes.categories.contains("SZSS-LDGZ") && codes.categories.contains("SRHJ"))
    }

    @Test("asyncapi.yaml is AsyncAPI 3, refers only to files that exist, and lists every event type and message schema")
    func asyncAPI() throws {
        let text = try String(contentsOf: ContractDocs.docs.appendingPathComponent("asyncapi.yaml"), encoding: .utf8)
        #expect(text.contains("\nasyncapi: 3.0.0\n"))
        let references = Set(Self.matches(of: #"\./(schemas|examples)/[A-Za-z0-9._/-]+"#, in: text))
        #expect(references.count > 30)
        for reference in references {
            let path = ContractDocs.docs.appendingPathComponent(String(reference.dropFirst(2))).path
            #expect(FileManager.default.fileExists(atPath: path), "asyncapi.yaml refers to \(reference), which does not exist")
        }
        for name in try ContractDocs.schemaNames() where !ContractDocs.shared.contains(name) && name != "event-envelope" {
            #expect(references.contains("./schemas/\(name).schema.json"), "asyncapi.yaml never refers to \(name)")
        }
        let addresses = Set(
            Self.matches(of: #"(?m)^    address: .+$"#, in: text).map {
                String($0.dropFirst("    address: ".count).filter { $0 != "\"" && $0 != "'" })
            })
        for type in EventType.allCases {
            #expect(addresses.contains(type.rawValue), "no channel for \(type.rawValue)")
            #expect(text.contains("name: \"\(type.rawValue)\""), "no message named \(type.rawValue)")
        }
        for channel in Channel.allCases {
            #expect(addresses.contains(channel.routingKey), "no channel for \(channel.routingKey)")
        }
        let exchanges = [Exchange.intake, Exchange.dispatch, Exchange.replies, Exchange.events, Exchange.deadLetters]
        let intakeKeys = [IntakeRoutingKey.feedback, IntakeRoutingKey.evaluation, IntakeRoutingKey.whistle, IntakeRoutingKey.points]
        for key in intakeKeys + ["{department}", "dept.{department}", "triage.{commandCenter}", "{routingKey}"] {
            #expect(addresses.contains(key), "no channel \(key)")
        }
        for exchange in exchanges { #expect(text.contains("name: \(exchange)\n"), "no binding to \(exchange)") }
        #expect(text.contains("deliveryMode: 2") && text.contains("const: application/json") && text.contains("message_id"))
    }

    @Test("an envelope's data is checked against its type's schema")
    func envelopeDispatchesOnType() throws {
        let accepted: JSONValue = [
            "event_id": "0b6f3c2a-5d4e-4f1a-8b7c-9e0d1a2b3c4d", "type": "ticket.accepted", "occurred_at": "2026-11-21T02:15:08.412Z",
            "ticket_no": "W20261121-000123",
            "data": [
                "source": ["channel": "grid", "external_id": "G-1", "message_id": "m-1"], "category": .null, "urgency": "normal",
                "area": .null,
            ],
        ]
        #expect(try validator.validate(accepted, against: "event-envelope.schema.json").isEmpty)
        let wrongData = accepted.replacing("data", with: ["outcome": "satisfied"])
        #expect(try !validator.validate(wrongData, against: "event-envelope.schema.json").isEmpty)
        let noTicket = accepted.replacing("ticket_no", with: .null)
        #expect(try validator.validate(noTicket, against: "event-envelope.schema.json").map(\.path) == ["ticket_no"])
        let unknownType = accepted.replacing("type", with: "ticket.vanished")
        #expect(try validator.validate(unknownType, against: "event-envelope.schema.json").map(\.keyword) == ["enum"])
    }

    @Test("the events of whistles, contests, points and period evaluations, as encoded, validate against the envelope")
    func section10Events() throws {
        let at = RFC3339.parse("2026-11-23T11:12:40+08:00") ?? Date()
        let ticket = "W20261123-000041"
        func check(_ type: EventType, _ ticketNo: String?, _ data: some Codable & Sendable) throws -> [SchemaViolation] {
            let envelope = EventEnvelope(type: type, occurredAt: at, ticketNo: ticketNo, data: data)
            return try validator.validate(try JSONParser().parse(try WhistleJSON.encode(envelope)), against: "event-envelope.schema.json")
        }
        let whistle = MessageSource(channel: Channel.whistle.rawValue, externalId: "XS-ZHZX-CS-1", messageId: "m-1")
        let redemption = MessageSource(channel: nil, externalId: "FL-JF-1", messageId: "m-2")
        let error = FieldError(field: "points", code: .outOfRange, message: "below zero")
        let contested = AssignmentContested(
            assignmentId: "a-1", department: "XS-SCJG", role: "co", reasonCode: "not_needed", note: "无需到场", whistler: "FL-JDB",
            ruler: "XS-ZHZX", messageId: "r-1")
        let ruled = WhistleRuled(
            assignmentId: "a-1", department: "XS-SCJG", whistler: "FL-JDB", ruling: "empty", note: "吹空哨", ruledBy: "XS-ZHZX",
            dispatchedAt: at, acknowledgedOnTime: nil, overdueAt: [at], messageId: "r-2")
        let scores = [EvaluationRecorded.Score(department: "XS-CGJ", score: 88)]
        let valid: [[SchemaViolation]] = [
            try check(
                .ticketAccepted, ticket, TicketAccepted(source: whistle, category: nil, urgency: .normal, area: "S-FL", whistler: "XS-ZHZX")
            ),
            try check(
                .ticketEscalated, ticket,
                TicketEscalated(level: "district", reason: "group_petition", department: "XS-ZHZX", heldBy: "XS-ZHZX")),
            try check(.evaluationRecorded, nil, EvaluationRecorded(source: redemption, by: "QS-JDB", scores: scores, period: "2026-Q4")),
            try check(.assignmentContested, ticket, contested), try check(.whistleRuled, ticket, ruled),
            try check(
                .assignmentCancelled, ticket,
                AssignmentCancelled(assignmentId: "a-1", department: "XS-SCJG", role: "co", reason: "empty_whistle")),
            try check(
                .pointsAwarded, ticket, PointsAwarded(reporterRef: "GW-0405", points: 10, reason: "opened", ticketNo: ticket, year: 2026)),
            try check(
                .pointsRedeemed, nil,
                PointsRedeemed(source: redemption, by: "FL-JDB", reporterRef: "GW-0405", points: -50, reason: "兑换", balance: 80)),
            try check(.pointsRejected, nil, PointsRejected(source: redemption, errors: [error], by: "FL-JDB", reporterRef: nil)),
        ]
        for (index, violations) in valid.enumerated() { #expect(violations.isEmpty, "\(index): \(violations)") }
        // A demand posted over HTTP (CONTRACT §9): its source names the client and the way (extension).
        let posted = MessageSource(
            channel: "12345", externalId: "APP-1", messageId: "open311:city-app:APP-1", adapter: "city-app", via: "open311")
        #expect(try check(.ticketMerged, ticket, TicketMerged(source: posted, reportCount: 2)).isEmpty)
        #expect(try check(.demandRejected, nil, InboundRejected(source: posted, errors: [error])).isEmpty)
        var smuggled = posted
        smuggled.via = "smtp"
        #expect(try !check(.demandDuplicate, ticket, DemandDuplicate(source: smuggled)).isEmpty, "via is open311 or http")
        // A period evaluation names no ticket, a ticket's evaluation must; a redemption is about no ticket.
        #expect(
            try !check(.evaluationRecorded, ticket, EvaluationRecorded(source: redemption, by: "QS-JDB", scores: scores, period: "2026"))
                .isEmpty)
        #expect(
            try check(.evaluationRecorded, nil, EvaluationRecorded(source: redemption, by: "FL-JDB", scores: scores)).map(\.path) == [
                "ticket_no"
            ])
        #expect(
            try !check(
                .pointsRedeemed, ticket,
                PointsRedeemed(source: redemption, by: "FL-JDB", reporterRef: "GW-0405", points: -5, reason: "x", balance: 0)
            ).isEmpty)
        #expect(
            try !check(.whistleRuled, ticket, WhistleRuled(assignmentId: "a-1", department: "XS-SCJG", whistler: "FL-JDB", ruling: "void"))
                .isEmpty)
        // Every channel, the whistle's too, may be an intake event's source.
        let source = try #require(
            try ContractDocs.parse(ContractDocs.schemas.appendingPathComponent("common.schema.json"))["$defs"]?["source"])
        let channels = Set(try #require(source["properties"]?["channel"]?["enum"]?.arrayValue).compactMap(\.stringValue))
        #expect(channels == Set(Channel.allCases.map(\.rawValue)))
        let awarded = try ContractDocs.parse(ContractDocs.schemas.appendingPathComponent("points-awarded.schema.json"))
        let reasons = Set(try #require(awarded["properties"]?["reason"]?["enum"]?.arrayValue).compactMap(\.stringValue))
        #expect(reasons == Set(PointsRule.Reason.allCases.map(\.rawValue)))
    }

    static func matches(of pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range, in: text).map { String(text[$0]) }
        }
    }
}

extension JSONValue {
    /// A copy of an object with the member `key` set to `value`.
    func replacing(_ key: String, with value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        members[key] = value
        return .object(members)
    }
}
