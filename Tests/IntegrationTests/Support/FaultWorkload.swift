import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// The steady load of the fault suite: an adapter publishing demands over the four channels
/// (every confirmed message id recorded), and every department of the seed acknowledging and
/// completing what it receives (each assignment once, whatever the redeliveries). A tenth of the
/// assignments are left alone, so that their clocks run out while the faults go on.
final class FaultWorkload: @unchecked Sendable {
    /// Phone numbers and names of the workload's reporters and petitioners: no log line may hold them.
    static let secrets = ["13900112233", "13900445566", "赵晓梅", "钱德明"]

    private let flow: FlowHarness
    private let lock = NSLock()
    private(set) var confirmed: [String] = []
    private(set) var publishFailures = 0
    private(set) var received: Set<String> = []
    private(set) var acknowledged: Set<String> = []
    private(set) var completed: Set<String> = []
    private(set) var deliveries = 0
    private var stopping = false

    init(flow: FlowHarness) { self.flow = flow }

    func stop() { lock.withLock { stopping = true } }
    private var isStopping: Bool { lock.withLock { stopping } }

    static func demand(_ index: Int, run: String) -> (routingKey: String, body: [UInt8], messageId: String) {
        let channel = Channel.demandChannels[index % 4]
        var body = Fixtures.demand(
            channel, externalId: "\(run)-\(index)",
            content: "第\(index)号：\(["路灯不亮", "下水道堵塞", "噪声扰民", "占道经营", "垃圾清运不及时"][index % 5])，地点\(index)号楼，请尽快处理")
        body["reporter"] = index % 2 == 0 ? ["name": secrets[2], "phone": secrets[0]] : ["name": secrets[3], "phone": secrets[1]]
        body["submitted_at"] = "2026-11-18T08:30:00+08:00"
        body["category"] = ["SZSS-LDGZ", "SZSS-XSDDS", "STHJ-ZSRM", "SRHJ-ZDJY", "SRHJ-LJQY"][index % 5]
        switch channel {
        case .grid:
            body["location"] = ["grid": "G-QS-SQ-0\(1 + index % 7)", "address": "石桥社区\(index)号"]
            body["reporter"] = ["id": "GW-\(index % 9)"]
            body["whistle"] = nil
        case .petition:
            body["kind"] = "request"
            body["subject_unit"] = nil
            body["petitioners"] = 1
            body["reporter"] = ["name": secrets[3], "phone": secrets[1]]
        default:
            break
        }
        return (channel.routingKey, Fixtures.json(body), "\(run)-m-\(index)")
    }

    /// Publishes slices of 10 every 100 ms until stopped; a slice the broker did not confirm
    /// (it was restarting) is published again with the same message ids.
    func publish(run: String) async {
        var index = 0
        while !isStopping {
            let slice = (index..<index + 10).map { Self.demand($0, run: run) }
            do {
                try await flow.adapter.publish(slice, timeout: .seconds(60))
                lock.withLock { confirmed += slice.map(\.messageId) }
                index += 10
            } catch {
                lock.withLock { publishFailures += 1 }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Plays every department until stopped: acknowledge, then complete (a tenth left alone).
    func work(departments: [String]) async {
        var topology = WhistleTopology.base
        topology.queues += departments.map { WhistleTopology.department($0, deliveryLimit: 5) }
        guard let configuration = try? AMQPConfiguration(url: flow.sandbox.amqpURL) else { return }
        let consumer = AMQPConsumer(
            configuration: configuration, name: "fault-departments", queues: departments.map(departmentQueue), prefetch: 500,
            topology: topology, logger: .init(label: "test"))
        let publisher = AMQPPublisher(
            configuration: configuration, name: "fault-replies", topology: WhistleTopology.base, logger: .init(label: "test"))
        while !isStopping {
            do {
                let batch = try await consumer.nextBatch(max: 200, waitMilliseconds: 200)
                guard let last = batch.last else { continue }
                var replies: [OutboundMessage] = []
                var fresh: [(String, String)] = []
                for delivery in batch {
                    guard let body = try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any],
                        let id = body["assignment_id"] as? String, let department = body["department"] as? String
                    else { continue }
                    let first = lock.withLock { () -> Bool in
                        deliveries += 1
                        return received.insert(id).inserted
                    }
                    guard first, abs(id.hashValue) % 10 != 0 else { continue }
                    fresh.append((id, department))
                    for (action, extra) in [("acknowledge", [:]), ("complete", ["result": "已处理"])] as [(String, [String: Any])] {
                        var reply = extra
                        reply["assignment_id"] = id
                        reply["action"] = action
                        replies.append(
                            OutboundMessage(
                                exchange: Exchange.replies, routingKey: department, body: Fixtures.json(reply), messageId: "\(id)-\(action)"
                            ))
                    }
                }
                // Replies keep their message ids: a slice sent again after a broker restart is one effect.
                while !replies.isEmpty {
                    if let outcomes = try? await publisher.publish(replies, timeout: .seconds(60)),
                        outcomes.allSatisfy({ $0 == .confirmed })
                    {
                        break
                    }
                    try await Task.sleep(for: .milliseconds(300))
                }
                lock.withLock {
                    for (id, _) in fresh {
                        acknowledged.insert(id)
                        completed.insert(id)
                    }
                }
                try await consumer.ack(through: last)
            } catch {
                try? await Task.sleep(for: .milliseconds(300))
            }
        }
        await consumer.close()
        await publisher.close()
    }
}
