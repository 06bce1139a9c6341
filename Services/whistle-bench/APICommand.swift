import ArgumentParser
import AsyncHTTPClient
import EvaluatorService
import Foundation
import Histogram

/// `whistle-bench api`: what authentication costs the read API (CONTRACT §8). Against a running
/// evaluator, one request at a time over a kept-alive connection, it measures
///
/// - `GET /v1/tickets/{no}` with a valid token: the whole path (token, scope in SQL, disclosure,
///   the access record when one is due);
/// - the same request with a token whose signature is wrong: only what authentication does
///   before it answers 401;
/// - `GET /v1/categories`, public: a request of the same server with no token and one query;
///
/// and in this process, the verification of one token by the same code the server runs.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "Measure the latency of the read API and what authentication adds to it.")

    @Option(help: "The evaluator's base URL.") var url = "http://127.0.0.1:7800"
    @Option(help: "A ticket number the token's department may read.") var ticket: String
    @Option(help: "The department the token speaks for.") var department = "XS-ZHZX"
    @Option(help: "Requests per series.") var requests = 2000

    func run() async throws {
        guard let secret = ProcessInfo.processInfo.environment["WHISTLE_API_JWT_SECRET"], !secret.isEmpty else {
            throw ValidationError("WHISTLE_API_JWT_SECRET must be the evaluator's secret")
        }
        let token = try await APITokenVerifier.issue(secret: secret, department: department, role: nil, ttl: .seconds(3600))
        let forged = String(token.dropLast(4)) + (token.hasSuffix("AAAA") ? "BBBB" : "AAAA")
        let series: [(String, String, String?, UInt)] = [
            ("GET /v1/tickets/{no}, valid token", "/v1/tickets/\(ticket)", token, 200),
            ("GET /v1/tickets/{no}, bad signature (401)", "/v1/tickets/\(ticket)", forged, 401),
            ("GET /v1/categories, public", "/v1/categories", nil, 200),
        ]
        print("series                                      requests   p50 ms   p90 ms   p99 ms   max ms")
        for (name, path, bearer, expected) in series {
            let histogram = try await measure(path: path, token: bearer, expected: expected)
            print(Self.line(name, histogram))
        }
        let verifier = await APITokenVerifier(secret: secret, issuer: nil, audience: nil)
        var verifications = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        for _ in 0..<requests * 5 {
            let started = ContinuousClock.now
            _ = try await verifier.principal(token: token)
            verifications.record(Self.microseconds(ContinuousClock.now - started))
        }
        print(Self.line("token verification in process (HS256)", verifications))
    }

    func measure(path: String, token: String?, expected: UInt) async throws -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        for index in 0..<(requests + requests / 10) {
            var request = HTTPClientRequest(url: url + path)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let started = ContinuousClock.now
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 16 << 20)
            let took = ContinuousClock.now - started
            guard response.status.code == expected else {
                throw ValidationError("\(path) answered \(response.status.code), expected \(expected)")
            }
            if index >= requests / 10 { histogram.record(Self.microseconds(took)) }  // the first tenth warms up
        }
        return histogram
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        UInt64(max(0, duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000))
    }

    static func line(_ name: String, _ histogram: Histogram<UInt64>) -> String {
        let ms = { (p: Double) in Double(histogram.valueAtPercentile(p)) / 1000 }
        return name.padding(toLength: 44, withPad: " ", startingAt: 0)
            + String(format: "%8d %8.3f %8.3f %8.3f %8.3f", Int(histogram.totalCount), ms(50), ms(90), ms(99), Double(histogram.max) / 1000)
    }
}
