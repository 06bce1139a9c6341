import Foundation
import Testing
import WhistleMessages
import WhistlePostgres
import WhistleReliability

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `whistlectl webhook-sink` (a real process on a free port, posted to as notifier would) and
/// `whistlectl notifications list` (against a fresh database with rows inserted by hand).
@Suite("whistlectl notifications", .serialized)
struct WhistlectlNotifyTests {
    static let ticketNo = "W20261121-000007"
    static let phone = "13812345678"
    static let masked = "138****5678"

    static func notification() -> WebhookNotification {
        WebhookNotification(
            notificationId: UUID().uuidString.lowercased(), audience: .citizen, recipient: phone, ticketNo: ticketNo,
            eventType: "ticket.accepted", template: "citizen.accepted", text: "您的诉求 \(ticketNo) 已受理，回电 \(phone)")
    }

    @Test func sinkRejectsBadSignaturesFailsFirstAndDedupes() async throws {
        let secret = "sink-secret-" + UUID().uuidString
        let sink = try await SinkProcess.start(["--secret", secret, "--fail-first", "2"])
        defer { sink.cleanUp() }
        let notification = Self.notification()
        let id = notification.notificationId
        let body = Array(try WhistleJSON.encode(notification))

        let wrong = try await sink.post("/citizen", body: body, id: id, headers: SinkProcess.signed(body, secret: "not-the-secret"))
        #expect(wrong == 401)
        var statuses: [Int] = []
        for _ in 0..<4 {
            statuses.append(try await sink.post("/citizen", body: body, id: id, headers: SinkProcess.signed(body, secret: secret)))
        }
        #expect(statuses == [503, 503, 200, 200])

        let output = try await sink.waitForOutput { $0.contains("duplicate \(id)") }
        #expect(output.contains("rejected \(id): bad signature"), "\(output)")
        #expect(output.components(separatedBy: "unavailable \(id): 503").count == 3, "\(output)")
        let delivery = "citizen citizen.accepted \(Self.ticketNo) → \(Self.masked) : 您的诉求 \(Self.ticketNo) 已受理，回电 \(Self.masked)"
        #expect(output.contains(delivery), "\(output)")
        #expect(output.components(separatedBy: delivery).count == 2, "delivered once: \(output)")
        #expect(!output.contains(Self.phone), "a full phone number was printed: \(output)")

        let records = try sink.records()
        try #require(records.count == 5, "\(records)")
        #expect(records.map { $0["status"] as? Int } == [401, 503, 503, 200, 200])
        #expect(records.map { $0["verified"] as? Bool } == [false, true, true, true, true])
        #expect(records.map { $0["duplicate"] as? Bool } == [false, false, false, false, true])
        for record in records {
            #expect(record["id"] as? String == id)
            #expect(record["path"] as? String == "/citizen")
            let recorded = try #require(record["body"] as? [String: Any], "the body is recorded as JSON: \(record)")
            #expect(recorded["notification_id"] as? String == id && recorded["recipient"] as? String == Self.phone)
        }

        sink.signal(SIGTERM)
        #expect(try await sink.waitForExit() == 0)
    }

    @Test func sinkFailAllStillChecksSignaturesAndRefusesOtherBodies() async throws {
        let secret = "sink-secret-" + UUID().uuidString
        let sink = try await SinkProcess.start(["--secret", secret, "--fail-all"])
        defer { sink.cleanUp() }
        let body = Array(try WhistleJSON.encode(Self.notification()))
        let id = try WhistleJSON.decode(WebhookNotification.self, from: Data(body)).notificationId
        #expect(try await sink.post("/d", body: body, id: id, headers: [:]) == 401)
        for _ in 0..<3 {
            #expect(try await sink.post("/d", body: body, id: id, headers: SinkProcess.signed(body, secret: secret)) == 503)
        }
        let junk = Array(#"{"hello":"world"}"#.utf8)
        #expect(try await sink.post("/d", body: junk, id: "x-1", headers: SinkProcess.signed(junk, secret: secret)) == 400)

        let records = try sink.records()
        #expect(records.map { $0["status"] as? Int } == [401, 503, 503, 503, 400])
        let output = try await sink.waitForOutput { $0.contains("rejected x-1: not a notification") }
        #expect(output.components(separatedBy: "unavailable \(id): 503 (--fail-all)").count == 4, "\(output)")
        #expect(!output.contains("→"), "nothing was delivered: \(output)")
        sink.signal(SIGINT)
        #expect(try await sink.waitForExit() == 0)
    }

    @Test func notificationsListShowsATicketsNotificationsMasked() async throws {
        try await Ctl.withDatabase { ctl, pool in
            // The first run of whistlectl migrates the fresh database.
            let none = try await ctl.run(["notifications", "list", "--ticket", "W20261121-000099"])
            #expect(none.status == 0 && none.stdout == "no notifications for W20261121-000099\n", "\(none.stdout)\(none.stderr)")
            let ids = (0..<4).map { _ in UUID().uuidString.lowercased() }
            try await pool.withConnection { connection in
                _ = try connection.query(
                    """
                    INSERT INTO notifications (notification_id, event_id, event_type, ticket_no, audience, recipient, template, text,
                                               urgent, status, reason, attempts, last_error, sent_at, created_at)
                    VALUES ($1::uuid, 'e-2', 'assignment.created', $5, 'department', 'GL-JDB', 'department.new_work',
                            '新工单 \(Self.ticketNo)：占道经营，联系 \(Self.phone)', true, 'failed', NULL, 5, 'HTTP 503', NULL,
                            '2026-11-21T01:05:00Z'),
                           ($2::uuid, 'e-1', 'ticket.accepted', $5, 'citizen', '\(Self.phone)', 'citizen.accepted',
                            '您的诉求 \(Self.ticketNo) 已受理，回电 \(Self.phone)', false, 'sent', NULL, 1, NULL,
                            '2026-11-21T01:00:02Z', '2026-11-21T01:00:00Z'),
                           ($3::uuid, 'e-3', 'ticket.escalated', $5, 'supervisor', 'CC-QS', 'supervisor.escalated',
                            '督办 \(Self.ticketNo)', false, 'undeliverable', 'no endpoint (WHISTLE_NOTIFY_SUPERVISOR_URL)', 0, NULL, NULL,
                            '2026-11-21T02:00:00Z'),
                           ($4::uuid, 'e-4', 'ticket.accepted', 'W20261121-000008', 'citizen', '13900001111', 'citizen.accepted',
                            'other ticket', false, 'pending', NULL, 0, NULL, NULL, '2026-11-21T00:00:00Z')
                    """, [ids[0], ids[1], ids[2], ids[3], Self.ticketNo])
            }
            let list = try await ctl.run(["notifications", "list", "--ticket", Self.ticketNo])
            #expect(list.status == 0, "\(list.stderr)")
            let lines = list.stdout.split(separator: "\n").map(String.init)
            let header = try #require(lines.first)
            for column in ["CREATED", "EVENT", "AUDIENCE", "RECIPIENT", "TEMPLATE", "STATUS", "ATTEMPTS"] {
                #expect(header.contains(column), "\(header)")
            }
            try #require(lines.count > 4, "\(list.stdout)")
            #expect(lines[1].contains("2026-11-21 09:00:00") && lines[1].contains("ticket.accepted") && lines[1].contains(Self.masked))
            #expect(lines[1].contains("citizen.accepted") && lines[1].contains("sent"), "\(lines[1])")
            #expect(lines[2].contains("2026-11-21 09:05:00") && lines[2].contains("GL-JDB") && lines[2].contains("failed"))
            #expect(lines[2].contains("(urgent)") && lines[2].hasSuffix("HTTP 503"), "\(lines[2])")
            #expect(lines[3].contains("undeliverable") && lines[3].contains("no endpoint (WHISTLE_NOTIFY_SUPERVISOR_URL)"))
            #expect(list.stdout.contains("您的诉求 \(Self.ticketNo) 已受理，回电 \(Self.masked)"), "texts, ticket numbers whole")
            #expect(list.stdout.contains("3 notifications: 1 sent, 1 failed, 1 undeliverable"), "\(list.stdout)")
            #expect(!list.stdout.contains(Self.phone) && !list.stdout.contains("other ticket"), "\(list.stdout)")

            let json = try await ctl.run(["notifications", "list", "--ticket", Self.ticketNo, "--json"])
            #expect(json.status == 0, "\(json.stderr)")
            #expect(!json.stdout.contains(Self.phone), "\(json.stdout)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            #expect(rows.map { $0["notification_id"] as? String } == [ids[1], ids[0], ids[2]])
            #expect(rows.map { $0["status"] as? String } == ["sent", "failed", "undeliverable"])
            #expect(rows.map { $0["attempts"] as? Int } == [1, 5, 0])
            #expect(rows[0]["recipient"] as? String == Self.masked && rows[1]["recipient"] as? String == "GL-JDB")
            #expect(rows[0]["text"] as? String == "您的诉求 \(Self.ticketNo) 已受理，回电 \(Self.masked)")
            #expect(rows[1]["last_error"] as? String == "HTTP 503" && rows[1]["urgent"] as? Bool == true)
            #expect(rows[2]["reason"] as? String == "no endpoint (WHISTLE_NOTIFY_SUPERVISOR_URL)" && rows[2]["sent_at"] is NSNull)
            #expect(rows.allSatisfy { $0["ticket_no"] as? String == Self.ticketNo })

            let bad = try await ctl.run(["notifications", "list", "--ticket", "W2026-7"])
            #expect(bad.status == 64 && bad.stderr.contains("not a ticket number"), "\(bad.stderr)")
        }
    }
}

/// `whistlectl webhook-sink` running on a free port, its output and record in files.
final class SinkProcess: @unchecked Sendable {
    let port: Int
    let folder: URL
    private let process = Process()

    var outputFile: URL { folder.appendingPathComponent("stdout") }
    var recordFile: URL { folder.appendingPathComponent("record.jsonl") }

    private init(port: Int, folder: URL) {
        self.port = port
        self.folder = folder
    }

    /// Starts the sink with `arguments` (plus --port and --record) and waits for its first line.
    static func start(_ arguments: [String]) async throws -> SinkProcess {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistlectl-sink-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sink = SinkProcess(port: try FreePort.next(), folder: folder)
        _ = FileManager.default.createFile(atPath: sink.outputFile.path, contents: nil)
        let binary = URL(fileURLWithPath: try Ctl.environment("WHISTLE_TEST_BIN_DIR")).appendingPathComponent("whistlectl")
        sink.process.executableURL = binary
        sink.process.arguments = ["webhook-sink", "--port", String(sink.port), "--record", sink.recordFile.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["WHISTLE_TIMEZONE"] = "Asia/Shanghai"
        sink.process.environment = environment
        let output = try FileHandle(forWritingTo: sink.outputFile)
        sink.process.standardOutput = output
        sink.process.standardError = output
        try sink.process.run()
        let listening = "listening on http://127.0.0.1:\(sink.port)"
        let printed = try await sink.waitForOutput { $0.contains(listening) }
        try #require(printed.hasPrefix(listening), "\(printed)")
        return sink
    }

    /// The signature headers notifier sends with `body`, signed `at` under `secret`.
    static func signed(_ body: [UInt8], secret: String, at date: Date = Date()) -> [String: String] {
        let timestamp = WebhookSignature.timestamp(date)
        return [
            WebhookSignature.header: WebhookSignature.sign(body, secret: secret),
            WebhookSignature.timestampHeader: String(timestamp),
            WebhookSignature.timestampedHeader: WebhookSignature.signTimestamped(body, timestamp: timestamp, secret: secret),
        ]
    }

    /// POSTs `body` with the notification id and `headers`; returns the status.
    func post(_ path: String, body: [UInt8], id: String, headers: [String: String]) async throws -> Int {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.timeoutInterval = 5
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(id, forHTTPHeaderField: WebhookSignature.idHeader)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// The output once `done` holds for it (within 10 seconds).
    func waitForOutput(_ done: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
            if done(output) { return output }
            if ContinuousClock.now > deadline || !process.isRunning {
                throw CtlTestFailure("webhook-sink did not print what was expected; it printed:\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The record file's lines, parsed (the sink writes each before it answers).
    func records() throws -> [[String: Any]] {
        let text = try String(contentsOf: recordFile, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// The exit status, within 10 seconds.
    func waitForExit() async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning {
            if ContinuousClock.now > deadline { throw CtlTestFailure("webhook-sink did not stop within 10 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Stops the sink if it still runs and removes its files.
    func cleanUp() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: folder)
    }
}
