import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Small reference data and demand bodies for integration tests.
enum Fixtures {
    /// Migrates the sandbox database and loads a tiny area tree, departments and categories.
    static func prepare(_ sandbox: TestSandbox) async throws {
        let pool = try sandbox.pool()
        try await WhistleSchema.migrate(pool: pool, logger: .init(label: "test"))
        try await pool.transaction { connection in
            try connection.execute(
                """
                INSERT INTO areas (code, name, level, parent_code) VALUES
                  ('C-T', '测试市', 'city', NULL), ('D-T', '测试区', 'district', 'C-T'), ('S-T', '测试街道', 'street', 'D-T'),
                  ('M-T', '测试社区', 'community', 'S-T'), ('G-T-1', '测试第1网格', 'grid', 'M-T'), ('G-T-2', '测试第2网格', 'grid', 'M-T');
                INSERT INTO departments (code, name, level, kind, parent_code, area_code) VALUES
                  ('T-ZHZX', '测试区指挥中心', 'district', 'command_center', NULL, 'D-T'),
                  ('T-CGJ', '测试区城管局', 'district', 'bureau', 'T-ZHZX', 'D-T'),
                  ('T-XFJ', '测试区信访局', 'district', 'petition_bureau', 'T-ZHZX', 'D-T'),
                  ('S-T-JDB', '测试街道办事处', 'street', 'street_office', 'T-ZHZX', 'S-T');
                INSERT INTO categories (code, name, parent_code, keywords) VALUES
                  ('ENV', '市容环境', NULL, '{}'), ('ENV-STALL', '占道经营', 'ENV', '{占道,摆摊}'), ('ROAD', '道路破损', NULL, '{坑,破损}');
                """)
        }
        await pool.close()
    }

    /// A valid body for `channel`, with the external id given.
    static func demand(_ channel: Channel, externalId: String, content: String = "秦东门大街68号楼下水道盖板破损需要更换") -> [String: Any] {
        var body: [String: Any] = [
            "external_id": externalId, "submitted_at": "2026-11-21T10:00:00+08:00", "content": content,
            "reporter": ["name": "王五", "phone": "13812345678"],
        ]
        switch channel {
        case .hotline: body["line"] = "12319"
        case .twelve345: body["callback_requested"] = true
        case .grid:
            body["location"] = ["grid": "G-T-1", "address": "测试路1号", "lat": 25.03, "lon": 102.7]
            body["reporter"] = ["id": "GW-0101"]
            body["whistle"] = ["departments": ["T-CGJ"], "reason": "占道经营屡禁不止"]
            body["category"] = "ENV-STALL"
        case .petition:
            body["form"] = "letter"
            body["kind"] = "complaint"
            body["subject_unit"] = "T-CGJ"
            body["petitioners"] = 2
        case .whistle:
            break  // a whistle is no demand (routing key `whistle`): WhistleFlowTests builds its own
        }
        return body
    }

    static func json(_ body: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: body)) ?? Data())
    }
}

/// A channel adapter as a test sees it: publishes to `whistle.intake` with confirms.
final class TestAdapter: @unchecked Sendable {
    let publisher: AMQPPublisher

    init(sandbox: TestSandbox) throws {
        publisher = AMQPPublisher(
            configuration: try AMQPConfiguration(url: sandbox.amqpURL), name: "test-adapter", topology: WhistleTopology.base,
            logger: .init(label: "test"))
    }

    /// Publishes raw bodies on routing keys and requires every one confirmed.
    func publish(_ messages: [(routingKey: String, body: [UInt8], messageId: String)], timeout: Duration = .seconds(60)) async throws {
        let outbound = messages.map {
            OutboundMessage(exchange: Exchange.intake, routingKey: $0.routingKey, body: $0.body, messageId: $0.messageId)
        }
        let outcomes = try await publisher.publish(outbound, timeout: timeout)
        #expect(outcomes.allSatisfy { $0 == .confirmed }, "every demand is confirmed by the broker")
    }

    func publish(_ channel: Channel, _ body: [String: Any], messageId: String) async throws {
        try await publish([(channel.routingKey, Fixtures.json(body), messageId)])
    }

    func close() async { await publisher.close() }
}

extension TestSandbox {
    /// A single integer from a query.
    func count(_ sql: String, _ parameters: [String] = []) async throws -> Int {
        try await withDatabase { connection in
            try connection.query(sql, parameters.map { $0 as (any PostgresEncodable)? })[0].decode(0, as: Int.self)
        }
    }
}

/// Runs `body` with a prepared sandbox (the fixtures, then `prepare`), intake running as a
/// process, an event collector and a channel adapter; records intake's log with any error, and
/// cleans everything up afterwards.
func withIntake(
    _ label: String, sourceLocation: SourceLocation = #_sourceLocation,
    prepare: (TestSandbox) async throws -> Void = { _ in },
    _ body: (TestSandbox, ServiceProcess, EventCollector, TestAdapter) async throws -> Void
) async throws {
    let sandbox = try await TestSandbox(label)
    do {
        try await Fixtures.prepare(sandbox)
        try await prepare(sandbox)
    } catch {
        Issue.record("cannot prepare the sandbox: \(error)", sourceLocation: sourceLocation)
        await sandbox.tearDown()
        return
    }
    let intake = try ServiceProcess("intake", sandbox: sandbox)
    let events = try await EventCollector(sandbox: sandbox)
    let adapter = try TestAdapter(sandbox: sandbox)
    do {
        try await intake.waitHealthy()
        try await body(sandbox, intake, events, adapter)
    } catch {
        Issue.record("\(error)\n\(intake.logTail())", sourceLocation: sourceLocation)
    }
    await adapter.close()
    await events.close()
    await intake.stop()
    await sandbox.tearDown()
}
