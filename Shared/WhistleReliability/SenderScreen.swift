import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistleRuntime

extension SenderRules {
    /// The rule as `ServiceConfiguration` sets it (`WHISTLE_SENDERS`, `WHISTLE_TRUSTED_USERS`,
    /// `WHISTLE_GATEWAY_USERS`).
    public init(configuration: ServiceConfiguration) {
        self.init(
            mode: configuration.checkSenders ? .strict : .any, trusted: Set(configuration.trustedUsers),
            gateways: Set(configuration.gatewayUsers))
    }

    /// Who brought the demand `message` in (`origin(userId:headers:)`).
    public func origin(of message: InboundMessage) -> (adapter: String?, via: String?) {
        origin(userId: message.delivery.userId, headers: message.delivery.whistleHeaders)
    }

    /// Why the event `message` (from `whistle.events`) must be refused, nil when its sender emits
    /// its type. The body's `type` is checked too, when the body is an object with one: consumers
    /// act on that, not on the routing key.
    public func eventRefusal(_ message: InboundMessage) -> String? {
        guard mode == .strict else { return nil }
        return eventProblem(userId: message.delivery.userId, routingKey: message.routingKey, bodyType: Self.bodyType(message.body))
    }

    /// The `type` field of an event body; nil when the body is not a JSON object with a string
    /// `type` (the handlers skip such a body; only the routing key can be checked).
    static func bodyType(_ body: [UInt8]) -> String? {
        let parsed: JSONValue
        do {
            parsed = try JSONParser().parse(body)
        } catch {
            return nil
        }
        guard case .object(let fields) = parsed, case .string(let type)? = fields["type"] else { return nil }
        return type
    }
}

extension Topology {
    /// Whether every queue of `names` that this topology declares is bound to `whistle.events` only.
    func consumesEventsOnly(_ names: [String]) -> Bool {
        let consumed = queues.filter { names.contains($0.name) }
        return !consumed.isEmpty
            && consumed.allSatisfy { queue in
                !queue.bindings.isEmpty && queue.bindings.allSatisfy { $0.exchange == WhistleMessages.Exchange.events }
            }
    }
}
