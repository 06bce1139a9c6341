import Foundation
import Logging
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Intake's work on a batch from `whistle.intake`: validate each demand, feedback and
/// evaluation; store every one (raw body included, valid or not); open tickets; and write each
/// message's outcome event to the outbox — all in the batch's transaction.
struct IntakeHandler: BatchHandler {
    let reference: ReferenceCache
    let timeZone: TimeZone
    let logger: Logger
    var clock: @Sendable () -> Date = { Date() }

    func apply(_ messages: [InboundMessage], on connection: PostgresConnection) throws {
        let now = clock()
        let codes = reference.current
        let validator = DemandValidator(reference: codes)
        var demands: [(message: InboundMessage, channel: Channel?, result: DemandValidation)] = []
        var feedback: [InboundMessage] = []
        var evaluations: [InboundMessage] = []
        for message in messages {
            switch message.routingKey {
            case IntakeRoutingKey.feedback:
                feedback.append(message)
            case IntakeRoutingKey.evaluation:
                evaluations.append(message)
            default:
                guard let channel = Channel(routingKey: message.routingKey) else {
                    demands.append((message, nil, .invalid(externalId: nil, errors: [IntakePlan.unknownRoutingKey(message.routingKey)])))
                    continue
                }
                var result = validator.validate(channel: channel, body: message.body, now: now)
                if let problem = Self.messageIdProblem(message) { result = result.adding(problem) }
                demands.append((message, channel, result))
            }
        }
        if !demands.isEmpty {
            try DemandStore(connection: connection, timeZone: timeZone, now: now).record(demands)
        }
        if !feedback.isEmpty || !evaluations.isEmpty {
            try FollowUpStore(connection: connection, reference: codes, now: now).record(feedback: feedback, evaluations: evaluations)
        }
        for item in demands {
            if case .invalid(_, let errors) = item.result {
                logger.info(
                    "demand rejected",
                    metadata: ["message.id": "\(item.message.messageId)", "routing.key": "\(item.message.routingKey)", "errors": "\(errors.count)"])
            }
        }
    }

    /// CONTRACT: every message carries a `message_id` of 1–128 characters.
    static func messageIdProblem(_ message: InboundMessage) -> FieldError? {
        guard !message.hasOwnMessageId else { return nil }
        if let id = message.delivery.messageId, !id.isEmpty {
            return FieldError(field: nil, code: .tooLong, message: "the AMQP message_id is longer than 128 characters")
        }
        return FieldError(field: nil, code: .required, message: "the AMQP message_id property is missing; it is the idempotency key")
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
