import Foundation
import WhistleMessages
import WhistleReliability

/// The signature headers of one request to `webhook-sink`.
struct SignatureHeaders: Sendable {
    /// `X-Whistle-Signature`: the body's signature (CONTRACT §6).
    var body: String?
    /// `X-Whistle-Timestamp`.
    var timestamp: String?
    /// `X-Whistle-Signature-256`: the signature of `timestamp.body`.
    var timestamped: String?
}

/// The keys `webhook-sink` verifies with: an audience's own (`--audience-secret`,
/// `WHISTLE_NOTIFY_<AUDIENCE>_SECRET`), else the default (`--secret`, `WHISTLE_NOTIFY_SECRET`).
struct SinkKeys: Sendable {
    var fallback: String?
    var audiences: [WebhookNotification.Audience: String]

    /// What the signatures of a request say.
    enum Verdict: Equatable, Sendable {
        /// Both signatures hold under `key`, signed within 5 minutes of now.
        case signed(key: String)
        /// Signed with one of the keys, but too long ago (a replay) or too far ahead.
        case expired(String)
        /// Missing, malformed or wrong.
        case bad(String)
    }

    /// The key that signs an audience's deliveries.
    func key(for audience: WebhookNotification.Audience) -> String? {
        audiences[audience] ?? fallback
    }

    /// Every distinct key, in a fixed order.
    var all: [String] {
        var keys: [String] = []
        for audience in WebhookNotification.Audience.allCases {
            if let key = audiences[audience], !keys.contains(key) { keys.append(key) }
        }
        if let fallback, !keys.contains(fallback) { keys.append(fallback) }
        return keys
    }

    /// Which key signed the request: the timestamped signature must hold and be fresh, and the
    /// body's signature must hold under the same key. The caller still checks that the key is the
    /// one of the body's audience.
    func verify(_ body: [UInt8], _ headers: SignatureHeaders, now: Date) -> Verdict {
        for key in all {
            do {
                try WebhookSignature.verifyTimestamped(
                    body, signature: headers.timestamped, timestampHeader: headers.timestamp, secret: key, now: now)
            } catch {
                switch error {
                case .badSignature: continue
                case .expired, .fromTheFuture: return .expired("\(error)")
                case .missing, .timestampMismatch: return .bad("\(error)")
                }
            }
            guard let signature = headers.body else { return .bad("missing \(WebhookSignature.header)") }
            guard WebhookSignature.verify(body, signature: signature, secret: key) else {
                return .bad("wrong \(WebhookSignature.header)")
            }
            return .signed(key: key)
        }
        return .bad("wrong \(WebhookSignature.timestampedHeader)")
    }
}
