import Foundation
import WhistleDomain
import WhistleMessages
import WhistleReliability

/// The state of `webhook-sink`: which notification ids it saw and delivered. One request at a
/// time goes through it, so its lines on standard output and in the record never interleave.
actor WebhookSink {
    struct Rules: Sendable {
        var keys: SinkKeys
        var failFirst: Int
        var failAll: Bool
        var quiet: Bool
    }

    /// What to answer: the HTTP status, an error code for the body, and a short message
    /// (`delivered` or `duplicate` on 200).
    struct Answer: Sendable {
        var status: Int
        var code: String
        var message: String
    }

    private let rules: Rules
    private let time: LocalTime
    private let recorder: SinkRecorder?
    /// Signed requests per notification id, for --fail-first.
    private var requests: [String: Int] = [:]
    /// Ids answered 200 once already.
    private var delivered: Set<String> = []

    init(rules: Rules, time: LocalTime, recorder: SinkRecorder?) {
        self.rules = rules
        self.time = time
        self.recorder = recorder
    }

    /// A line on standard output, flushed at once (tests and pipes read it while the sink runs).
    nonisolated func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// A request refused before its body was looked at (wrong method, body too large).
    func refuse(path: String, id: String?, status: Int, reason: String) -> Answer {
        report("rejected \(Self.shown(id)): \(reason)")
        recorder?.append(id: id, path: path, verified: false, status: status, duplicate: false, body: [])
        return Answer(status: status, code: status == 405 ? "method_not_allowed" : "too_large", message: reason)
    }

    /// Verifies, decodes, applies --fail-first / --fail-all, dedupes and prints one request.
    func receive(path: String, id header: String?, signatures: SignatureHeaders, body: [UInt8]) -> Answer {
        var id = header
        let answer = decide(id: &id, signatures: signatures, body: body)
        let verified = answer.code != "bad_signature" && answer.code != "expired"
        recorder?.append(
            id: id, path: path, verified: verified, status: answer.status, duplicate: answer.message == "duplicate", body: body)
        return answer
    }

    private func decide(id: inout String?, signatures: SignatureHeaders, body: [UInt8]) -> Answer {
        let signer: String
        switch rules.keys.verify(body, signatures, now: Date()) {
        case .signed(let key):
            signer = key
        case .expired(let reason):
            // Signed with a key, but too old (a replayed delivery) or too far ahead.
            report("rejected \(Self.shown(id)): expired (\(reason))")
            return Answer(status: 401, code: "expired", message: reason)
        case .bad(let reason):
            report("rejected \(Self.shown(id)): bad signature")
            return Answer(status: 401, code: "bad_signature", message: reason)
        }
        let notification: WebhookNotification
        do {
            notification = try WhistleJSON.decode(WebhookNotification.self, from: Data(body))
        } catch {
            report("rejected \(Self.shown(id)): not a notification")
            return Answer(status: 400, code: "invalid_body", message: "the body is not a notification: \(CtlError.oneLine("\(error)"))")
        }
        guard rules.keys.key(for: notification.audience) == signer else {
            report("rejected \(Self.shown(id)): bad signature (another audience's key)")
            let audience = notification.audience.rawValue
            return Answer(status: 401, code: "bad_signature", message: "signed with another key than the \(audience) audience's")
        }
        if let header = id, header != notification.notificationId {
            report("rejected \(header): the body's notification_id is \(notification.notificationId)")
            return Answer(status: 400, code: "id_mismatch", message: "\(WebhookSignature.idHeader) differs from the body's notification_id")
        }
        let key = notification.notificationId
        id = key
        if rules.failAll {
            report("unavailable \(key): 503 (--fail-all)")
            return Answer(status: 503, code: "unavailable", message: "failing on purpose (--fail-all)")
        }
        let count = requests[key, default: 0] + 1
        requests[key] = count
        if count <= rules.failFirst {
            report("unavailable \(key): 503 (--fail-first \(rules.failFirst): request \(count))")
            return Answer(status: 503, code: "unavailable", message: "failing on purpose (--fail-first \(rules.failFirst))")
        }
        if delivered.contains(key) {
            report("duplicate \(key)")
            return Answer(status: 200, code: "", message: "duplicate")
        }
        delivered.insert(key)
        report(line(notification))
        return Answer(status: 200, code: "", message: "delivered")
    }

    /// `<local time> <audience> <template> <ticket> → <recipient> : <text>`, personal data masked.
    private func line(_ notification: WebhookNotification) -> String {
        let recipient = Redaction.recipient(notification.recipient, audience: notification.audience.rawValue)
        let text = DisplayWidth.sanitized(PersonalData.maskText(notification.text))
        return "\(time.format(Date())) \(notification.audience.rawValue) \(notification.template) \(notification.ticketNo ?? "-") → "
            + "\(DisplayWidth.sanitized(recipient)) : \(text)"
    }

    private func report(_ line: String) {
        if !rules.quiet { say(line) }
    }

    /// An id from a header as printed: on one line and cut short (it is not trusted yet), `-` when absent.
    private static func shown(_ id: String?) -> String {
        guard let id, !id.isEmpty else { return "-" }
        return DisplayWidth.prefix(id, characters: 64).replacingOccurrences(of: " ", with: "_")
    }
}

/// `--record FILE`: one JSON line per request, appended and written through at once.
final class SinkRecorder: @unchecked Sendable {
    private let handle: FileHandle
    private let path: String
    private var failed = false

    init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CtlError(.io, "cannot create the record file \(path)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CtlError(.io, "cannot write the record file \(path)") }
        self.handle = handle
        do {
            try handle.seekToEnd()
        } catch {
            throw CtlError(.io, "cannot write the record file \(path): \(error.localizedDescription)")
        }
    }

    /// `{"body":…,"duplicate":…,"id":…,"path":…,"status":…,"verified":…}`: the body as a JSON
    /// value when it is JSON, else as a string. Called by the sink only, one request at a time.
    func append(id: String?, path requestPath: String, verified: Bool, status: Int, duplicate: Bool, body: [UInt8]) {
        let value: JSONValue
        if let parsed = try? JSONParser(maxBytes: WebhookSinkCommand.maxBody).parse(body) {
            value = parsed
        } else {
            value = .string(String(decoding: body, as: UTF8.self))
        }
        let fields = [
            "\"body\":\(value)", "\"duplicate\":\(duplicate)", "\"id\":\(id.map { JSONValue.string($0).description } ?? "null")",
            "\"path\":\(JSONValue.string(requestPath))", "\"status\":\(status)", "\"verified\":\(verified)",
        ]
        let line = "{" + fields.joined(separator: ",") + "}\n"
        do {
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            if !failed { printError("whistlectl: error: cannot write the record file \(path): \(error.localizedDescription)") }
            failed = true
        }
    }
}
