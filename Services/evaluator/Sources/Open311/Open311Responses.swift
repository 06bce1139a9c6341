import Foundation
import HTTPTypes
import Hummingbird
import WhistleMessages
import WhistleRuntime

/// One GeoReport v2 error: `{code, description}`; a response carries an array of them.
struct Open311Error: Error, Sendable, Equatable {
    /// The HTTP status, which is also each entry's `code` (400, 403, 404, 503).
    var status: HTTPResponse.Status
    /// One description per problem found (all of them, not the first).
    var descriptions: [String]

    init(_ status: HTTPResponse.Status, _ descriptions: [String]) {
        self.status = status
        self.descriptions = descriptions
    }

    init(_ status: HTTPResponse.Status, _ description: String) {
        self.init(status, [description])
    }

    static func badRequest(_ descriptions: [String]) -> Open311Error { Open311Error(.badRequest, descriptions) }
    static func badRequest(_ description: String) -> Open311Error { Open311Error(.badRequest, description) }
    /// A missing, unknown or revoked `api_key`.
    static let forbidden = Open311Error(.forbidden, "api_key is missing, unknown or revoked")
    static func notFound(_ description: String) -> Open311Error { Open311Error(.notFound, description) }
    static let unavailable = Open311Error(.serviceUnavailable, "the service is temporarily unavailable; try again")

    /// The GeoReport error array as a JSON response.
    var response: Response {
        let entries = descriptions.map { JSONValue.object(["code": .int(status.code), "description": .string($0)]) }
        return Open311Responses.json(.array(entries), status: status)
    }
}

/// How every `/open311/v2/` route answers: JSON only (`.json`; an `.xml` path is 400), arrays and
/// objects built as `JSONValue` so that keys and escaping are exact.
enum Open311Responses {
    /// The GeoReport base path, with no trailing slash.
    static let basePath = "/open311/v2"

    /// A JSON response of `value` with `status`.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        HTTPServer.jsonResponse(value.description, status: status)
    }

    /// The resource name of a path segment such as `requests.json` (`requests`), or an error when
    /// the format is not JSON.
    static func resource(_ segment: String) throws(Open311Error) -> String {
        if segment.hasSuffix(".json") { return String(segment.dropLast(5)) }
        if segment.hasSuffix(".xml") { throw .badRequest("format xml is not served; use .json") }
        throw .notFound("no such resource: \(segment)")
    }

    /// Runs a handler; an `Open311Error` becomes its array response, any other error 503.
    static func respond(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as Open311Error {
            return error.response
        } catch {
            return Open311Error.unavailable.response
        }
    }

    /// An RFC 3339 timestamp with the deployment's offset, as GeoReport's w3 format wants.
    static func timestamp(_ date: Date, in timeZone: TimeZone) -> String {
        RFC3339.format(date, offsetSeconds: timeZone.secondsFromGMT(for: date))
    }
}
