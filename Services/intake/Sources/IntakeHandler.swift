import Foundation
import Logging
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Intake's work on a batch from `whistle.intake`: validate each demand, feedback and
/// evaluation; store every one (raw body included, valid or not); open tickets; and write each
/// message's outcome event to the outbox — all in the batch's transaction. A message from a broker
/// user that may not send it (`SenderRules`) is rejected like an invalid one: it changes nothing.
struct IntakeHandler: BatchHandler {
    let reference: ReferenceCache
    let outbox: Outbox
    let timeZone: TimeZone
    let logger: Logger
    var clock: @Sendable () -> Date = { Date() }
    var senders = SenderRules()

    func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
        let now = clock()
        var snapshot = reference.snapshot
        var codes = snapshot.codes
        var demands = Self.validateDemands(messages, snapshot: snapshot, now: now, senders: senders)
        let unknownCode = demands.contains { $0.result.errors.contains { $0.code == .unknownCode } }
        if unknownCode || messages.contains(where: { $0.routingKey == IntakeRoutingKey.evaluation }) {
            // Before rejecting for an unknown code, look again: the codes may have been seeded just now.
            snapshot = try reference.freshSnapshot(on: connection)
            if snapshot.codes != codes {
                codes = snapshot.codes
                demands = Self.validateDemands(messages, snapshot: snapshot, now: now, senders: senders)
            }
        }
        let feedback = messages.filter { $0.routingKey == IntakeRoutingKey.feedback }
        let evaluations = messages.filter { $0.routingKey == IntakeRoutingKey.evaluation }
        if !demands.isEmpty {
            try DemandStore(connection: connection, outbox: outbox, reference: snapshot, timeZone: timeZone, now: now, senders: senders)
                .record(demands)
        }
        if !feedback.isEmpty || !evaluations.isEmpty {
            try FollowUpStore(
                connection: connection, outbox: outbox, reference: codes, areas: snapshot.data, now: now, timeZone: timeZone,
                senders: senders
            )
            .record(feedback: feedback, evaluations: evaluations)
        }
        let redemptions = messages.filter { $0.routingKey == IntakeRoutingKey.points }
        if !redemptions.isEmpty {
            let store = PointsRedemptions(
                connection: connection, outbox: outbox, reference: reference, timeZone: timeZone, now: now, senders: senders)
            try store.record(redemptions)
        }
        for item in demands {
            if case .invalid(_, let errors) = item.result {
                logger.info(
                    "demand rejected",
                    metadata: [
                        "message.id": "\(item.message.messageId)", "routing.key": "\(item.message.routingKey)", "errors": "\(errors.count)",
                    ])
            }
        }
    }

    /// Validates every message that is not feedback, an evaluation or a redemption of points
    /// (`PointsRedemptions`) as a demand; a routing key that names no channel is an error of its
    /// own, and so is a sender that may not publish on the channel. A body over
    /// `DemandBodyLimit.maxBytes` is rejected without being parsed. A whistle (routing key
    /// `whistle`) is a demand of channel `whistle`, validated by `WhistleValidator` and sent only
    /// by its whistler (`SenderRules.whistleProblem`). Every valid demand is placed in the area
    /// tree (`DemandPlacement`).
    static func validateDemands(
        _ messages: [InboundMessage], snapshot: ReferenceSnapshot, now: Date, senders: SenderRules
    ) -> [(message: InboundMessage, channel: Channel?, result: DemandValidation)] {
        let validator = DemandValidator(reference: snapshot.codes)
        let whistles = WhistleValidator(reference: snapshot.data)
        return messages.compactMap { message -> (message: InboundMessage, channel: Channel?, result: DemandValidation)? in
            let others = [IntakeRoutingKey.feedback, IntakeRoutingKey.evaluation, IntakeRoutingKey.points]
            if others.contains(message.routingKey) { return nil }
            guard let channel = Channel(intakeRoutingKey: message.routingKey) else {
                return (message, nil, .invalid(externalId: nil, errors: [IntakePlan.unknownRoutingKey(message.routingKey)]))
            }
            var result: DemandValidation
            if let tooLarge = DemandBodyLimit.problem(byteCount: message.body.count, sha256: message.bodySHA256) {
                result = .invalid(externalId: nil, errors: [tooLarge])
            } else if channel == .whistle {
                result = whistles.validate(body: message.body, now: now)
            } else {
                result = validator.validate(channel: channel, body: message.body, now: now)
            }
            if channel == .whistle {
                if let problem = senders.whistleProblem(userId: message.delivery.userId, by: result.demand?.whistle?.by) {
                    result = result.adding(problem)
                }
            } else if let problem = senders.demandProblem(userId: message.delivery.userId, channel: channel) {
                result = result.adding(problem)
            }
            if let problem = message.messageIdError { result = result.adding(problem) }
            return (message, channel, DemandPlacement.place(result, placer: snapshot.placer, reference: snapshot.data))
        }
    }
}

extension DemandValidation {
    /// The same decision with one more error (a valid demand becomes invalid).
    func adding(_ error: FieldError) -> DemandValidation {
        switch self {
        case .valid(let demand): return .invalid(externalId: demand.externalId, errors: [error])
        case .invalid(let externalId, let errors): return .invalid(externalId: externalId, errors: errors + [error])
        }
    }
}
