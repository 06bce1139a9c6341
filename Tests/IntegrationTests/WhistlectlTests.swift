import Foundation
import Logging
import Testing
import WhistleAMQP
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// The built `whistlectl` binary (`$WHISTLE_TEST_BIN_DIR/whistlectl`) run as an operator would,
/// against a fresh database per test (`WHISTLE_TEST_DATABASE_URL`, role with CREATEDB) and the
/// broker at `WHISTLE_TEST_AMQP_URL`.
@Suite("whistlectl", .serialized)
struct WhistlectlTests {
    static let logger = Logger(label: "whistle.whistlectl.tests") { _ in SwiftLogNoOpLogHandler() }
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let seedFolder = repoRoot.appendingPathComponent("deploy/seed").path

    @Test func seedLoadsTheSampleAndASecondRunChangesNothing() async throws {
        try await Ctl.withDatabase { ctl, pool in
            let first = try await ctl.run(["seed", Self.seedFolder])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("committed:"))
            let before = try await Ctl.snapshot(pool)
            #expect(before["areas.city"] == 1 && before["areas.district"] == 1 && before["areas.street"] == 3)
            #expect(before["areas.community"] == 9 && before["areas.grid"] == 60)
            #expect(before["departments"] == 38 && before["categories"] == 53 && before["categories.leaf"] == 42)
            #expect(before["routing_rules"] == 56 && before["routing_rules.default"] == 42)
            #expect(before["deadline_policies"] == 10 && before["calendar_days"] == 48 && before["settings.timezone"] == 1)

            let second = try await ctl.run(["seed", Self.seedFolder])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stdout.contains("no changes"), "\(second.stdout)")
            #expect(try await Ctl.snapshot(pool) == before, "the second run changed the database")
            // Either run declares the queues (a shared dev broker may be restarting during one).
            #expect((first.stdout + second.stdout).contains("broker: declared 38 department queues"), "\(first.stderr)\(second.stderr)")

            let codes = try await pool.withConnection { connection in
                try connection.query("SELECT code FROM departments ORDER BY code").map { try $0.decode(0, as: String.self) }
            }
            let broker = AMQPConnection(configuration: try Ctl.amqp(), name: "whistlectl-tests", logger: Self.logger)
            for code in codes {
                let status = try await Ctl.retrying { try await broker.queueStatus(departmentQueue(code)) }
                #expect(status.messages >= 0, "dept.\(code) is missing")
            }
            await broker.close()
        }
    }

    @Test func aBrokenSeedNamesEveryFileAndLineAndWritesNothing() async throws {
        let broken = try Ctl.brokenSeedCopy()
        defer { try? FileManager.default.removeItem(atPath: broken.folder) }
        // Offline: the files alone.
        let checked = try await Ctl(databaseURL: "postgres://nobody@127.0.0.1:1/none").run(["seed", "--check", broken.folder])
        #expect(checked.status == 1)
        for place in broken.places { #expect(checked.stderr.contains(place), "\(place) missing in:\n\(checked.stderr)") }

        try await Ctl.withDatabase { ctl, pool in
            #expect(try await ctl.run(["seed", "--no-broker", Self.seedFolder]).status == 0)
            let before = try await Ctl.snapshot(pool)
            let result = try await ctl.run(["seed", broken.folder])
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty, "\(result.stdout)")
            for place in broken.places { #expect(result.stderr.contains(place), "\(place) missing in:\n\(result.stderr)") }
            #expect(result.stderr.contains("nothing was written"))
            #expect(try await Ctl.snapshot(pool) == before, "a rejected seed changed the database")
        }
    }

    @Test func publishSendsTheFileAsItIsWithItsMessageId() async throws {
        let sample = Self.repoRoot.appendingPathComponent("deploy/samples/demands/grid-fire-lane-blocked.json")
        let body = try [UInt8](Data(contentsOf: sample))
        let id = "whistlectl-test-" + UUID().uuidString.lowercased()
        try await Ctl.withPrivateQueue(keys: ["demand.grid", "feedback"]) { consumer in
            let ctl = Ctl(databaseURL: "postgres://nobody@127.0.0.1:1/none")
            let published = try await ctl.run(["publish", "--channel", "grid", "--file", sample.path, "--message-id", id])
            #expect(published.status == 0, "\(published.stderr)")
            #expect(published.stdout == "published \(id) to whistle.intake/demand.grid\n")
            let delivery = try await Ctl.receive(id, from: consumer)
            #expect(delivery.body == body)
            #expect(delivery.exchange == Exchange.intake && delivery.routingKey == "demand.grid")
            #expect(delivery.contentType == "application/json")

            let feedback = try await ctl.run(["publish", "--kind", "feedback", "--json", #"{"ticket_no":"W20261121-000001"}"#])
            #expect(feedback.status == 0, "\(feedback.stderr)")
            let generated = try #require(feedback.stdout.split(separator: " ").dropFirst().first.map(String.init))
            #expect(UUID(uuidString: generated) != nil, "default message_id is a UUID: \(feedback.stdout)")
            #expect(try await Ctl.receive(generated, from: consumer).routingKey == "feedback")
        }
    }

    @Test func publishWaitPrintsTheOutcomeIntakeRecorded() async throws {
        try await Ctl.withDatabase { ctl, pool in
            #expect(try await ctl.run(["outcomes"]).stdout.contains("no demands recorded yet"))
            let id = "whistlectl-wait-" + UUID().uuidString.lowercased()
            try await Ctl.withPrivateQueue(keys: ["demand.hotline"]) { _ in
                async let waited = ctl.run(["publish", "--channel", "hotline", "--json", "{}", "--message-id", id, "--wait", "20"])
                try await Task.sleep(for: .milliseconds(800))
                _ = try await pool.withConnection { connection in
                    try connection.query(
                        """
                        INSERT INTO demands (message_id, routing_key, channel, outcome, raw_body, errors)
                        VALUES ($1, 'demand.hotline', 'hotline', 'rejected', '\\x7b7d',
                                '[{"field": "line", "code": "required", "message": "line is required"}]')
                        """, [id])
                }
                let result = try await waited
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout.contains("demand \(id): rejected"), "\(result.stdout)")
                #expect(result.stdout.contains("error: line required"), "\(result.stdout)")
            }
            let outcomes = try await ctl.run(["outcomes", "--recent", "5"])
            #expect(outcomes.stdout.contains("demand.hotline") && outcomes.stdout.contains("line:required"), "\(outcomes.stdout)")
        }
    }

    @Test func ticketViewsLineUpChineseTextAndHidePhoneNumbers() async throws {
        try await Ctl.withDatabase { ctl, pool in
            #expect(try await ctl.run(["seed", "--no-broker", Self.seedFolder]).status == 0)
            try await pool.withConnection { connection in
                try connection.query(
                    """
                    INSERT INTO ticket_facts (ticket_no, channel, category_code, urgency, area_code, title, content, opened_at)
                    VALUES ('W20261121-000001', 'grid', 'SRHJ-ZDJY', 'normal', 'G-GL-YG-02',
                            '渔港农贸市场门口占道经营严重，早高峰堵塞通行，请尽快处理一下吧谢谢', 'x', '2026-11-21T01:00:00Z'),
                           ('W20261121-000002', '12345', NULL, 'urgent', NULL, NULL,
                            'Lamp out, call 13812345678', '2026-11-21T02:00:00Z')
                    """)
                try connection.query(
                    """
                    INSERT INTO ticket_states (ticket_no, status, lead_department)
                    VALUES ('W20261121-000001', 'dispatched', 'GL-JDB'), ('W20261121-000002', 'triage', NULL)
                    """)
                try connection.query(
                    """
                    INSERT INTO dispatch_timeline (ticket_no, at, type, actor, data)
                    VALUES ('W20261121-000001', '2026-11-21T01:00:00Z', 'ticket.accepted', 'intake',
                            '{"source": {"channel": "grid", "external_id": "G-1"}, "reporter": {"name": "段晓燕", "phone": "13577014263"}}')
                    """)
            }
            let list = try await ctl.run(["tickets", "--recent", "10"])
            #expect(list.status == 0, "\(list.stderr)")
            let lines = list.stdout.split(separator: "\n").map(String.init)
            let header = try #require(lines.first)
            let titleHeader = try #require(header.range(of: "TITLE"))
            let titleColumn = Ctl.displayWidth(String(header[..<titleHeader.lowerBound]))
            #expect(lines[1].hasPrefix("W20261121-000002") && lines[2].hasPrefix("W20261121-000001"))
            #expect(lines[1].contains("2026-11-21 10:00") && lines[2].contains("2026-11-21 09:00"), "local time, Asia/Shanghai")
            for line in lines[1...2] {
                let title = try #require(line.range(of: line.hasPrefix("W20261121-000001") ? "渔港" : "Lamp"))
                #expect(Ctl.displayWidth(String(line[..<title.lowerBound])) == titleColumn, "misaligned: \(line)")
            }
            #expect(lines[2].hasSuffix("渔港农贸市场门口占道经营严重，早高峰堵塞通行，请尽快处理一下…"), "first 30 characters")
            #expect(!list.stdout.contains("13812345678") && list.stdout.contains("138****5678"))

            let shown = try await ctl.run(["ticket", "show", "W20261121-000001"])
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stdout.contains("SRHJ-ZDJY 占道经营") && shown.stdout.contains("ticket.accepted"))
            #expect(shown.stdout.contains(#""external_id":"G-1""#), "compact JSON: \(shown.stdout)")
            #expect(!shown.stdout.contains("13577014263") && !shown.stdout.contains("段晓燕"))

            let missing = try await ctl.run(["ticket", "show", "W20990101-000001"])
            #expect(missing.status == 1 && missing.stderr == "whistlectl: error: no ticket W20990101-000001\n")
            #expect(try await ctl.run(["tickets", "--status", "lost"]).status != 0)
        }
    }
}
