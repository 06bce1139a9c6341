import Foundation
import Testing
import WhistleMessages

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A client of the HTTP gateways (CONTRACT §9) for the tests: registers clients with the real
/// whistlectl, and posts forms and demands to the real evaluator.
struct GatewayClient {
    let flow: FlowHarness

    var base: String { "http://127.0.0.1:\(flow.port("evaluator"))" }

    /// Runs `whistlectl` on the flow's database; requires exit status `status`.
    @discardableResult
    func ctl(_ arguments: [String], status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Ctl.Result {
        let result = try await Ctl(databaseURL: flow.sandbox.databaseURL).run(arguments)
        #expect(result.status == status, "whistlectl \(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    /// Registers a client with `arguments` (`open311 clients add id` / `adapters add id --channel c`)
    /// and returns the key it printed (its last line).
    func register(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await ctl(arguments, sourceLocation: sourceLocation)
        let key = try #require(result.stdout.split(separator: "\n").last.map(String.init), sourceLocation: sourceLocation)
        #expect(key.hasPrefix("w311_") || key.hasPrefix("wadp_"), "\(result.stdout)", sourceLocation: sourceLocation)
        return key
    }

    /// An HTTP exchange: status, lowercased headers, body.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as one object (or the first of an array).
        var object: [String: Any] { (json as? [String: Any]) ?? ((json as? [[String: Any]])?.first ?? [:]) }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    }

    func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 20
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { fields[String(describing: name).lowercased()] = String(describing: value) }
        return Answer(status: http?.statusCode ?? 0, headers: fields, body: data)
    }

    /// `fields` form-encoded (UTF-8, `+` for spaces, everything else but unreserved characters escaped).
    static func form(_ fields: [(String, String)]) -> Data {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~ ")
        func encode(_ text: String) -> String {
            (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: " ", with: "+")
        }
        return Data(fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&").utf8)
    }

    /// `POST /open311/v2/requests.json` with `fields`.
    func postRequest(_ fields: [(String, String)], contentType: String = "application/x-www-form-urlencoded") async throws -> Answer {
        try await send("POST", "/open311/v2/requests.json", body: Self.form(fields), headers: ["Content-Type": contentType])
    }

    /// `POST /v1/demands/{channel}` with a raw body.
    func postDemand(_ channel: String, body: Data, key: String?, idempotencyKey: String?) async throws -> Answer {
        var headers = ["Content-Type": "application/json"]
        if let key { headers["Authorization"] = "Bearer \(key)" }
        if let idempotencyKey { headers["Idempotency-Key"] = idempotencyKey }
        return try await send("POST", "/v1/demands/\(channel)", body: body, headers: headers)
    }

    /// The stored demand of `messageId`: outcome, ticket, adapter and via (nil when not stored).
    func stored(_ messageId: String) async throws -> (outcome: String, ticketNo: String?, adapter: String?, via: String?)? {
        try await flow.sandbox.withDatabase { connection in
            try connection.query("SELECT outcome, ticket_no, adapter, via FROM demands WHERE message_id = $1", [messageId]).first.map {
                (try $0.decode(0), try $0.decodeIfPresent(1), try $0.decodeIfPresent(2), try $0.decodeIfPresent(3))
            }
        }
    }

    /// The service called `name` stops (SIGKILL) and stays down until `FlowHarness.killAndRestart`.
    func kill(_ name: String) async throws {
        let service = try #require(flow.services.first { $0.name == name })
        service.signal(SIGKILL)
        _ = try await service.waitForExit()
    }
}
