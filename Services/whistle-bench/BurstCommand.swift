import ArgumentParser
import Foundation
import Histogram
import WhistleAMQP
import WhistleMessages
import WhistleReliability
import WhistleRuntime

/// A burst of demands through intake: every channel, published with confirms as fast as the
/// broker takes them; measured until each demand's outcome event has arrived.
struct BurstCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "burst", abstract: "Publish N demands at once and measure intake's rate and latency to the outcome event.")

    @Option(help: "How many demands.") var count = 10_000
    @Option(help: "Demands per confirmed publish batch.") var window = 500
    @Option(help: "Folder of sample demand bodies (<channel>-*.json; files with 'invalid' are skipped).")
    var samples = "deploy/samples/demands"
    @Option(name: .customLong("amqp-url"), help: "Broker (default: $WHISTLE_AMQP_URL).") var amqpURL: String?
    @Option(help: "Also measure publish → department queue, consuming every department queue of this seed file.")
    var departments: String?
    @Flag(inversion: .prefixedNo, help: "Make every demand a matter of its own, so that none merges (see SampleDemands).")
    var distinct = true
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let url = amqpURL ?? ProcessInfo.processInfo.environment["WHISTLE_AMQP_URL"] ?? ServiceConfiguration.defaultAMQPURL
        let configuration = try AMQPConfiguration(url: url)
        let templates = try SampleDemands.load(from: samples)
        let run = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let observer = try await OutcomeObserver(configuration: configuration, run: run)
        var desks: AssignmentObserver?
        if let departments {
            desks = try await AssignmentObserver(
                configuration: configuration, departments: try AssignmentObserver.departmentCodes(in: departments))
        }
        let publisher = AMQPPublisher(
            configuration: configuration, name: "bench", topology: WhistleTopology.base, logger: .init(label: "bench"))
        try await publisher.connect()

        var published: [String: ContinuousClock.Instant] = [:]
        published.reserveCapacity(count)
        let started = ContinuousClock.now
        var sent = 0
        while sent < count {
            let slice = (sent..<min(sent + window, count)).map { i -> OutboundMessage in
                let (channel, body) = templates.body(i, run: run, distinct: distinct)
                return OutboundMessage(exchange: Exchange.intake, routingKey: channel.routingKey, body: body, messageId: "\(run)-\(i)")
            }
            let now = ContinuousClock.now
            for message in slice { published[message.messageId] = now }
            let outcomes = try await publisher.publish(slice)
            guard outcomes.allSatisfy({ $0 == .confirmed }) else { throw ValidationError("the broker refused part of the burst") }
            sent += slice.count
            await observer.collect(published: published)
            try await desks?.collect()
        }
        let publishedIn = ContinuousClock.now - started
        let finished = try await observer.waitAll(count, published: published, progress: !json)
        let total = finished - started
        await publisher.close()
        await observer.close()
        report(publishedIn: publishedIn, total: total, latencies: observer.latencies, outcomes: observer.outcomes)
        if let desks {
            let tickets = Set(observer.openedBy.keys)
            let last = try await desks.waitAll(tickets, progress: !json)
            await desks.close()
            var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
            for (ticket, messageId) in observer.openedBy {
                guard let sent = published[messageId], let arrived = desks.arrivals[ticket] else { continue }
                let elapsed = arrived - sent
                _ = histogram.record(
                    UInt64(max(0, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)))
            }
            reportDepartments(tickets: tickets.count, assignments: desks.assignments, total: last - started, latencies: histogram)
        }
    }

    private func reportDepartments(tickets: Int, assignments: Int, total: Duration, latencies: Histogram<UInt64>) {
        let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
        let ms = { (p: Double) in Double(latencies.valueAtPercentile(p)) / 1000 }
        if json {
            print(
                "{\"tickets\":\(tickets),\"assignments\":\(assignments),\"to_departments_s\":\(seconds),"
                    + "\"rate_per_s\":\(Double(tickets) / seconds),\"latency_ms\":{\"p50\":\(ms(50)),\"p90\":\(ms(90)),"
                    + "\"p99\":\(ms(99)),\"max\":\(Double(latencies.max) / 1000)}}")
            return
        }
        print(
            String(
                format: "tickets → departments  %d tickets, %d assignments, all in %.2f s  (%.0f demands/s to department queues)", tickets,
                assignments, seconds, Double(tickets) / seconds))
        print(
            String(
                format: "publish → dept queue   p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms", ms(50), ms(90), ms(99),
                Double(latencies.max) / 1000))
    }

    private func report(publishedIn: Duration, total: Duration, latencies: Histogram<UInt64>, outcomes: [String: Int]) {
        let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
        let publishSeconds = Double(publishedIn.components.seconds) + Double(publishedIn.components.attoseconds) / 1e18
        let ms = { (p: Double) in Double(latencies.valueAtPercentile(p)) / 1000 }
        if json {
            let outcomeText = outcomes.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
            print(
                "{\"demands\":\(count),\"published_s\":\(publishSeconds),\"total_s\":\(seconds),\"rate_per_s\":\(Double(count) / seconds),"
                    + "\"latency_ms\":{\"p50\":\(ms(50)),\"p90\":\(ms(90)),\"p99\":\(ms(99)),\"max\":\(Double(latencies.max) / 1000)},"
                    + "\"outcomes\":{\(outcomeText)}}")
            return
        }
        print("")
        print("demands               \(count)")
        print(String(format: "published (confirmed)  %.2f s  (%.0f demands/s)", publishSeconds, Double(count) / publishSeconds))
        print(String(format: "all outcomes in        %.2f s  (%.0f demands/s through intake)", seconds, Double(count) / seconds))
        print(
            String(
                format: "publish → outcome      p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms", ms(50), ms(90), ms(99),
                Double(latencies.max) / 1000))
        print("outcomes              " + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }
}
