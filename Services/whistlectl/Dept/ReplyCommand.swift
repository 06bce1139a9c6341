import ArgumentParser
import Foundation
import WhistleDomain
import WhistleMessages

/// `whistlectl dept reply <assignment-id> <action>`: answer an assignment as its department would.
struct DeptReplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply",
        abstract:
            "Reply to an assignment as its department would (acknowledge, progress, complete, return, extend, contest), or rule on a contest as the supervising command center.",
        discussion: """
            Publishes {assignment_id, action, note?, result?, reason_code?, ruling?, at?} (persistent, \
            application/json, with a publisher confirm) to the exchange whistle.replies with routing key = the \
            department's code: --department, else the department of the assignment in the database (a ruling must \
            name the ruling command center with --department). What the contract requires is checked before \
            anything is sent: complete needs --result, return needs --reason, extend needs --note, contest needs \
            --reason (not_needed or not_our_duty) and --note, rule needs --ruling (upheld or empty) and --note. \
            With --wait, a temporary queue on whistle.events (keys assignment.# and reply.rejected) is declared \
            before publishing, and the first event carrying the reply's message_id is printed: an assignment.* \
            event (exit 0), or reply.rejected with every error (exit 1). No such event in time: exit 1.
            """)

    @Argument(help: "The assignment's id (assignment_id of the assignment message).")
    var assignmentId: String

    @Argument(help: "acknowledge, progress, complete, return, extend, contest or rule.")
    var action: String

    @Option(
        help: ArgumentHelp(
            "The replying department's code, the routing key (default: the assignment's department in the database).", valueName: "code"))
    var department: String?

    @Option(help: "A note for the timeline (required for extend, at most 2000 characters).")
    var note: String?

    @Option(help: "What was done (required for complete, at most 4000 characters).")
    var result: String?

    @Option(
        help:
            "Why the assignment goes back (required for return: not_our_duty, wrong_area, duplicate or insufficient_info), or why it is contested (required for contest: not_needed or not_our_duty)."
    )
    var reason: String?

    @Option(help: "A command center's ruling on a contest (required for rule): upheld or empty.")
    var ruling: String?

    @Option(help: "When the department acted, RFC 3339 with an offset (sent as written).")
    var at: String?

    @Option(name: .customLong("message-id"), help: "The AMQP message_id, 1–128 characters (default: a new UUID).")
    var messageId: String?

    @Option(help: "Seconds to wait for the dispatcher's answer (an assignment.* event or reply.rejected), up to 3600.")
    var wait: Double?

    @OptionGroup var connection: ConnectionOptions

    var body: ReplyBody {
        ReplyBody(assignmentId: assignmentId, action: action, note: note, result: result, reasonCode: reason, ruling: ruling, at: at)
    }

    func validate() throws {
        var problems = body.problems
        if let department, department.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("--department must not be empty") }
        if action == Reply.Action.rule.rawValue && department == nil {
            problems.append("rule needs --department: the ruling command center's code (the routing key)")
        }
        if let problem = ConfirmedPublish.problem(messageId: messageId) { problems.append(problem) }
        if let problem = ConfirmedPublish.problem(wait: wait) { problems.append(problem) }
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "; ")) }
    }

    func run() async throws {
        let body = body
        let bytes = try ConfirmedPublish.encode(body)
        let id = messageId ?? UUID().uuidString.lowercased()
        let routingKey: String
        if let department {
            routingKey = department
        } else {
            let assignment = try await ReferenceLookup.assignment(assignmentId, connection: connection)
            routingKey = assignment.department
            if assignment.isClosed {
                printError(
                    "whistlectl: note: assignment \(assignmentId) of ticket \(assignment.ticketNo) is \(assignment.status) and takes no further replies; the dispatcher will reject this one"
                )
            }
        }
        let connection = connection
        let published = "published \(id) to \(Exchange.replies)/\(routingKey): \(action) \(assignmentId)"
        guard let wait else {
            try await ConfirmedPublish.send(bytes, routingKey: routingKey, messageId: id, connection: connection)
            print(published)
            return
        }
        let keys = ["assignment.#", EventType.whistleRuled.rawValue, EventType.replyRejected.rawValue]
        let event = try await EventWait.with(connection, keys: keys) { events in
            try await ConfirmedPublish.send(bytes, routingKey: routingKey, messageId: id, connection: connection)
            print(published)
            fflush(nil)
            return try await events.first(within: wait) { Self.answers(id, $0) }
        }
        guard let event else {
            throw CtlError(
                .timeout,
                "published, but no assignment.*, whistle.ruled or reply.rejected event carried message_id \(id) within \(ConfirmedPublish.seconds(wait)) (is the dispatcher running on this broker?)"
            )
        }
        print("outcome: \(event.type)" + (event.ticketNo.map { ", ticket \($0)" } ?? ""))
        if event.type == EventType.replyRejected.rawValue {
            EventWait.printErrors(of: event)
            throw CtlError(.rejected, "the dispatcher rejected reply \(id) (\(EventWait.errorCount(of: event)))")
        }
        print("  data: " + Redaction.sanitize(event.data).description)
    }

    /// True when `event` is the dispatcher's answer to the reply with `messageId`: a
    /// `reply.rejected` naming it in `data.source.message_id`, or an `assignment.*` or
    /// `whistle.ruled` event naming it in `data.message_id`.
    static func answers(_ messageId: String, _ event: EventWait.Event) -> Bool {
        if event.type == EventType.replyRejected.rawValue {
            return event.data["source"]?["message_id"]?.stringValue == messageId
        }
        let answering = event.type.hasPrefix("assignment.") || event.type == EventType.whistleRuled.rawValue
        return answering && event.data["message_id"]?.stringValue == messageId
    }
}
