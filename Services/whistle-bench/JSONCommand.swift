import ArgumentParser
import Foundation
import WhistleMessages

/// `whistle-bench json`: what writing and reading the wire's JSON costs per message, in
/// process: `JSONEncoder` in `WhistleJSON`'s dialect (a new encoder per message, as
/// `WhistleJSON.encode` does, and one shared), and the strict typed read (`JSONParser`, then
/// `JSONValueDecoder`) against `JSONDecoder`. (The hand-written writer it was measured against
/// is gone: docs/performance.md.)
struct JSONCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json",
        abstract: "Time encoding and decoding typical wire messages: JSONEncoder, and the strict typed read vs JSONDecoder.",
        discussion: "Each series runs --count messages after a tenth as many to warm up; figures are ns per message (best of --rounds).")

    @Option(help: "Messages per series.") var count = 100_000
    @Option(help: "Rounds of each series; the fastest counts.") var rounds = 3

    func validate() throws {
        guard count > 0, rounds > 0 else { throw ValidationError("--count and --rounds must be positive") }
    }

    func run() throws {
        let samples = JSONSamples()
        let shared = WhistleJSON.encoder()
        let decoder = WhistleJSON.decoder()
        let accepted = Array(try WhistleJSON.encoder().encode(samples.accepted))
        let merged = Array(try WhistleJSON.encoder().encode(samples.merged))
        let series: [(String, () throws -> Int)] = [
            ("ticket.accepted envelope: JSONEncoder, new per message", { try WhistleJSON.encoder().encode(samples.accepted).count }),
            ("ticket.accepted envelope: JSONEncoder, shared", { try shared.encode(samples.accepted).count }),
            ("demand (intake's normalized copy): JSONEncoder, new per message", { try WhistleJSON.encoder().encode(samples.demand).count }),
            ("demand: JSONEncoder, shared", { try shared.encode(samples.demand).count }),
            ("assignment message: JSONEncoder, new per message", { try WhistleJSON.encoder().encode(samples.assignment).count }),
            ("ticket.merged envelope: strict parse + typed decode", { try Envelope<TicketMerged>(body: merged).data.reportCount }),
            ("ticket.merged envelope: strict parse only (ReceivedEvent)", { try ReceivedEvent(body: merged).eventId.utf8.count }),
            (
                "ticket.merged envelope: JSONDecoder, shared",
                { try decoder.decode(EventEnvelope<TicketMerged>.self, from: Data(merged)).data.reportCount }
            ),
            (
                "ticket.accepted envelope: strict parse + typed decode",
                { try Envelope<TicketAccepted>(body: accepted).data.source.messageId.utf8.count }
            ),
            (
                "ticket.accepted envelope: JSONDecoder, shared",
                {
                    try decoder.decode(EventEnvelope<TicketAccepted>.self, from: Data(accepted)).data.source.messageId.utf8.count
                }
            ),
        ]
        print(
            "JSON per message, \(count) messages a series, best of \(rounds) rounds (\(accepted.count)-byte ticket.accepted, "
                + "\(Array(try shared.encode(samples.demand)).count)-byte demand)")
        print("| series | ns/message |")
        print("|---|---|")
        for (name, body) in series {
            print("| \(name) | \(try Self.time(count: count, rounds: rounds, body)) |")
        }
    }

    /// The fastest round's nanoseconds per call of `body`, after a warm-up.
    static func time(count: Int, rounds: Int, _ body: () throws -> Int) throws -> Int {
        var sink = 0
        for _ in 0..<max(1, count / 10) { sink &+= try body() }
        var best = Duration.seconds(Int64.max)
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            let started = clock.now
            for _ in 0..<count { sink &+= try body() }
            best = min(best, clock.now - started)
        }
        // Printing nothing of `sink` would let the optimizer drop the work.
        if sink == 42 { print("") }
        let (seconds, attoseconds) = best.components
        return Int((Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(count))
    }
}

/// Typical messages of the flow, as the services write them.
struct JSONSamples {
    let at = Date(timeIntervalSince1970: 1_763_700_000)
    let source = MessageSource(channel: "12345", externalId: "SR-20261121-0001", messageId: "5f0c3a52-1d7e-4a8b-9c3e-2b1f6d7e8a90")

    var accepted: EventEnvelope<TicketAccepted> {
        EventEnvelope(
            eventId: "0b9e2f4c-7a1d-4e3b-8c5f-6d2a1b0c9e8f", type: .ticketAccepted, occurredAt: at, ticketNo: "W20261121-000123",
            data: TicketAccepted(source: source, category: "SRHJ-ZDJY", urgency: .normal, area: "G-GL-YG-02"))
    }

    var merged: EventEnvelope<TicketMerged> {
        EventEnvelope(
            eventId: "1c8d3e5f-6b2a-4f4c-9d6e-7e3b2c1d0f9a", type: .ticketMerged, occurredAt: at, ticketNo: "W20261121-000123",
            data: TicketMerged(source: source, reportCount: 3, category: "SRHJ-ZDJY", area: "G-GL-YG-02"))
    }

    var demand: Demand {
        Demand(
            channel: .twelve345, externalId: "SR-20261121-0001", submittedAt: at,
            content: "渔港农贸市场门口占道经营严重，早高峰堵塞通行，请尽快处理。联系电话见登记信息。", title: "占道经营",
            category: "SRHJ-ZDJY", urgency: .normal, location: Location(address: "渔港路18号", lat: 25.03, lon: 102.71, grid: "G-GL-YG-02"),
            reporter: Reporter(name: "张先生", phone: "13800000000"), attachments: [], line: "12345", callbackRequested: true)
    }

    var assignment: AssignmentMessage {
        AssignmentMessage(
            assignmentId: "a-0123", ticketNo: "W20261121-000123", role: "lead", department: "GL-CGJ", leadDepartment: "GL-CGJ",
            coDepartments: ["GL-SCJG"], category: "SRHJ-ZDJY", urgency: .normal, title: "占道经营", content: demand.content,
            location: demand.location, reporter: Reporter(name: "张**", phone: "138****0000"), attachments: [], ackDue: at,
            resolveDue: at.addingTimeInterval(86_400), whistle: nil, reopenCount: 0, channel: "12345", round: 1)
    }
}
