import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WhistleDomain
import WhistleMessages
import WhistleReliability
import WhistleRuntime

/// HTTP intake for adapters that do not speak AMQP (CONTRACT §9): `POST /v1/demands/{channel}`
/// with a CONTRACT §1 body and an `Idempotency-Key`, authenticated by the adapter's own key
/// (`Authorization: Bearer <key>` or `X-API-Key`). The body goes to intake byte for byte, as the
/// demand (`DemandGateway`), so it meets the same validation, idempotency and merging as any.
///
/// Answers: 201 `{outcome: accepted, ticket_no, message_id}`; 200 the same for `merged` and
/// `duplicate`; 422 `{error: {code: rejected, message, errors}, outcome: rejected}`; 202
/// `{outcome: queued, message_id}` with `Location: /v1/demands/{channel}/{key}` when intake has not
/// answered within the wait. `GET /v1/demands/{channel}/{key}` answers the same for the same client.
struct HTTPIntakeRoutes: Sendable {
    let gateway: DemandGateway

    static let keyHeader = HTTPField.Name("Idempotency-Key")!
    static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    func routes(_ router: Router<APIRequestContext>) {
        router.post("v1/demands/{channel}") { request, context in
            await Self.respond { try await post(request, channel: context.parameters.get("channel") ?? "") }
        }
        router.get("v1/demands/{channel}/{key}") { request, context in
            await Self.respond {
                try await get(request, channel: context.parameters.get("channel") ?? "", key: context.parameters.get("key") ?? "")
            }
        }
    }

    func post(_ request: Request, channel name: String) async throws -> Response {
        let channel = try Self.channel(name)
        let client = try await authenticate(request, channel: channel)
        guard let key = request.headers[Self.keyHeader], Self.isIdempotencyKey(key) else {
            throw APIError(
                "invalid_parameter", "the Idempotency-Key header is required: 1-100 characters of A-Z a-z 0-9 . _ : -", status: .badRequest)
        }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: DemandBodyLimit.maxBytes))
        } catch {
            throw APIError("too_large", "a demand body may have at most \(DemandBodyLimit.maxBytes) bytes", status: .contentTooLarge)
        }
        let demand = GatewayDemand(channel: channel, via: "http", client: client.id, key: key)
        let outcome: GatewayOutcome?
        do {
            outcome = try await gateway.submit(demand, body: body)
        } catch {
            throw APIError("unavailable", "\(error.reason); try again with the same Idempotency-Key", status: .serviceUnavailable)
        }
        return Self.answer(outcome, demand: demand, key: key)
    }

    func get(_ request: Request, channel name: String, key: String) async throws -> Response {
        let channel = try Self.channel(name)
        let client = try await authenticate(request, channel: channel)
        let notFound = APIError("not_found", "no demand of yours with this Idempotency-Key is stored (yet)", status: .notFound)
        guard Self.isIdempotencyKey(key) else { throw notFound }
        let demand = GatewayDemand(channel: channel, via: "http", client: client.id, key: key)
        let outcome: GatewayOutcome?
        do {
            outcome = try await gateway.outcome(of: demand)
        } catch {
            throw APIError("unavailable", error.reason, status: .serviceUnavailable)
        }
        guard outcome != nil else { throw notFound }
        return Self.answer(outcome, demand: demand, key: key)
    }

    /// The response for an outcome (nil: still queued).
    static func answer(_ outcome: GatewayOutcome?, demand: GatewayDemand, key: String) -> Response {
        let messageId = JSONValue.string(demand.messageId)
        guard let outcome else {
            var response = HTTPServer.jsonResponse(
                JSONValue.object(["outcome": .string("queued"), "message_id": messageId]).description, status: .accepted)
            response.headers[.location] = "/v1/demands/\(demand.channel.rawValue)/\(key)"
            return response
        }
        if outcome.isRejected {
            let errors = outcome.errors ?? .array([])
            let count = errors.arrayValue?.count ?? 0
            let body = JSONValue.object([
                "outcome": .string("rejected"), "message_id": messageId,
                "error": .object([
                    "code": .string("rejected"), "message": .string("the demand was rejected (\(count) errors)"), "errors": errors,
                ]),
            ])
            return HTTPServer.jsonResponse(body.description, status: .unprocessableContent)
        }
        let body = JSONValue.object([
            "outcome": .string(outcome.outcome), "ticket_no": outcome.ticketNo.map(JSONValue.string) ?? .null, "message_id": messageId,
        ])
        return HTTPServer.jsonResponse(body.description, status: outcome.outcome == "accepted" ? .created : .ok)
    }

    /// The adapter client of `channel` that the request's key names; 401 for a missing, unknown or
    /// revoked key or one of another kind, 403 for an adapter of another channel.
    func authenticate(_ request: Request, channel: Channel) async throws -> APIClient {
        let key = AuthenticationMiddleware.bearer(request) ?? request.headers[Self.apiKeyHeader]
        let unauthorized = APIError(
            "unauthorized", "an adapter key is required (Authorization: Bearer <key> or X-API-Key)", status: .unauthorized)
        guard let key, !key.isEmpty, key.utf8.count <= 200 else { throw unauthorized }
        let client: APIClient?
        do {
            client = try await gateway.client(key: key)
        } catch {
            throw APIError("unavailable", error.reason, status: .serviceUnavailable)
        }
        guard let client, client.kind == .adapter, client.revokedAt == nil else { throw unauthorized }
        guard client.channel == channel else {
            throw APIError("forbidden", "this adapter posts demands of channel \(client.channel.rawValue) only", status: .forbidden)
        }
        return client
    }

    /// A demand channel named in the path; 404 for anything else.
    static func channel(_ name: String) throws -> Channel {
        guard let channel = Channel(rawValue: name), channel.isDemandChannel else {
            throw APIError("not_found", "no demand channel \(QueryParameters.quoted(name))", status: .notFound)
        }
        return channel
    }

    /// 1–100 characters of `A-Z a-z 0-9 . _ : -`.
    static func isIdempotencyKey(_ key: String) -> Bool {
        (1...100).contains(key.utf8.count)
            && key.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    /// Runs a handler; an `APIError` becomes its JSON error (a 401 says how to authenticate in
    /// `WWW-Authenticate`, RFC 9110), anything else 503.
    static func respond(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as APIError {
            var response = error.response()
            if response.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"whistle-adapters\"" }
            return response
        } catch {
            return HTTPServer.errorResponse("unavailable", "the service is temporarily unavailable; try again", status: .serviceUnavailable)
        }
    }
}

extension DemandGateway {
    /// Adds the routes of both gateways (CONTRACT §9): Open311's `POST requests.json` and
    /// `GET tokens/{token}.json`, and `/v1/demands/{channel}`; they publish with `kit.publisher`.
    static func routes(
        _ router: Router<APIRequestContext>, kit: ServiceKit, reference: ReferenceCache, configuration: EvaluatorConfiguration,
        timeZone: TimeZone, logger: Logger
    ) {
        let gateway = DemandGateway(pool: kit.pool, publisher: kit.publisher, wait: configuration.intakeWait, logger: logger)
        Open311PostRoutes(
            gateway: gateway, reference: reference, configuration: configuration.open311, timeZone: timeZone,
            clock: configuration.service.clock.function
        ).routes(router)
        HTTPIntakeRoutes(gateway: gateway).routes(router)
    }
}
