import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// docs/openapi.json, the document of evaluator's HTTP API, against itself and against the routes
/// the code registers: every `$ref` resolves, every route is documented with its security, its
/// error shape and its headers, and every example validates against its schema (deploy/api-fuzz.sh
/// checks the running server against the same document).
@Suite("OpenAPI document")
struct OpenAPIDocsTests {
    static let file = "openapi.json"
    let document: JSONValue
    let validator = JSONSchemaValidator(directory: ContractDocs.docs)

    init() throws {
        document = try ContractDocs.parse(ContractDocs.docs.appendingPathComponent(Self.file))
    }

    /// The routes registered in the evaluator's sources and the HTTP server every service shares:
    /// `router.get("v1/tickets/:ticket_no")` becomes `GET /v1/tickets/{ticket_no}`.
    static func registeredRoutes() throws -> Set<String> {
        let sources = ContractDocs.repository.appendingPathComponent("Services/evaluator/Sources")
        // In subfolders too (Open311/).
        var files = try FileManager.default.subpathsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".swift") }
            .map { sources.appendingPathComponent($0) }
        files.append(ContractDocs.repository.appendingPathComponent("Shared/WhistleRuntime/HTTPServer.swift"))
        // A route is registered on a router or a route group (`parameters.get("x")` is not one).
        let regex = try NSRegularExpression(pattern: #"\b\w*(?:[Rr]outer|[Gg]roup)\.(get|post|put|patch|delete)\(\s*"([^"]*)""#)
        var routes = Set<String>()
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let method = Range(match.range(at: 1), in: text), let path = Range(match.range(at: 2), in: text) else { continue }
                let segments = text[path].split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                guard !segments.contains("**") else { continue }  // the catch-all 404 of `v1/**`
                routes.insert("\(text[method].uppercased()) /\(segments.joined(separator: "/"))")
            }
        }
        return routes
    }

    /// Every operation: "METHOD /path" and its object.
    var operations: [(route: String, operation: JSONValue)] {
        (document["paths"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.flatMap { path, item in
            (item.objectValue ?? [:]).sorted { $0.key < $1.key }.map { ("\($0.key.uppercased()) \(path)", $0.value) }
        }
    }

    /// The target of a local `$ref` (`#/components/…`), or the value itself.
    func resolved(_ value: JSONValue) throws -> JSONValue {
        guard let reference = value["$ref"]?.stringValue else { return value }
        var node = document
        for token in reference.dropFirst(2).split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            node = try #require(node[key], "\(reference) resolves to nothing")
        }
        return node
    }

    @Test("the document is OpenAPI 3.1, and every $ref in it resolves")
    func wellFormed() throws {
        #expect(document["openapi"]?.stringValue == "3.1.0")
        #expect(document["info"]?["title"]?.stringValue?.isEmpty == false)
        var references: [String] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let members):
                if let reference = members["$ref"]?.stringValue { references.append(reference) }
                members.values.forEach(walk)
            case .array(let elements): elements.forEach(walk)
            default: break
            }
        }
        walk(document)
        #expect(references.count > 50)
        for reference in Set(references) {
            #expect(reference.hasPrefix("#/"), "\(reference) is not local")
            _ = try resolved(["$ref": .string(reference)])
        }
        let ids = operations.compactMap { $0.operation["operationId"]?.stringValue }
        #expect(ids.count == operations.count && Set(ids).count == ids.count, "operationIds missing or repeated")
    }

    @Test("every route the evaluator registers is documented")
    func routesDocumented() throws {
        let registered = try Self.registeredRoutes()
        #expect(registered.isSuperset(of: ["GET /healthz", "GET /metrics", "GET /v1/tickets/{ticket_no}", "GET /"]), "\(registered)")
        let documented = Set(operations.map(\.route))
        for route in registered.sorted() { #expect(documented.contains(route), "\(route) is registered but not in docs/openapi.json") }
        for route in ["GET /login", "POST /login", "POST /logout", "GET /v1/access-log", "GET /v1/scores.csv", "GET /v1/hotspots"] {
            #expect(documented.contains(route), "\(route) (CONTRACT §7/§8) is not documented")
        }
    }

    @Test("every operation states its security, declares its path parameters and answers errors in the contract's shape")
    func operationsComplete() throws {
        let schemes = Set((document["components"]?["securitySchemes"]?.objectValue ?? [:]).keys)
        // The JWT of CONTRACT §8, its cookie, and the HTTP adapters' keys of §9 (header or X-API-Key).
        #expect(schemes == ["bearerAuth", "sessionCookie", "adapterKey", "adapterApiKey"])
        let publicRoutes: Set = [
            "GET /healthz", "GET /metrics", "GET /v1/categories", "GET /v1/departments", "GET /v1/areas", "GET /login", "POST /login",
            "POST /logout",
        ]
        for (route, operation) in operations {
            let security = try #require(operation["security"]?.arrayValue, "\(route) states no security")
            let names = Set(security.flatMap { ($0.objectValue ?? [:]).keys })
            #expect(names.isSubset(of: schemes), "\(route): unknown scheme in \(names)")
            #expect((publicRoutes.contains(route) || Self.isOpen311(route)) == names.isEmpty, "\(route): security \(names)")
            let responses = operation["responses"]?.objectValue ?? [:]
            if !names.isEmpty { #expect(responses["401"] != nil, "\(route) needs a token but documents no 401") }
            let declared = Set(
                try (operation["parameters"]?.arrayValue ?? []).map { try resolved($0) }.filter { $0["in"] == "path" }.compactMap {
                    $0["name"]?.stringValue
                })
            let template = Set(
                try NSRegularExpression(pattern: #"\{([^}]+)\}"#).matches(in: route, range: NSRange(route.startIndex..., in: route))
                    .compactMap { Range($0.range(at: 1), in: route).map { String(route[$0]) } })
            #expect(declared == template, "\(route): path parameters \(declared) ≠ \(template)")
            for (status, response) in responses {
                let body = try resolved(response)
                if status.hasPrefix("4") || status.hasPrefix("5"), let json = body["content"]?["application/json"], route != "GET /healthz"
                {
                    let shape: JSONValue = Self.isOpen311(route) ? "#/components/schemas/Open311Errors" : "#/components/schemas/Error"
                    #expect(json["schema"]?["$ref"] == shape, "\(route) \(status) is not {error: {code, message}} (Open311: its array)")
                }
                let headers = body["headers"]?.objectValue ?? [:]
                #expect(
                    headers["Cache-Control"] != nil && headers["X-Content-Type-Options"] != nil,
                    "\(route) \(status) lacks the security headers")
                if body["content"]?["text/html"] != nil {
                    #expect(headers["Content-Security-Policy"] != nil, "\(route) \(status): HTML without a CSP")
                }
            }
        }
    }

    /// Every example of every response, with a `$ref` to its schema inside the document.
    func examples() throws -> [(name: String, schema: JSONValue, value: JSONValue)] {
        var found: [(String, JSONValue, JSONValue)] = []
        for (path, item) in (document["paths"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            for (method, operation) in (item.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                for (status, response) in (operation["responses"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                    let base =
                        response["$ref"]?.stringValue.map { String($0.dropFirst()) }
                        ?? "/paths/\(Self.escape(path))/\(method)/responses/\(status)"
                    for (type, media) in (try resolved(response)["content"]?.objectValue ?? [:]) {
                        for (name, example) in media["examples"]?.objectValue ?? [:] {
                            let schema: JSONValue = ["$ref": .string("\(Self.file)#\(base)/content/\(Self.escape(type))/schema")]
                            found.append(("\(method.uppercased()) \(path) \(status) \(name)", schema, try #require(example["value"])))
                        }
                    }
                }
            }
        }
        return found
    }

    static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    @Test("every example validates against its schema; each 200 of JSON has one")
    func examplesValidate() throws {
        let examples = try examples()
        #expect(examples.count >= 20)
        for example in examples {
            let violations = try validator.validate(example.value, schema: example.schema)
            #expect(violations.isEmpty, "\(example.name): \(violations)")
        }
        for (route, operation) in operations where operation["responses"]?["200"]?["content"]?["application/json"] != nil {
            #expect(examples.contains { $0.name.hasPrefix("\(route) 200 ") }, "\(route) has no example")
        }
    }

    @Test("the schemas reject what the code never sends: a missing field, an unknown one, a wrong enum, a bad timestamp")
    func schemasAreStrict() throws {
        let ticket = try #require(examples().first { $0.name == "GET /v1/tickets/{ticket_no} 200 full" })
        #expect(try validator.validate(ticket.value, schema: ticket.schema).isEmpty)
        let cases: [(JSONValue, String)] = [
            (ticket.value.removing("ticket_no"), "ticket_no"), (ticket.value.replacing("secret", with: "x"), "secret"),
            (ticket.value.replacing("status", with: "lost"), "status"),
            (ticket.value.replacing("opened_at", with: "2026-11-21 09:02"), "opened_at"),
            (ticket.value.replacing("ticket_no", with: "W2026-1"), "ticket_no"),
        ]
        for (value, field) in cases {
            #expect(try validator.validate(value, schema: ticket.schema).map(\.path) == [field], "\(field)")
        }
        let error: JSONValue = ["$ref": "openapi.json#/components/schemas/Error"]
        #expect(try validator.validate(["error": ["code": "unauthorized", "message": "no token"]], schema: error).isEmpty)
        #expect(try !validator.validate(["error": "unauthorized"], schema: error).isEmpty)
    }
}

extension JSONValue {
    /// A copy of an object without the member `key`.
    func removing(_ key: String) -> JSONValue {
        guard case .object(var members) = self else { return self }
        members[key] = nil
        return .object(members)
    }
}
