import ArgumentParser
import Foundation
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistleReliability

/// `whistlectl publish`: send one body to `whistle.intake` as a channel adapter would.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract:
            "Publish a demand (or a whistle, feedback, an evaluation or a points redemption) to whistle.intake, as its sender would.",
        discussion: """
            The body is sent byte for byte (persistent, application/json, with a publisher confirm) to the \
            exchange whistle.intake with routing key demand.<channel>, or whistle / feedback / evaluation / points \
            with --kind. \
            With --wait, the command then watches the database until intake has recorded the demand, and \
            prints its outcome, ticket number and errors.
            """)

    @Option(help: "The demand's channel: hotline, 12345, grid or petition (routing key demand.<channel>).")
    var channel: String?

    @Option(
        help: "demand (default), whistle, feedback, evaluation or points (routing keys whistle / feedback / evaluation / points).")
    var kind: String = "demand"

    @Option(help: "A file holding the body.")
    var file: String?

    @Option(help: "The body itself.")
    var json: String?

    @Option(name: .customLong("message-id"), help: "The AMQP message_id, 1–128 characters (default: a new UUID).")
    var messageId: String?

    @Option(help: "Seconds to wait for intake to record the demand (demands and whistles only); its outcome is printed.")
    var wait: Double?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        switch kind {
        case "demand":
            guard let channel else { throw ValidationError("--channel is required for a demand (hotline, 12345, grid or petition)") }
            guard Channel(rawValue: channel)?.isDemandChannel == true else {
                throw ValidationError("unknown channel '\(channel)': use hotline, 12345, grid or petition")
            }
        case "whistle":
            guard channel == nil else { throw ValidationError("--channel applies to demands only, not to --kind whistle") }
        case "feedback", "evaluation", "points":
            guard channel == nil else { throw ValidationError("--channel applies to demands only, not to --kind \(kind)") }
            guard wait == nil else { throw ValidationError("--wait applies to demands only") }
        default:
            throw ValidationError("unknown kind '\(kind)': use demand, whistle, feedback, evaluation or points")
        }
        guard (file == nil) != (json == nil) else { throw ValidationError("give the body with exactly one of --file or --json") }
        if let messageId, messageId.isEmpty || messageId.count > 128 {
            throw ValidationError("--message-id must be 1–128 characters")
        }
        if let wait, !(wait > 0 && wait <= 3600) { throw ValidationError("--wait must be between 0 and 3600 seconds") }
    }

    var routingKey: String {
        if kind == "demand", let channel, let parsed = Channel(rawValue: channel) { return parsed.routingKey }
        switch kind {
        case "whistle": return IntakeRoutingKey.whistle
        case "feedback": return IntakeRoutingKey.feedback
        case "points": return IntakeRoutingKey.points
        default: return IntakeRoutingKey.evaluation
        }
    }

    func run() async throws {
        let body = try readBody()
        do {
            _ = try JSONParser().parse(body)
        } catch {
            printError("whistlectl: note: the body is not valid JSON (\(error)); publishing it as it is.")
        }
        let id = messageId ?? UUID().uuidString.lowercased()
        let key = routingKey
        try await ConfirmedPublish.send(
            body, exchange: Exchange.intake, routingKey: key, messageId: id, connection: connection,
            declarer: "intake (it declares \(WhistleTopology.intakeQueue))")
        print("published \(id) to \(Exchange.intake)/\(key)")
        if let wait {
            try await DemandWatch(connection: connection, routingKey: key, messageId: id).watch(seconds: wait)
        }
    }

    private func readBody() throws -> [UInt8] {
        if let json { return Array(json.utf8) }
        guard let file else { return [] }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CtlError(.io, "cannot read \(file)")
        }
        return [UInt8](data)
    }
}
