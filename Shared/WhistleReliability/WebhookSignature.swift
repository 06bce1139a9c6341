import Crypto
import Foundation

/// The signatures of a webhook delivery (CONTRACT §6), each an HMAC-SHA256 under the audience's
/// key (`WHISTLE_NOTIFY_<AUDIENCE>_SECRET`, else `WHISTLE_NOTIFY_SECRET`):
///
/// - `X-Whistle-Signature: sha256=<hex of the body>` — the contract's signature, unchanged;
/// - `X-Whistle-Timestamp: <Unix seconds>` and
///   `X-Whistle-Signature-256: t=<Unix seconds>,sha256=<hex of "<t>.<body>">` — the timestamped
///   signature: a receiver that checks it and refuses a `t` more than ``tolerance`` from its own
///   clock cannot be fed a captured delivery again later.
///
/// Receivers verify before trusting a delivery, and dedupe on `X-Whistle-Notification-Id`.
public enum WebhookSignature {
    /// The header carrying the signature of the body alone.
    public static let header = "X-Whistle-Signature"
    /// The header carrying the notification id.
    public static let idHeader = "X-Whistle-Notification-Id"
    /// The header carrying the signing time, Unix seconds.
    public static let timestampHeader = "X-Whistle-Timestamp"
    /// The header carrying the timestamped signature, `t=<seconds>,sha256=<hex>`.
    public static let timestampedHeader = "X-Whistle-Signature-256"
    /// How far a delivery's timestamp may lie from the receiver's clock, either way: 5 minutes.
    public static let tolerance: TimeInterval = 300

    /// Why a timestamped signature was refused.
    public enum Rejection: Error, Equatable, Sendable, CustomStringConvertible {
        /// No `X-Whistle-Signature-256`, or not of the form `t=<seconds>,sha256=<hex>`.
        case missing
        /// `X-Whistle-Timestamp` differs from the signature's `t`.
        case timestampMismatch
        /// Not the signature of `t.body` under the key.
        case badSignature
        /// Signed correctly, but `seconds` before the receiver's clock (a replay or a stale retry).
        case expired(seconds: Int)
        /// Signed correctly, but `seconds` after the receiver's clock.
        case fromTheFuture(seconds: Int)

        public var description: String {
            switch self {
            case .missing: "missing or malformed \(WebhookSignature.timestampedHeader)"
            case .timestampMismatch: "\(WebhookSignature.timestampHeader) differs from the signature's t"
            case .badSignature: "wrong \(WebhookSignature.timestampedHeader)"
            case .expired(let seconds): "signed \(seconds) s ago, more than \(Int(WebhookSignature.tolerance)) s"
            case .fromTheFuture(let seconds): "signed \(seconds) s in the future, more than \(Int(WebhookSignature.tolerance)) s"
            }
        }
    }

    /// `sha256=<lower-case hex>` of `body` under `secret`.
    public static func sign(_ body: [UInt8], secret: String) -> String {
        "sha256=" + mac(body, secret: secret)
    }

    /// Whether `signature` is the signature of `body` under `secret` (compared in constant time).
    public static func verify(_ body: [UInt8], signature: String, secret: String) -> Bool {
        equalInConstantTime(sign(body, secret: secret), signature.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// `t=<timestamp>,sha256=<lower-case hex of "<timestamp>.<body>">` under `secret`.
    public static func signTimestamped(_ body: [UInt8], timestamp: Int, secret: String) -> String {
        "t=\(timestamp),sha256=" + mac(Array("\(timestamp).".utf8) + body, secret: secret)
    }

    /// The Unix seconds of `date`, as they go in `X-Whistle-Timestamp`.
    public static func timestamp(_ date: Date) -> Int {
        Int(date.timeIntervalSince1970.rounded(.down))
    }

    /// Checks `X-Whistle-Signature-256` (`signature`) of `body` under `secret`, and that its time
    /// lies within ``tolerance`` of `now`; `timestampHeader`, when given, must equal its `t`.
    /// Returns the signing time.
    @discardableResult
    public static func verifyTimestamped(
        _ body: [UInt8], signature: String?, timestampHeader: String?, secret: String, now: Date,
        tolerance: TimeInterval = tolerance
    ) throws(Rejection) -> Int {
        guard let signature, let timestamp = parseTimestamp(signature) else { throw .missing }
        if let timestampHeader, timestampHeader.trimmingCharacters(in: .whitespaces) != String(timestamp) {
            throw .timestampMismatch
        }
        let given = signature.trimmingCharacters(in: .whitespaces).lowercased()
        guard equalInConstantTime(signTimestamped(body, timestamp: timestamp, secret: secret), given) else { throw .badSignature }
        let age = Int(now.timeIntervalSince1970.rounded(.down)) - timestamp
        if Double(age) > tolerance { throw .expired(seconds: age) }
        if Double(-age) > tolerance { throw .fromTheFuture(seconds: -age) }
        return timestamp
    }

    /// The `t` of `t=<seconds>,sha256=<hex>`.
    private static func parseTimestamp(_ signature: String) -> Int? {
        let parts = signature.trimmingCharacters(in: .whitespaces).split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].hasPrefix("t="), parts[1].lowercased().hasPrefix("sha256="),
            let seconds = Int(parts[0].dropFirst(2)), seconds >= 0
        else { return nil }
        return seconds
    }

    private static func mac(_ data: [UInt8], secret: String) -> String {
        Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: Array(secret.utf8)))))
    }

    private static func equalInConstantTime(_ expected: String, _ given: String) -> Bool {
        let a = Array(expected.utf8)
        let b = Array(given.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
