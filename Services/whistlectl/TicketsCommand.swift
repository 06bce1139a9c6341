import ArgumentParser
import Foundation
import WhistleDomain
import WhistlePostgres

/// `whistlectl tickets`: the latest tickets as a table.
struct TicketsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tickets",
        abstract: "List the latest tickets (newest first), with local opening times (WHISTLE_TIMEZONE).")

    static let statuses = ["accepted", "triage", "dispatched", "in_progress", "resolved", "closed", "rejected"]

    @Option(help: "How many tickets to show (1–1000).")
    var recent = 20

    @Option(help: "Only tickets with this status: \(statuses.joined(separator: ", ")).")
    var status: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (1...1000).contains(recent) else { throw ValidationError("--recent must be between 1 and 1000") }
        if let status, !Self.statuses.contains(status) {
            throw ValidationError("unknown status '\(status)': use one of \(Self.statuses.joined(separator: ", "))")
        }
    }

    struct Row: Sendable {
        var ticketNo: String
        var status: String
        var channel: String
        var category: String?
        var urgency: String
        var area: String?
        var lead: String?
        var openedAt: Date
        var text: String
    }

    func run() async throws {
        let time = LocalTime(zone: try ConnectionOptions.timeZone())
        let status = status
        let limit = recent
        let rows = try await connection.withDatabase { pool in
            try await pool.withConnection { connection in
                try connection.query(
                    """
                    SELECT ticket_no, status, channel, category_code, urgency, area_code, lead_department, opened_at,
                           coalesce(nullif(btrim(title), ''), content)
                    FROM tickets
                    WHERE $1::text IS NULL OR status = $1
                    ORDER BY opened_at DESC, ticket_no DESC
                    LIMIT $2
                    """, [status, limit]
                ).map { row in
                    Row(
                        ticketNo: try row.decode(0), status: try row.decode(1), channel: try row.decode(2),
                        category: try row.decodeIfPresent(3), urgency: try row.decode(4), area: try row.decodeIfPresent(5),
                        lead: try row.decodeIfPresent(6), openedAt: try row.decode(7), text: try row.decode(8))
                }
            }
        }
        guard !rows.isEmpty else {
            print(status.map { "no tickets with status \($0)" } ?? "no tickets yet")
            return
        }
        var table = TextTable(["TICKET", "STATUS", "CHANNEL", "CATEGORY", "URGENCY", "AREA", "LEAD", "OPENED", "TITLE"])
        for row in rows {
            table.append([
                row.ticketNo, row.status, row.channel, row.category ?? "-", row.urgency, row.area ?? "-", row.lead ?? "-",
                time.short(row.openedAt), DisplayWidth.prefix(PersonalData.maskText(row.text), characters: 30),
            ])
        }
        print(table.render())
        print("\(rows.count) ticket\(rows.count == 1 ? "" : "s"), newest first; times in \(time.label).")
    }
}
