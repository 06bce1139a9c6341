import WhistleMessages

/// The key that makes a demand unique across deliveries: (channel, external_id).
public struct DemandKey: Hashable, Sendable {
    public var channel: Channel
    public var externalId: String
    public init(channel: Channel, externalId: String) {
        self.channel = channel
        self.externalId = externalId
    }
}

/// What intake does with each message of a batch, decided without I/O.
public enum IntakeDecision: Sendable, Hashable {
    /// A new ticket for this demand.
    case open(Demand)
    /// The (channel, external_id) already has a ticket.
    case duplicate(Demand, ticketNo: String)
    /// The (channel, external_id) is opening a ticket earlier in the same batch, at `index`.
    case duplicateOfBatch(Demand, index: Int)
    /// Invalid: every error, and the external id when it was readable.
    case reject(channel: Channel?, externalId: String?, errors: [FieldError])
}

/// Decides each message's outcome from its validation and the tickets that already exist.
public enum IntakePlan {
    /// - Parameters:
    ///   - validations: per message, its channel (nil when the routing key names none) and result.
    ///   - existing: the ticket of every known (channel, external_id) among them.
    public static func decide(
        _ validations: [(channel: Channel?, result: DemandValidation)], existing: [DemandKey: String]
    ) -> [IntakeDecision] {
        var openedAt: [DemandKey: Int] = [:]
        var decisions: [IntakeDecision] = []
        decisions.reserveCapacity(validations.count)
        for (index, item) in validations.enumerated() {
            switch item.result {
            case .invalid(let externalId, let errors):
                decisions.append(.reject(channel: item.channel, externalId: externalId, errors: errors))
            case .valid(let demand):
                let key = DemandKey(channel: demand.channel, externalId: demand.externalId)
                if let ticketNo = existing[key] {
                    decisions.append(.duplicate(demand, ticketNo: ticketNo))
                } else if let first = openedAt[key] {
                    decisions.append(.duplicateOfBatch(demand, index: first))
                } else {
                    openedAt[key] = index
                    decisions.append(.open(demand))
                }
            }
        }
        return decisions
    }

    /// The error for a routing key on `whistle.intake` that names no known message kind.
    public static func unknownRoutingKey(_ routingKey: String) -> FieldError {
        FieldError(
            field: nil, code: .unknownCode,
            message: "routing key \"\(routingKey)\" is not demand.hotline, demand.12345, demand.grid, demand.petition, "
                + "whistle, points, feedback or evaluation")
    }
}
