import ArgumentParser
import Foundation
import WhistlePostgres

/// `whistlectl outcomes`: where did my demands go — the latest demands with their outcome.
struct OutcomesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outcomes",
        abstract: "List the latest demands intake recorded: outcome, ticket, and the errors of rejected ones.")

    @Option(help: "How many demands to show (1–1000).")
    var recent = 20

    @Flag(name: .customLong("message-ids"), help: "Add a column with each demand's AMQP message_id.")
    var messageIds = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (1...1000).contains(recent) else { throw ValidationError("--recent must be between 1 and 1000") }
    }

    struct Row: Sendable {
        var receivedAt: Date
        var routingKey: String
        var externalId: String?
        var outcome: String
        var ticketNo: String?
        var errors: String?
        var messageId: String
    }

    func run() async throws {
        let time = LocalTime(zone: try ConnectionOptions.timeZone())
        let limit = recent
        let rows = try await connection.withDatabase { pool in
            try await pool.withConnection { connection in
                try connection.query(
                    """
                    SELECT received_at, routing_key, external_id, outcome, ticket_no, errors::text, message_id
                    FROM demands ORDER BY received_at DESC, id DESC LIMIT $1
                    """, [limit]
                ).map { row in
                    Row(
                        receivedAt: try row.decode(0), routingKey: try row.decode(1), externalId: try row.decodeIfPresent(2),
                        outcome: try row.decode(3), ticketNo: try row.decodeIfPresent(4), errors: try row.decodeIfPresent(5),
                        messageId: try row.decode(6))
                }
            }
        }
        guard !rows.isEmpty else {
            print("no demands recorded yet")
            return
        }
        var headers = ["RECEIVED", "ROUTING KEY", "EXTERNAL ID", "OUTCOME", "TICKET", "ERRORS"]
        if messageIds { headers.insert("MESSAGE ID", at: 2) }
        var table = TextTable(headers)
        for row in rows {
            var cells = [
                time.format(row.receivedAt), row.routingKey, row.externalId ?? "-", row.outcome, row.ticketNo ?? "-",
                ErrorList.brief(row.errors),
            ]
            if messageIds { cells.insert(row.messageId, at: 2) }
            table.append(cells)
        }
        print(table.render())
        let rejected = rows.filter { $0.outcome == "rejected" }.count
        print("\(rows.count) demand\(rows.count == 1 ? "" : "s"), newest first (\(rejected) rejected); times in \(time.label).")
    }
}
