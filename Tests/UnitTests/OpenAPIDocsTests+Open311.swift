import Foundation
import Testing
import WhistleMessages

/// docs/openapi.json's Open311 GeoReport v2 part (CONTRACT §9): public, errors as GeoReport's
/// array, and its schemas the same as the GeoReport v2 schema files (docs/schemas/open311) that
/// the integration tests validate every response against.
extension OpenAPIDocsTests {
    /// Files of docs/schemas/open311 and the component each is in docs/openapi.json; a file's
    /// `$defs/x` is the component `Open311X`.
    static let open311Schemas = [
        "discovery": "Open311Discovery", "services": "Open311Services", "service-definition": "Open311ServiceDefinition",
        "requests": "Open311Requests", "request-created": "Open311RequestCreated", "token": "Open311Token", "errors": "Open311Errors",
    ]

    /// Whether `route` ("METHOD /path") is one of GeoReport v2's.
    static func isOpen311(_ route: String) -> Bool {
        route.split(separator: " ").last?.hasPrefix("/open311/v2/") == true
    }

    /// A schema file's value as a component: no `$schema`, no `$defs`, references into `$defs`
    /// pointing at the components.
    static func component(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(var members):
            members["$schema"] = nil
            members["$defs"] = nil
            for (key, member) in members {
                if key == "$ref", let target = member.stringValue, target.hasPrefix("#/$defs/") {
                    let name = String(target.dropFirst(8))
                    members[key] = .string("#/components/schemas/Open311" + name.prefix(1).uppercased() + name.dropFirst())
                } else {
                    members[key] = component(member)
                }
            }
            return .object(members)
        case .array(let elements): return .array(elements.map(component))
        default: return value
        }
    }

    @Test("the Open311 schemas of docs/openapi.json are those of docs/schemas/open311, and every GeoReport route is documented")
    func open311SchemasAgree() throws {
        let folder = ContractDocs.schemas.appendingPathComponent("open311")
        let components = document["components"]?["schemas"]
        for (file, name) in Self.open311Schemas {
            let schema = try ContractDocs.parse(folder.appendingPathComponent("\(file).schema.json"))
            #expect(components?[name] == Self.component(schema), "\(name) differs from open311/\(file).schema.json")
            for (definition, value) in schema["$defs"]?.objectValue ?? [:] {
                let component = "Open311" + definition.prefix(1).uppercased() + definition.dropFirst()
                #expect(components?[component] == Self.component(value), "\(component) differs from open311/\(file).schema.json")
            }
        }
        let routes = Set(operations.map(\.route).filter(Self.isOpen311))
        #expect(
            routes == [
                "GET /open311/v2/discovery.json", "GET /open311/v2/services.json", "GET /open311/v2/services/{service_code}.json",
                "GET /open311/v2/requests.json", "POST /open311/v2/requests.json", "GET /open311/v2/requests/{service_request_id}.json",
                "GET /open311/v2/tokens/{token}.json",
            ], "\(routes)")
    }
}
