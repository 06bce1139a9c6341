import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres

/// Polls `demands` for a published message until intake has recorded it, then prints the
/// outcome: `accepted W…`, `merged W…`, `duplicate W…` or `rejected` with every error.
struct DemandWatch {
    let connection: ConnectionOptions
    let routingKey: String
    let messageId: String

    struct Recorded: Sendable {
        var outcome: String
        var ticketNo: String?
        var errors: String?
    }

    func watch(seconds: Double) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let key = routingKey
        let id = messageId
        let found = try await connection.withDatabase { pool -> Recorded? in
            while true {
                let row = try await pool.withConnection { connection -> Recorded? in
                    let rows = try connection.query(
                        "SELECT outcome, ticket_no, errors::text FROM demands WHERE routing_key = $1 AND message_id = $2",
                        [key, id])
                    guard let row = rows.first else { return nil }
                    return Recorded(outcome: try row.decode(0), ticketNo: try row.decodeIfPresent(1), errors: try row.decodeIfPresent(2))
                }
                if let row { return row }
                if ContinuousClock.now >= deadline { return nil }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        guard let found else {
            throw CtlError(
                .timeout,
                "published, but no demand with message_id \(messageId) was recorded within \(String(format: "%g", seconds)) s (is intake running against this database?)"
            )
        }
        var line = "demand \(messageId): \(found.outcome)"
        if let ticket = found.ticketNo { line += ", ticket \(ticket)" }
        print(line)
        for error in ErrorList.parse(found.errors) {
            print("  error: \(error.field ?? "(message)") \(error.code): \(error.message)")
        }
    }
}

/// The `errors` of a demand: `[{field, code, message}]` as intake stores them.
enum ErrorList {
    struct Entry: Sendable {
        var field: String?
        var code: String
        var message: String
    }

    static func parse(_ text: String?) -> [Entry] {
        guard let text, let value = try? JSONParser().parse(text), let list = value.arrayValue else { return [] }
        return list.compactMap { item in
            guard let code = item["code"]?.stringValue else { return nil }
            return Entry(field: item["field"]?.stringValue, code: code, message: PersonalData.maskText(item["message"]?.stringValue ?? ""))
        }
    }

    /// `field:code` pairs for a table cell, e.g. `location.lat:out_of_range, line:required`.
    static func brief(_ text: String?) -> String {
        let entries = parse(text)
        guard !entries.isEmpty else { return "" }
        return entries.map { "\($0.field ?? "(message)"):\($0.code)" }.joined(separator: ", ")
    }
}
