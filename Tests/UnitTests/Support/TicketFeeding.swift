import Foundation
import Testing
import WhistleDomain

/// Feeds `inputs` to `TicketMachine` one by one at `now`, recording an issue (at the caller's
/// line) for an input that changes nothing; returns the last input's effects.
@discardableResult
func feedTicket(
    _ ticket: inout TicketSnapshot, _ inputs: [TicketInput], now: Date, sourceLocation: SourceLocation = #_sourceLocation
) -> [TicketEffect] {
    var effects: [TicketEffect] = []
    for input in inputs {
        let decision = TicketMachine.reduce(ticket, input, now: now)
        guard let next = decision.snapshot else {
            Issue.record("\(input) changed nothing: \(decision)", sourceLocation: sourceLocation)
            return []
        }
        ticket = next
        effects = decision.effects
    }
    return effects
}
