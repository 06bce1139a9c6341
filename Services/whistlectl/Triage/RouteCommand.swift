import ArgumentParser
import Foundation
import WhistleDomain
import WhistleMessages

/// `whistlectl triage route`: the command center's side of tickets no rule routes.
struct TriageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage", abstract: "Act as the command center on tickets in triage.", subcommands: [TriageRouteCommand.self])
}

struct TriageRouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Route a ticket in triage to a lead department and co-departments, as the command center.",
        discussion: """
            Publishes {ticket_no, lead, co, note?} (persistent, application/json, with a publisher confirm) to the \
            exchange whistle.replies with routing key triage.<command center>: --as, else the active command center \
            of the widest level in the database (district, then street, then the rest; by code). With --wait, a \
            temporary queue on whistle.events (keys ticket.dispatched and reply.rejected) is declared before \
            publishing; the assignments of the ticket's dispatch are printed (exit 0), or the rejection with every \
            error (exit 1). No such event in time: exit 1.
            """)

    @Argument(help: "The ticket number, e.g. W20261121-000123.")
    var ticketNo: String

    @Argument(help: "The lead department (主办).")
    var lead: String

    @Argument(help: "Co-departments (协办), if any.")
    var co: [String] = []

    @Option(
        name: .customLong("as"),
        help: ArgumentHelp("The command center's code (default: the command center in the database).", valueName: "code"))
    var commandCenter: String?

    @Option(help: "A note for the timeline.")
    var note: String?

    @Option(name: .customLong("message-id"), help: "The AMQP message_id, 1–128 characters (default: a new UUID).")
    var messageId: String?

    @Option(help: "Seconds to wait for the dispatcher's answer (ticket.dispatched or reply.rejected), up to 3600.")
    var wait: Double?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        var problems: [String] = []
        if !Self.isTicketNumber(ticketNo) { problems.append("'\(ticketNo)' is not a ticket number such as W20261121-000123") }
        let departments = [lead] + co
        if departments.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            problems.append("department codes must not be empty")
        }
        if Set(departments).count != departments.count { problems.append("a department is named twice (lead and co must all differ)") }
        if let commandCenter, commandCenter.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("--as must not be empty") }
        if let problem = ConfirmedPublish.problem(messageId: messageId) { problems.append(problem) }
        if let problem = ConfirmedPublish.problem(wait: wait) { problems.append(problem) }
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "; ")) }
    }

    /// `W` + 8 digits + `-` + 6 digits.
    static func isTicketNumber(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 16, scalars[0] == "W", scalars[9] == "-" else { return false }
        return scalars.indices.allSatisfy { $0 == 0 || $0 == 9 || (48...57).contains(scalars[$0].value) }
    }

    func run() async throws {
        let time = LocalTime(zone: try ConnectionOptions.timeZone())
        let bytes = try ConfirmedPublish.encode(TriageRoute(ticketNo: ticketNo, lead: lead, co: co, note: note))
        let id = messageId ?? UUID().uuidString.lowercased()
        let center: String
        if let commandCenter {
            center = commandCenter
        } else {
            center = try await ReferenceLookup.commandCenter(connection: connection)
        }
        let routingKey = TriageRoute.routingKey(commandCenter: center)
        let connection = connection
        let ticketNo = ticketNo
        let published =
            "published \(id) to \(Exchange.replies)/\(routingKey): route \(ticketNo) to \(([lead] + co).joined(separator: ", "))"
        guard let wait else {
            try await ConfirmedPublish.send(bytes, routingKey: routingKey, messageId: id, connection: connection)
            print(published)
            return
        }
        let keys = [EventType.ticketDispatched.rawValue, EventType.replyRejected.rawValue]
        let event = try await EventWait.with(connection, keys: keys) { events in
            try await ConfirmedPublish.send(bytes, routingKey: routingKey, messageId: id, connection: connection)
            print(published)
            fflush(nil)
            return try await events.first(within: wait) { Self.answers(id, ticketNo: ticketNo, $0) }
        }
        guard let event else {
            throw CtlError(
                .timeout,
                "published, but neither ticket.dispatched for \(ticketNo) nor reply.rejected for message_id \(id) came within \(ConfirmedPublish.seconds(wait)) (is the dispatcher running on this broker?)"
            )
        }
        if event.type == EventType.replyRejected.rawValue {
            print("outcome: \(event.type)")
            EventWait.printErrors(of: event)
            throw CtlError(.rejected, "the dispatcher rejected the routing \(id) (\(EventWait.errorCount(of: event)))")
        }
        print(Self.render(event, time: time))
    }

    /// True for `reply.rejected` naming `messageId` in `data.source.message_id`, and for
    /// `ticket.dispatched` of the ticket (unless its data names another message as its source).
    static func answers(_ messageId: String, ticketNo: String, _ event: EventWait.Event) -> Bool {
        if event.type == EventType.replyRejected.rawValue {
            return event.data["source"]?["message_id"]?.stringValue == messageId
        }
        guard event.type == EventType.ticketDispatched.rawValue, event.ticketNo == ticketNo else { return false }
        if let source = event.data["source"]?["message_id"]?.stringValue ?? event.data["message_id"]?.stringValue {
            return source == messageId
        }
        return true
    }

    /// `outcome: ticket.dispatched, ticket W…, round n` and a table of its assignments.
    static func render(_ event: EventWait.Event, time: LocalTime) -> String {
        var head = "outcome: \(event.type), ticket \(event.ticketNo ?? "-")"
        if let round = event.data["round"]?.intValue { head += ", round \(round)" }
        var table = TextTable(["ASSIGNMENT", "DEPARTMENT", "ROLE", "ACK DUE", "RESOLVE DUE"])
        for item in event.data["assignments"]?.arrayValue ?? [] {
            func text(_ key: String) -> String { item[key]?.stringValue ?? "-" }
            func local(_ key: String) -> String {
                guard let raw = item[key]?.stringValue else { return "-" }
                return RFC3339.parse(raw).map { time.format($0) } ?? raw
            }
            table.append([text("assignment_id"), text("department"), text("role"), local("ack_due"), local("resolve_due")])
        }
        let body = table.isEmpty ? "  no assignments listed" : table.render(indent: "  ")
        return [head, body, "times in \(time.label)"].joined(separator: "\n")
    }
}
