import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import WhistleReliability

/// Keeps the verifier's RS256/ES256 keys from `WHISTLE_API_JWKS` (a file, or an `https://` URL
/// of the city's identity provider) and reads them again every `refresh`, so a rotated key is
/// picked up without a restart. Until the first read succeeds, tokens of those keys are refused
/// (401) and the failure is logged; HS256 tokens of the shared secret work meanwhile.
struct JWKSSource: Service {
    let location: String
    let refresh: Duration
    let verifier: APITokenVerifier
    let logger: Logger

    func run() async throws {
        var logger = logger
        logger[metadataKey: "jwks"] = "\(location)"
        let work = PeriodicWork(
            interval: refresh, failure: "JWKS could not be read; tokens of its keys are refused", level: .error, logger: logger)
        await work.run {
            try await verifier.add(jwks: try await read())
            logger.debug("JWKS loaded")
            return .pause
        }
    }

    /// The JWKS document.
    func read() async throws -> String {
        guard location.hasPrefix("https://") || location.hasPrefix("http://") else {
            return try String(contentsOfFile: location, encoding: .utf8)
        }
        var request = HTTPClientRequest(url: location)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw JWKSError(message: "\(location) answered \(response.status.code)") }
        let body = try await response.body.collect(upTo: 1 << 20)
        return String(buffer: body)
    }
}

struct JWKSError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
