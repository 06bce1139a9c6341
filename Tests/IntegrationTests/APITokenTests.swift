import Crypto
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The read API's identity (CONTRACT §8) beyond the shared secret: RS256/ES256 tokens of a city's
/// identity provider through a JWKS file, `iss` and `aud` checks, tokens from `whistlectl token
/// issue`, and the dashboard's session cookie.
@Suite(.serialized) struct APITokenTests {
    /// An identity provider's ES256 key, and its JWKS.
    struct Provider {
        let key = P256.Signing.PrivateKey()
        let kid = "city-idp-2026"

        var jwks: String {
            let raw = key.publicKey.rawRepresentation
            let x = TestTokens.base64URL(raw.prefix(32)), y = TestTokens.base64URL(raw.suffix(32))
            return #"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(x)","y":"\#(y)"}]}"#
        }

        /// A token signed by `key` (or another key pretending to be this one).
        func token(_ claims: [String: Any], signer: P256.Signing.PrivateKey? = nil) throws -> String {
            let encode = { (object: [String: Any]) in
                TestTokens.base64URL(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            }
            let input = try encode(["alg": "ES256", "typ": "JWT", "kid": kid]) + "." + encode(claims)
            let signature = try (signer ?? key).signature(for: Data(input.utf8))
            return input + "." + TestTokens.base64URL(signature.rawRepresentation)
        }
    }

    static func claims(_ extra: [String: Any] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "department": "T-ZHZX", "exp": Int(Date().timeIntervalSince1970) + 600, "iss": "https://idp.yc.example", "aud": "whistle",
        ]
        for (key, value) in extra { claims[key] = value }
        return claims
    }

    @Test func aCitysIdentityProviderSignsTokensThroughItsJWKS() async throws {
        let sandbox = try await TestSandbox("jwks")
        let provider = Provider()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-jwks-\(sandbox.vhost).json")
        try Data(provider.jwks.utf8).write(to: file)
        var evaluator: ServiceProcess?
        do {
            try await Fixtures.prepare(sandbox)
            evaluator = try ServiceProcess(
                "evaluator", sandbox: sandbox,
                extra: [
                    "WHISTLE_API_JWKS": file.path, "WHISTLE_API_JWT_ISSUER": "https://idp.yc.example",
                    "WHISTLE_API_JWT_AUDIENCE": "whistle",
                ])
            try await evaluator!.waitHealthy()
            let url = "http://127.0.0.1:\(evaluator!.port)/v1/tickets"
            func status(_ token: String) async throws -> Int { try await HTTP.get(url, token: token).0 }
            #expect(try await status(try provider.token(Self.claims())) == 200, "a token of the provider's key")
            #expect(try await status(try provider.token(Self.claims(), signer: P256.Signing.PrivateKey())) == 401, "another key, same kid")
            #expect(try await status(try provider.token(Self.claims(["aud": "another-app"]))) == 401, "meant for another audience")
            #expect(try await status(try provider.token(Self.claims(["iss": "https://evil.example"]))) == 401, "another issuer")
            #expect(try await status(try provider.token(Self.claims(["exp": Int(Date().timeIntervalSince1970) - 5]))) == 401, "expired")
            #expect(try await status(try provider.token(Self.claims(["department": "T-NONE"]))) == 401, "an unknown department")
            let shared = TestTokens.issue("T-ZHZX", extra: ["iss": "https://idp.yc.example", "aud": "whistle"])
            #expect(try await status(shared) == 200, "the site's shared secret works beside the JWKS")
            #expect(try await status(TestTokens.issue("T-ZHZX")) == 401, "but its tokens need iss and aud too")
        } catch {
            Issue.record("\(error)\n\(evaluator?.logTail() ?? "")")
        }
        await evaluator?.stop()
        try? FileManager.default.removeItem(at: file)
        await sandbox.tearDown()
    }

    @Test func evaluatorRefusesToStartWithoutAKey() async throws {
        let sandbox = try await TestSandbox("nokey")
        for (secret, words) in [("", "is not set"), ("short-secret", "use at least 32")] {
            let evaluator = try ServiceProcess("evaluator", sandbox: sandbox, extra: ["WHISTLE_API_JWT_SECRET": secret])
            let (status, _) = try await evaluator.waitForExit()
            #expect(status == 78, "EX_CONFIG, not a crash: \(evaluator.logTail())")
            #expect(evaluator.log().contains("evaluator: configuration error: WHISTLE_API_JWT_SECRET") && evaluator.log().contains(words))
            #expect(!evaluator.log().contains("Backtrac"), "one line, no crash report")
        }
        await sandbox.tearDown()
    }

    @Test func whistlectlIssuesTokensAndTheDashboardKeepsThemInASessionCookie() async throws {
        let sandbox = try await TestSandbox("tokens")
        var evaluator: ServiceProcess?
        do {
            try await Fixtures.prepare(sandbox)
            evaluator = try ServiceProcess("evaluator", sandbox: sandbox)
            try await evaluator!.waitHealthy()
            let base = "http://127.0.0.1:\(evaluator!.port)"
            let ctl = Ctl(databaseURL: sandbox.databaseURL, extra: ["WHISTLE_API_JWT_SECRET": TestTokens.secret])
            let issued = try await ctl.run(["token", "issue", "--department", "T-ZHZX", "--ttl", "30m"])
            #expect(issued.status == 0, "\(issued.stderr)")
            let token = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await HTTP.get(base + "/v1/tickets", token: token).0 == 200)
            let auditor = try await ctl.run(["token", "issue", "--role", "auditor", "--subject", "审计员甲"])
            let auditorToken = auditor.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await HTTP.get(base + "/v1/access-log", token: auditorToken).0 == 200)
            #expect(try await HTTP.get(base + "/v1/tickets/W20261121-000001", token: auditorToken).0 == 404)
            for bad in [
                ["token", "issue"], ["token", "issue", "--department", "T-ZHZX", "--ttl", "90d"], ["token", "issue", "--role", "root"],
            ] {
                let refused = try await ctl.run(bad)
                #expect(refused.status != 0 && refused.stderr.contains("whistlectl: error:"), "\(bad): \(refused.stderr)")
            }
            let unset = try await Ctl(databaseURL: sandbox.databaseURL, extra: ["WHISTLE_API_JWT_SECRET": ""]).run([
                "token", "issue", "--department", "T-ZHZX",
            ])
            #expect(unset.status != 0 && unset.stderr.contains("WHISTLE_API_JWT_SECRET"))
            try await Self.checkSession(base, token: token)
        } catch {
            Issue.record("\(error)\n\(evaluator?.logTail() ?? "")")
        }
        await evaluator?.stop()
        await sandbox.tearDown()
    }

    /// The login form sets an HttpOnly, SameSite=Strict cookie that opens the dashboard, never
    /// the JSON API; a bad token gets no cookie; `next` never leaves the site.
    static func checkSession(_ base: String, token: String) async throws {
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        var login = URLRequest(url: URL(string: base + "/login")!)
        login.httpMethod = "POST"
        login.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        login.httpBody = Data("token=\(token)&next=%2F%2Fevil.example%2F".utf8)
        let (_, response) = try await session.data(for: login)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 303 && http.value(forHTTPHeaderField: "Location") == "/", "next may not leave the site")
        let cookie = try #require(http.value(forHTTPHeaderField: "Set-Cookie"))
        #expect(cookie.hasPrefix("whistle_session=\(token);") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let value = String(cookie.split(separator: ";")[0])
        for (path, expected) in [("/", 200), ("/v1/tickets", 401), ("/v1/scores.csv", 200)] {
            var request = URLRequest(url: URL(string: base + path)!)
            request.setValue(value, forHTTPHeaderField: "Cookie")
            let (_, answer) = try await session.data(for: request)
            #expect((answer as? HTTPURLResponse)?.statusCode == expected, "\(path) with the session cookie")
        }
        login.httpBody = Data("token=\(token)x".utf8)
        let (_, refused) = try await session.data(for: login)
        #expect(
            (refused as? HTTPURLResponse)?.statusCode == 401
                && (refused as? HTTPURLResponse)?.value(forHTTPHeaderField: "Set-Cookie") == nil)
    }
}

/// Lets a test see a redirect instead of following it.
final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
