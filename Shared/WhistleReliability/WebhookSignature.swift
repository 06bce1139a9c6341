import Crypto
import Foundation

/// The signature of a webhook body (CONTRACT §6): `X-Whistle-Signature: sha256=<hex HMAC-SHA256
/// of the body>` with the key `WHISTLE_NOTIFY_SECRET`. Receivers verify it before trusting a
/// delivery, and dedupe on `X-Whistle-Notification-Id`.
public enum WebhookSignature {
    /// The header carrying the signature.
    public static let header = "X-Whistle-Signature"
    /// The header carrying the notification id.
    public static let idHeader = "X-Whistle-Notification-Id"

    /// `sha256=<lower-case hex>` of `body` under `secret`.
    public static func sign(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + Hex.encode(Array(mac))
    }

    /// Whether `signature` is the signature of `body` under `secret` (compared in constant time).
    public static func verify(_ body: [UInt8], signature: String, secret: String) -> Bool {
        let expected = Array(sign(body, secret: secret).utf8)
        let given = Array(signature.trimmingCharacters(in: .whitespaces).lowercased().utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }
}
