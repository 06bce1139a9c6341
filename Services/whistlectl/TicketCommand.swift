import ArgumentParser
import Foundation
import WhistleDomain

/// `whistlectl ticket show <ticket_no>`.
struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket", abstract: "Look at one ticket.", subcommands: [TicketShowCommand.self])
}

struct TicketShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a ticket: its fields, demands, assignments and full timeline (local times, WHISTLE_TIMEZONE).")

    @Argument(help: "The ticket number, e.g. W20261121-000123.")
    var ticketNo: String

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let time = LocalTime(zone: try ConnectionOptions.timeZone())
        let ticketNo = ticketNo
        let details = try await connection.withDatabase { pool in
            try await pool.withConnection { try TicketDetails.load(ticketNo, $0, time: time) }
        }
        guard let details else { throw CtlError(.notFound, "no ticket \(ticketNo)") }
        print(Self.render(details, time: time))
    }

    static func render(_ details: TicketDetails, time: LocalTime) -> String {
        var out: [String] = ["ticket \(details.ticketNo)  [\(details.status)]"]
        let width = details.fields.map { DisplayWidth.of($0.label) }.max() ?? 0
        for field in details.fields {
            let lines = field.value.split(separator: "\n", omittingEmptySubsequences: false)
            let indent = String(repeating: " ", count: width + 4)
            out.append("  " + DisplayWidth.pad(field.label, to: width) + "  " + (lines.first.map(String.init) ?? ""))
            for line in lines.dropFirst() { out.append(indent + line) }
        }

        out.append("")
        out.append("demands (\(details.demands.count))")
        var demands = TextTable(["CHANNEL", "EXTERNAL ID", "OUTCOME", "RECEIVED", "MESSAGE ID"])
        for demand in details.demands {
            demands.append([
                demand.channel ?? "-", demand.externalId ?? "-", demand.outcome, time.format(demand.receivedAt), demand.messageId,
            ])
        }
        out.append(demands.isEmpty ? "  none" : demands.render(indent: "  "))

        out.append("")
        out.append("assignments (\(details.assignments.count))")
        var assignments = TextTable(["ASSIGNMENT", "DEPARTMENT", "ROLE", "STATUS", "ROUND", "ACK DUE", "RESOLVE DUE", "DONE", "NOTE"])
        for assignment in details.assignments {
            let done = assignment.completedAt ?? assignment.returnedAt ?? assignment.acknowledgedAt
            var note = assignment.returnReason.map { "returned: \($0)" } ?? ""
            if let result = assignment.result { note = "result: " + DisplayWidth.prefix(PersonalData.maskText(result), characters: 40) }
            if assignment.reopenCount > 0 { note = "reopen \(assignment.reopenCount)" + (note.isEmpty ? "" : "; " + note) }
            assignments.append([
                assignment.id, assignment.department, assignment.role, assignment.status, "\(assignment.round)",
                time.short(assignment.ackDue), time.short(assignment.resolveDue), done.map(time.short) ?? "-", note,
            ])
        }
        out.append(assignments.isEmpty ? "  none" : assignments.render(indent: "  "))

        out.append("")
        out.append("timeline (\(details.timeline.count))")
        var timeline = TextTable(["AT", "TYPE", "ACTOR", "DATA"])
        for entry in details.timeline {
            timeline.append([time.format(entry.at), entry.type, entry.actor ?? "-", entry.data])
        }
        out.append(timeline.isEmpty ? "  none" : timeline.render(indent: "  "))
        out.append("")
        out.append("times in \(time.label)")
        return out.joined(separator: "\n")
    }
}
