import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// What notifier knows of a ticket when it words a message: the read model's `TicketView` with
/// its assignments and every demand's contact (personal data read here only, never logged).
typealias TicketContext = TicketView

extension TicketView {
    /// A demand's reporter as notifier addresses them.
    typealias Contact = TicketView.Demand

    /// The reporters of the demands that opened or joined the ticket.
    var contacts: [Contact] { filed }

    /// Whether the ticket's messages go out at once (urgent) rather than in working hours.
    var urgent: Bool { urgency == .urgent }

    /// The unit a complaint petition is about (confidential: shown to the petition bureau only).
    var complaintSubject: String? { petitionKind == .complaint ? subjectUnit : nil }

    /// Whether a grid worker's whistle summoned the departments.
    var hasWhistle: Bool { whistle != nil }

    /// The tickets of `ticketNos`, with assignments and reporters (references included).
    static func load(_ connection: PostgresConnection, _ ticketNos: [String]) throws -> [String: TicketContext] {
        try TicketReadModel.load(ticketNos, parts: [.assignments, .demands, .reporters, .reporterRefs], on: connection)
    }
}

extension TicketView.Demand {
    /// The demand's row id (a suppressed message names its demand by it).
    var demandId: Int64 { id }
}
