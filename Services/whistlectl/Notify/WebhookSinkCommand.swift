import ArgumentParser
import Foundation
import Hummingbird
import Logging
import WhistleMessages
import WhistleReliability
import WhistleRuntime

/// `whistlectl webhook-sink`: a local receiver for notifier's webhooks (CONTRACT §6), for
/// development and tests.
struct WebhookSinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook-sink",
        abstract: "Receive notifier's webhooks locally: verify each signature, dedupe on the id, print each delivery.",
        discussion: """
            Answers POST on any path. Every request must carry X-Whistle-Signature (the HMAC-SHA256 of the body) \
            and X-Whistle-Signature-256 (t=<Unix seconds>,sha256=<HMAC-SHA256 of "<t>.<body>">, with the same t \
            in X-Whistle-Timestamp), both under the key of the body's audience: --audience-secret AUDIENCE=KEY or \
            WHISTLE_NOTIFY_<AUDIENCE>_SECRET, else --secret or WHISTLE_NOTIFY_SECRET. A missing or wrong signature \
            is answered 401 and printed as `rejected <id>: bad signature`; a correct one signed more than 5 minutes \
            before or after the sink's clock (a replayed delivery), 401 and `rejected <id>: expired (…)`; a body \
            that is not a notification, 400. A valid delivery is answered 200 and printed as one line: local time \
            (WHISTLE_TIMEZONE), audience, template, ticket, the recipient and the text with phone and ID numbers masked. \
            A notification id already delivered is answered 200 again and printed as `duplicate <id>`. \
            --fail-first K answers 503 to the first K signed requests of each notification id, so that a \
            retry sees failures and then success; --fail-all answers 503 to every signed request. --record \
            appends one JSON line per request, {id, path, verified, status, duplicate, body}, with the body as \
            received (it holds personal data: keep the file local). Runs until SIGINT or SIGTERM, then exits 0.
            """)

    @Option(help: ArgumentHelp("The port to listen on (0: any free port, printed at start).", valueName: "n"))
    var port: Int

    @Option(help: ArgumentHelp("The signing key of every audience without its own (default: $WHISTLE_NOTIFY_SECRET).", valueName: "secret"))
    var secret: String?

    @Option(
        name: .customLong("audience-secret"),
        help: ArgumentHelp(
            "One audience's signing key, e.g. citizen=KEY; repeatable (default: $WHISTLE_NOTIFY_<AUDIENCE>_SECRET).",
            valueName: "audience=key"))
    var audienceSecrets: [String] = []

    @Option(help: ArgumentHelp("The address to listen on.", valueName: "address"))
    var host = "127.0.0.1"

    @Option(
        name: .customLong("fail-first"),
        help: ArgumentHelp("Answer 503 to the first K signed requests of each notification id.", valueName: "k"))
    var failFirst = 0

    @Flag(name: .customLong("fail-all"), help: "Answer 503 to every signed request.")
    var failAll = false

    @Option(help: ArgumentHelp("Append one JSON line per request to this file.", valueName: "file"))
    var record: String?

    @Flag(help: "Print only the listening line, not a line per request.")
    var quiet = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (0...1_000_000).contains(failFirst) else { throw ValidationError("--fail-first must be between 0 and 1000000") }
        if host.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--host must not be empty") }
        if let secret, secret.isEmpty { throw ValidationError("--secret must not be empty") }
        if let record, record.isEmpty { throw ValidationError("--record must name a file") }
        _ = try explicitAudienceKeys()
    }

    /// The --audience-secret options by audience.
    func explicitAudienceKeys() throws -> [WebhookNotification.Audience: String] {
        var keys: [WebhookNotification.Audience: String] = [:]
        for option in audienceSecrets {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            let names = WebhookNotification.Audience.allCases.map(\.rawValue).joined(separator: ", ")
            guard parts.count == 2, let audience = WebhookNotification.Audience(rawValue: parts[0]), !parts[1].isEmpty else {
                throw ValidationError("--audience-secret must be AUDIENCE=KEY with AUDIENCE one of \(names)")
            }
            keys[audience] = parts[1]
        }
        return keys
    }

    /// The keys from the options, else from the environment.
    func keys() throws -> SinkKeys {
        var audiences = try explicitAudienceKeys()
        for audience in WebhookNotification.Audience.allCases where audiences[audience] == nil {
            audiences[audience] = ConnectionOptions.environment(audience.secretVariable)
        }
        let keys = SinkKeys(fallback: secret ?? ConnectionOptions.environment("WHISTLE_NOTIFY_SECRET"), audiences: audiences)
        guard !keys.all.isEmpty else {
            throw CtlError(.usage, "no signing key: give --secret or --audience-secret, or set WHISTLE_NOTIFY_SECRET")
        }
        return keys
    }

    func run() async throws {
        let keys = try keys()
        let time = LocalTime(zone: try ConnectionOptions.timeZone())
        let recorder = try record.map { try SinkRecorder(path: $0) }
        let sink = WebhookSink(
            rules: .init(keys: keys, failFirst: failFirst, failAll: failAll, quiet: quiet), time: time, recorder: recorder)
        let host = host
        let logger = Logger(label: "whistlectl.webhook-sink") { _ in SwiftLogNoOpLogHandler() }
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            await Self.respond(to: request, sink: sink)
        }
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: "whistlectl-webhook-sink"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                sink.say("listening on http://\(Self.urlHost(host)):\(bound)")
            },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            let reason = "\(error)".contains("Address already in use") ? "the address is in use" : "\(error)"
            throw CtlError(.io, "cannot listen on http://\(Self.urlHost(host)):\(port): \(reason)")
        }
    }

    /// The largest body the sink reads (notifier's bodies are a few hundred bytes).
    static let maxBody = 1 << 20

    /// Reads the request and hands it to the sink; the sink decides the answer.
    static func respond(to request: Request, sink: WebhookSink) async -> Response {
        var request = request
        let path = request.uri.path
        let id = request.headers[idField]
        guard request.method == .post else {
            let answer = await sink.refuse(path: path, id: id, status: 405, reason: "method \(request.method.rawValue), only POST")
            var response = HTTPServer.errorResponse("method_not_allowed", answer.message, status: .methodNotAllowed)
            response.headers[.allow] = "POST"
            return response
        }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.collectBody(upTo: maxBody))
        } catch {
            let answer = await sink.refuse(path: path, id: id, status: 413, reason: "body larger than \(maxBody) bytes")
            return HTTPServer.errorResponse("too_large", answer.message, status: .contentTooLarge)
        }
        let signatures = SignatureHeaders(
            body: request.headers[signatureField], timestamp: request.headers[timestampField],
            timestamped: request.headers[timestampedField])
        let answer = await sink.receive(path: path, id: id, signatures: signatures, body: body)
        let status = HTTPResponse.Status(code: answer.status)
        if answer.status == 200 { return HTTPServer.jsonResponse("{\"status\":\"\(answer.message)\"}") }
        return HTTPServer.errorResponse(answer.code, answer.message, status: status)
    }

    static let idField = HTTPFields.Element.Name(WebhookSignature.idHeader)!
    static let signatureField = HTTPFields.Element.Name(WebhookSignature.header)!
    static let timestampField = HTTPFields.Element.Name(WebhookSignature.timestampHeader)!
    static let timestampedField = HTTPFields.Element.Name(WebhookSignature.timestampedHeader)!

    /// The host as it goes in a URL: IPv6 addresses in brackets.
    static func urlHost(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }
}
