import ArgumentParser
import Foundation
import WhistleDomain
import WhistleMessages

/// `whistlectl notifications …`: what notifier sent, or did not, about a ticket.
struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications", abstract: "Look at the notifications of a ticket (CONTRACT §6).",
        subcommands: [NotificationsListCommand.self])
}

struct NotificationsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a ticket's notifications, oldest first: audience, recipient, template, delivery status and attempts.",
        discussion: """
            Reads the notifications table. The table shows the local creation time (WHISTLE_TIMEZONE), the event \
            that caused each notification, its audience and recipient, template, status (pending, sending, sent, \
            failed, undeliverable, suppressed), delivery attempts, and the reason or last delivery error; the texts \
            follow, numbered as the rows (--no-texts leaves them out). --json prints the rows as a JSON array, \
            times in RFC 3339 UTC. Phone numbers are masked everywhere: a citizen's recipient, and any phone or \
            resident ID number in a text (ticket numbers stay whole). A ticket without notifications prints a note and exits 0.
            """)

    @Option(help: ArgumentHelp("The ticket number, e.g. W20261121-000123.", valueName: "no"))
    var ticket: String

    @Flag(help: "Print the rows as a JSON array.")
    var json = false

    @Flag(inversion: .prefixedNo, help: "Print each notification's text below the table.")
    var texts = true

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard TicketNumber.isValid(ticket) else {
            throw ValidationError("'\(ticket)' is not a ticket number such as W20261121-000123")
        }
    }

    func run() async throws {
        let time = LocalTime(zone: try ConnectionOptions.timeZone())
        let ticketNo = ticket
        let rows = try await connection.withDatabase { pool in
            try await pool.withConnection { try NotificationRow.load(ticketNo: ticketNo, $0) }
        }
        if json {
            print(try Self.json(rows))
            return
        }
        guard !rows.isEmpty else {
            print("no notifications for \(ticketNo)")
            return
        }
        print(Self.render(rows, time: time, texts: texts))
    }

    /// The rows as a JSON array, snake_case keys in sorted order, one member per line.
    static func json(_ rows: [NotificationRow]) throws -> String {
        let encoder = WhistleJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        return String(decoding: try encoder.encode(rows), as: UTF8.self)
    }

    static func render(_ rows: [NotificationRow], time: LocalTime, texts: Bool) -> String {
        var table = TextTable(
            ["#", "CREATED", "EVENT", "AUDIENCE", "RECIPIENT", "TEMPLATE", "STATUS", "ATTEMPTS", "REASON / LAST ERROR"],
            rightAligned: [0, 7])
        for (index, row) in rows.enumerated() {
            table.append([
                "\(index + 1)", time.format(row.createdAt), row.eventType, row.audience, row.recipient,
                row.template + (row.urgent ? " (urgent)" : ""), row.status, "\(row.attempts)",
                DisplayWidth.prefix(row.note, characters: 60),
            ])
        }
        var out = [table.render()]
        if texts {
            out.append("")
            out.append("texts")
            let width = String(rows.count).count
            for (index, row) in rows.enumerated() {
                let number = String(repeating: " ", count: width - String(index + 1).count) + "\(index + 1)"
                out.append("  \(number)  " + DisplayWidth.sanitized(row.text))
            }
        }
        out.append("")
        out.append(Self.summary(rows) + "; times in \(time.label).")
        return out.joined(separator: "\n")
    }

    /// `3 notifications: 2 sent, 1 failed`, statuses in the order of their lifecycle.
    static func summary(_ rows: [NotificationRow]) -> String {
        let order = ["pending", "sending", "sent", "failed", "undeliverable", "suppressed"]
        var counts: [String: Int] = [:]
        for row in rows { counts[row.status, default: 0] += 1 }
        let known = order.compactMap { status in counts[status].map { "\($0) \(status)" } }
        let other = counts.keys.filter { !order.contains($0) }.sorted().map { "\(counts[$0]!) \($0)" }
        return "\(rows.count) notification\(rows.count == 1 ? "" : "s"): " + (known + other).joined(separator: ", ")
    }
}
