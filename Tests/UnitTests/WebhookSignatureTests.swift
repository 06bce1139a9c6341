import Foundation
import Testing
import WhistleMessages
import WhistleReliability
import WhistleRuntime

@testable import NotifierService

/// The webhook signatures (CONTRACT §6 and the timestamped one), their expiry, and notifier's
/// webhook settings: one key per audience, https only unless allowed.
@Suite("Webhook signatures")
struct WebhookSignatureTests {
    static let body = Array(#"{"notification_id":"n-1"}"#.utf8)
    static let key = "whistle-test-key"
    static let signedAt = 1_764_000_000
    static let timestamped = "t=1764000000,sha256=c6c597814e5378245c40df48964649db0b0e49de4ced9efda4e8e7931ffafaaf"

    static func at(_ seconds: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

    @Test("the contract's body signature is the HMAC-SHA256 of the body, unchanged")
    func bodySignature() {
        let fox = Array("The quick brown fox jumps over the lazy dog".utf8)
        #expect(WebhookSignature.sign(fox, secret: "key") == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        let signature = WebhookSignature.sign(Self.body, secret: Self.key)
        #expect(signature == "sha256=fc76fb45ac92e7bf6b1811f4a0996a7e8d1588ee3f44fba910639f6ad767c397")
        #expect(WebhookSignature.verify(Self.body, signature: signature.uppercased(), secret: Self.key))
        #expect(!WebhookSignature.verify(Self.body, signature: signature, secret: "other"))
        #expect(!WebhookSignature.verify(Self.body + [32], signature: signature, secret: Self.key))
    }

    @Test("the timestamped signature covers t.body and holds for 5 minutes either way")
    func timestampedSignature() throws {
        #expect(WebhookSignature.signTimestamped(Self.body, timestamp: Self.signedAt, secret: Self.key) == Self.timestamped)
        #expect(WebhookSignature.timestamp(Date(timeIntervalSince1970: 1_764_000_000.9)) == Self.signedAt)
        typealias T = WebhookSignatureTests
        func check(
            now: Int, signature: String? = T.timestamped, header: String? = "1764000000", body: [UInt8] = T.body, key: String = T.key
        ) throws(WebhookSignature.Rejection) -> Int {
            try WebhookSignature.verifyTimestamped(body, signature: signature, timestampHeader: header, secret: key, now: Self.at(now))
        }
        #expect(try check(now: Self.signedAt) == Self.signedAt)
        #expect(try check(now: Self.signedAt + 300) == Self.signedAt)
        #expect(try check(now: Self.signedAt - 300, header: nil) == Self.signedAt)
        #expect(throws: WebhookSignature.Rejection.expired(seconds: 301)) { try check(now: Self.signedAt + 301) }
        #expect(throws: WebhookSignature.Rejection.expired(seconds: 86_400)) { try check(now: Self.signedAt + 86_400) }
        #expect(throws: WebhookSignature.Rejection.fromTheFuture(seconds: 301)) { try check(now: Self.signedAt - 301) }
        #expect(throws: WebhookSignature.Rejection.badSignature) { try check(now: Self.signedAt, key: "other") }
        #expect(throws: WebhookSignature.Rejection.badSignature) { try check(now: Self.signedAt, body: Self.body + [32]) }
        // A replay with a fresh timestamp no longer matches the signature.
        let refreshed = Self.timestamped.replacingOccurrences(of: "t=1764000000", with: "t=1764000600")
        #expect(throws: WebhookSignature.Rejection.badSignature) { try check(now: Self.signedAt + 600, signature: refreshed, header: nil) }
        #expect(throws: WebhookSignature.Rejection.timestampMismatch) { try check(now: Self.signedAt, header: "1764000001") }
        for malformed in [nil, "", "sha256=abc", "t=x,sha256=abc", "t=1764000000", "t=1764000000;sha256=ab", "t=-1,sha256=ab"] {
            #expect(throws: WebhookSignature.Rejection.missing) { try check(now: Self.signedAt, signature: malformed) }
        }
        #expect("\(WebhookSignature.Rejection.expired(seconds: 400))" == "signed 400 s ago, more than 300 s")
    }

    @Test("every delivery carries the id, both signatures and the timestamp, under its audience's key")
    func deliveryHeaders() throws {
        let notification = WebhookNotification(
            notificationId: "n-1", audience: .citizen, recipient: "13800000000", ticketNo: nil, eventType: "ticket.accepted",
            template: "citizen_receipt", text: "t")
        let list = WebhookClient.headers(for: notification, body: Self.body, secret: Self.key, now: Self.at(Self.signedAt))
        let headers = Dictionary(uniqueKeysWithValues: list)
        #expect(headers[WebhookSignature.idHeader] == "n-1")
        #expect(headers[WebhookSignature.header] == WebhookSignature.sign(Self.body, secret: Self.key))
        #expect(headers[WebhookSignature.timestampHeader] == "1764000000")
        #expect(headers[WebhookSignature.timestampedHeader] == Self.timestamped)
    }

    @Test("one key per audience, falling back to WHISTLE_NOTIFY_SECRET; a missing key names the variables")
    func perAudienceKeys() throws {
        let urls = [
            "WHISTLE_NOTIFY_CITIZEN_URL": "https://sms.example.gov.cn/hook",
            "WHISTLE_NOTIFY_DEPARTMENT_URL": "https://oa.example.gov.cn/hook",
        ]
        let configured = try NotifierConfiguration(
            environment: urls.merging(["WHISTLE_NOTIFY_SECRET": "default", "WHISTLE_NOTIFY_CITIZEN_SECRET": "citizen"]) { $1 })
        #expect(configured.secrets == [.citizen: "citizen", .department: "default"])
        #expect(!configured.allowHTTP)
        let own = try NotifierConfiguration(
            environment: urls.merging(["WHISTLE_NOTIFY_CITIZEN_SECRET": "c", "WHISTLE_NOTIFY_DEPARTMENT_SECRET": "d"]) { $1 })
        #expect(own.secrets == [.citizen: "c", .department: "d"])
        let error = try #require(throws: ConfigurationError.self) {
            try NotifierConfiguration(environment: urls.merging(["WHISTLE_NOTIFY_CITIZEN_SECRET": "c"]) { $1 })
        }
        #expect(error.variable == "WHISTLE_NOTIFY_DEPARTMENT_SECRET" && error.message.contains("WHISTLE_NOTIFY_SECRET"), "\(error)")
        #expect(WebhookNotification.Audience.reporter.secretVariable == "WHISTLE_NOTIFY_REPORTER_SECRET")
    }

    @Test("endpoints are https unless WHISTLE_NOTIFY_ALLOW_HTTP=true")
    func httpsOnly() throws {
        let plain = ["WHISTLE_NOTIFY_SUPERVISOR_URL": "http://127.0.0.1:9/supervisor", "WHISTLE_NOTIFY_SECRET": "s"]
        let error = try #require(throws: ConfigurationError.self) { try NotifierConfiguration(environment: plain) }
        #expect(error.variable == "WHISTLE_NOTIFY_SUPERVISOR_URL" && error.message.contains("WHISTLE_NOTIFY_ALLOW_HTTP=true"), "\(error)")
        let allowed = try NotifierConfiguration(environment: plain.merging(["WHISTLE_NOTIFY_ALLOW_HTTP": "true"]) { $1 })
        #expect(allowed.allowHTTP && allowed.endpoints == [.supervisor: "http://127.0.0.1:9/supervisor"])
        #expect(throws: ConfigurationError.self) {
            try NotifierConfiguration(environment: plain.merging(["WHISTLE_NOTIFY_ALLOW_HTTP": "maybe"]) { $1 })
        }
        for bad in ["ftp://x/y", "https://", "hook.example.gov.cn/path"] {
            #expect(throws: ConfigurationError.self) {
                try NotifierConfiguration(environment: ["WHISTLE_NOTIFY_SUPERVISOR_URL": bad, "WHISTLE_NOTIFY_SECRET": "s"])
            }
        }
        let https = try NotifierConfiguration(
            environment: ["WHISTLE_NOTIFY_REPORTER_URL": "HTTPS://grid.example.gov.cn/h", "WHISTLE_NOTIFY_SECRET": "s"])
        #expect(https.endpoints == [.reporter: "HTTPS://grid.example.gov.cn/h"])
    }
}
