import Crypto
import Foundation

/// API tokens for the tests, made here by hand as any client of another stack would make them
/// (RFC 7519, HS256), so the tests also check that the API accepts a standard JWT: signed with the
/// secret every test service gets (`WHISTLE_API_JWT_SECRET`), or deliberately wrong.
enum TestTokens {
    static let secret = "whistle-test-secret-0123456789abcdefghijklmnop"

    /// A token for `department` (or an auditor with `role: "auditor"`), valid for `ttl` seconds
    /// (negative: already expired).
    static func issue(
        _ department: String?, role: String? = nil, ttl: Int = 3600, secret: String = secret, extra: [String: Any] = [:]
    )
        -> String
    {
        var claims: [String: Any] = ["exp": Int(Date().timeIntervalSince1970) + ttl, "iat": Int(Date().timeIntervalSince1970)]
        if let department { claims["department"] = department }
        if let role { claims["role"] = role }
        for (key, value) in extra { claims[key] = value }
        return sign(header: ["alg": "HS256", "typ": "JWT"], claims: claims, secret: secret)
    }

    /// A JWT with any header and claims, signed HS256 with `secret`.
    static func sign(header: [String: Any], claims: [String: Any], secret: String) -> String {
        let encode = { (object: [String: Any]) in
            base64URL((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
        }
        let signingInput = encode(header) + "." + encode(claims)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return signingInput + "." + base64URL(Data(mac))
    }

    /// A token with `alg: none` and no signature: an attacker's forgery.
    static func unsigned(_ claims: [String: Any]) -> String {
        let encode = { (object: [String: Any]) in
            base64URL((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
        }
        return encode(["alg": "none", "typ": "JWT"]) + "." + encode(claims) + "."
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The city command center: sees every ticket of the sample district.
    static let cityCommandCenter = issue("YC-ZHZX")
}
