import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import WhistleMessages
import WhistleReliability

/// POSTs one notification to its audience's endpoint, signed (CONTRACT §6).
struct WebhookClient: Sendable {
    let secret: String
    let timeout: TimeInterval
    private let session: URLSession

    init(secret: String, timeout: TimeInterval) {
        self.secret = secret
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 2
        configuration.httpMaximumConnectionsPerHost = 32
        session = URLSession(configuration: configuration)
    }

    /// Nil when the receiver answered 2xx; else why not (status or transport error).
    func deliver(_ notification: WebhookNotification, to endpoint: String) async -> String? {
        guard let url = URL(string: endpoint) else { return "bad endpoint URL" }
        let body: [UInt8]
        do {
            body = Array(try WhistleJSON.encode(notification))
        } catch {
            return "cannot encode: \(error)"
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue(notification.notificationId, forHTTPHeaderField: WebhookSignature.idHeader)
        request.setValue(WebhookSignature.sign(body, secret: secret), forHTTPHeaderField: WebhookSignature.header)
        do {
            let (_, response) = try await session.data(for: request)
            guard let status = (response as? HTTPURLResponse)?.statusCode else { return "no HTTP response" }
            return (200..<300).contains(status) ? nil : "HTTP \(status)"
        } catch {
            return "\((error as NSError).localizedDescription)"
        }
    }
}
