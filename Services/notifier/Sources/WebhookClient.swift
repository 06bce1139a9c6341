import AsyncHTTPClient
import Foundation
import NIOCore
import WhistleMessages
import WhistleReliability

/// POSTs one notification to its audience's endpoint, signed with that audience's key (CONTRACT
/// §6, and timestamped: `WebhookSignature`), over pooled keep-alive connections
/// (AsyncHTTPClient's shared client: event-loop I/O, no thread per call).
struct WebhookClient: Sendable {
    let secrets: [WebhookNotification.Audience: String]
    let timeout: TimeInterval

    init(secrets: [WebhookNotification.Audience: String], timeout: TimeInterval) {
        self.secrets = secrets
        self.timeout = timeout
    }

    /// The headers of one delivery of `body`: id, the body's signature, and the signature of
    /// `timestamp.body` with its timestamp. The timestamp is the wall clock's (`now`), never a
    /// test clock's: receivers compare it with theirs.
    static func headers(
        for notification: WebhookNotification, body: [UInt8], secret: String, now: Date = Date()
    ) -> [(String, String)] {
        let timestamp = WebhookSignature.timestamp(now)
        return [
            ("Content-Type", "application/json; charset=utf-8"),
            (WebhookSignature.idHeader, notification.notificationId),
            (WebhookSignature.header, WebhookSignature.sign(body, secret: secret)),
            (WebhookSignature.timestampHeader, String(timestamp)),
            (WebhookSignature.timestampedHeader, WebhookSignature.signTimestamped(body, timestamp: timestamp, secret: secret)),
        ]
    }

    /// Nil when the receiver answered 2xx; else why not (status or transport error).
    func deliver(_ notification: WebhookNotification, to endpoint: String) async -> String? {
        guard let secret = secrets[notification.audience] else { return "no signing key for \(notification.audience.rawValue)" }
        let body: [UInt8]
        do {
            body = Array(try WhistleJSON.encode(notification))
        } catch {
            return "cannot encode: \(error)"
        }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        for (name, value) in Self.headers(for: notification, body: body, secret: secret) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let milliseconds = Int64(timeout * 1000)
        let prepared = request
        // The client's deadline covers the request up to the answer's head; a receiver that
        // stalls in the middle of the body would hold the delivery round for ever. The whole
        // exchange races a timer, and the loser is cancelled.
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    let response = try await HTTPClient.shared.execute(prepared, timeout: .milliseconds(milliseconds))
                    // Read (and drop) the answer, so that the connection goes back to the pool.
                    _ = try await response.body.collect(upTo: 64 * 1024)
                    let status = Int(response.status.code)
                    return (200..<300).contains(status) ? nil : "HTTP \(status)"
                } catch {
                    return "\(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(milliseconds + 1000))
                return Task.isCancelled ? nil : "no complete answer within \(milliseconds + 1000) ms"
            }
            let first = await group.next() ?? "no answer"
            group.cancelAll()
            return first
        }
    }
}
