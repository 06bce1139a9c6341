import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WhistleDomain
import WhistleMessages
import WhistleReliability
import WhistleRuntime

/// The write side of Open311 GeoReport v2 (CONTRACT §9): `POST requests.json` turns a request into
/// a demand of channel 12345 that the gateway publishes (`DemandGateway`), and
/// `GET tokens/{token}.json` says what became of one that was still queued.
///
/// A token is the base64url of the demand's message_id (`open311:<client>:<request id>`): neither
/// part is secret, and it maps back without storing anything.
struct Open311PostRoutes: Sendable {
    let gateway: DemandGateway
    let reference: ReferenceCache
    let configuration: Open311Configuration
    let timeZone: TimeZone
    let clock: @Sendable () -> Date

    /// The largest form body read.
    static let maxBody = 64 * 1024

    func routes(_ router: Router<APIRequestContext>) {
        router.post("open311/v2/requests.json") { request, _ in
            await Open311Responses.respond { try await post(request) }
        }
        router.get("open311/v2/tokens/{token}.json") { _, context in
            await Open311Responses.respond { try await self.token(context.parameters.get("token") ?? "") }
        }
    }

    func post(_ request: Request) async throws -> Response {
        guard FormBody.accepts(contentType: request.headers[.contentType]) else {
            throw Open311Error.badRequest("the body must be application/x-www-form-urlencoded (UTF-8)")
        }
        let bytes: [UInt8]
        do {
            bytes = Array(buffer: try await request.body.collect(upTo: Self.maxBody))
        } catch {
            throw Open311Error.badRequest("the body is larger than \(Self.maxBody) bytes")
        }
        let form: FormBody
        do {
            form = try FormBody.parse(bytes)
        } catch {
            throw Open311Error.badRequest(error.message)
        }
        let client = try await client(form["api_key"])
        var problems: [String] = []
        if let served = configuration.jurisdiction {
            switch form.text("jurisdiction_id") {
            case nil: problems.append("jurisdiction_id: required (this endpoint serves \(served))")
            case let asked? where asked != served:
                throw Open311Error.notFound("jurisdiction_id \(TextRules.quoted(asked)) is not served here; this endpoint serves \(served)")
            default: break
            }
        }
        let services = await serviceCodes(asking: form.text("service_code"))
        let submission: Open311Submission
        do {
            submission = try Open311Submission.read(form, isService: services.contains, now: clock(), timeZone: timeZone)
        } catch {
            throw Open311Error.badRequest(problems + error.descriptions)
        }
        if !problems.isEmpty { throw Open311Error.badRequest(problems) }
        let demand = GatewayDemand(channel: .twelve345, via: "open311", client: client.id, key: submission.externalId)
        let outcome: GatewayOutcome?
        do {
            outcome = try await gateway.submit(demand, body: submission.body.jsonBytes)
        } catch {
            throw Open311Error.unavailable
        }
        let token = APIKey.base64URL(Array(demand.messageId.utf8))
        return try Self.answer(outcome, token: token, status: .created)
    }

    /// `tokens/{token}.json`: `[{token, service_request_id}]` once stored, `[{token}]` while queued,
    /// the errors (400) of a rejected demand; 404 for a token that is not one of ours.
    func token(_ token: String) async throws -> Response {
        guard let bytes = APIKey.base64URLDecoded(token), let messageId = String(validating: bytes, as: UTF8.self) else {
            throw Open311Error.notFound("no such token")
        }
        let parts = messageId.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "open311", SenderRules.isClientId(parts[1]), !parts[2].isEmpty else {
            throw Open311Error.notFound("no such token")
        }
        let client: APIClient?
        do {
            client = try await gateway.client(id: parts[1])
        } catch {
            throw Open311Error.unavailable
        }
        guard client?.kind == .open311 else { throw Open311Error.notFound("no such token") }
        var demand = GatewayDemand(channel: .twelve345, via: "open311", client: parts[1], key: parts[2])
        demand.messageId = messageId
        let outcome: GatewayOutcome?
        do {
            outcome = try await gateway.outcome(of: demand)
        } catch {
            throw Open311Error.unavailable
        }
        return try Self.answer(outcome, token: token, status: .ok)
    }

    /// The answer to an outcome: the ticket as `service_request_id` (with `token` when `status` is
    /// the token lookup's 200), the errors of a rejection (400), or `[{token}]` while queued.
    static func answer(_ outcome: GatewayOutcome?, token: String, status: HTTPResponse.Status) throws(Open311Error) -> Response {
        guard let outcome else {
            return Open311Responses.json(.array([.object(["token": .string(token)])]), status: status)
        }
        if outcome.isRejected {
            let lines = outcome.errorLines
            throw Open311Error.badRequest(lines.isEmpty ? ["the request was rejected"] : lines)
        }
        var entry: [String: JSONValue] = ["service_request_id": outcome.ticketNo.map(JSONValue.string) ?? .null]
        if status == .ok {
            entry["token"] = .string(token)
        } else {
            entry["service_notice"] = .string(notice(outcome))
        }
        return Open311Responses.json(.array([.object(entry)]), status: status)
    }

    static func notice(_ outcome: GatewayOutcome) -> String {
        switch outcome.outcome {
        case "merged": "已并入同一事项的工单 · joined an open request on the same matter"
        case "duplicate": "此前已收到 · received before"
        default: "已受理 · accepted"
        }
    }

    /// The Open311 client whose `api_key` this is: known, of kind open311, not revoked; else 403.
    func client(_ key: String?) async throws -> APIClient {
        guard let key, !key.isEmpty, key.utf8.count <= 200 else { throw Open311Error.forbidden }
        let client: APIClient?
        do {
            client = try await gateway.client(key: key)
        } catch {
            throw Open311Error.unavailable
        }
        guard let client, client.kind == .open311, client.revokedAt == nil else { throw Open311Error.forbidden }
        return client
    }

    /// The services (leaf categories) now; the cache is read again once when `code` is not among
    /// them (it may have been seeded a moment ago).
    func serviceCodes(asking code: String?) async -> Set<String> {
        func leaves() -> Set<String> {
            let categories = reference.snapshot.data.categories.values
            let parents = Set(categories.compactMap(\.parent))
            return Set(categories.map(\.code).filter { !parents.contains($0) })
        }
        let now = leaves()
        guard let code, !now.contains(code) else { return now }
        do {
            try await reference.refresh()
        } catch {
            return now
        }
        return leaves()
    }
}
