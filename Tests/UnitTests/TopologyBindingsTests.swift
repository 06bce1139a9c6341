import Testing
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistleReliability

/// An events queue: bound to exactly its handler's types, everything else unbound on declaration,
/// and still a durable quorum queue with the delivery limit and the dead-letter exchange.
@Suite("Topology bindings")
struct TopologyBindingsTests {
    static let keys = [EventType.ticketAccepted, .ticketMerged, .feedbackReceived].map(\.routingKey)

    @Test("an events queue is bound to its types only and unbinds the wildcards and every other type")
    func bindings() throws {
        let topology = WhistleTopology.events(queue: "dispatcher.events", keys: Self.keys, deliveryLimit: 5)
        let queue = try #require(topology.queues.first { $0.name == "dispatcher.events" })
        #expect(queue.bindings.map(\.routingKey) == Self.keys)
        #expect(queue.bindings.allSatisfy { $0.exchange == Exchange.events })
        let stale = Set(queue.staleBindings.map(\.routingKey))
        #expect(stale.contains("#"))
        #expect(stale.contains("*.*"))
        #expect(stale.isDisjoint(with: Self.keys), "a wanted type is never unbound")
        let everyType = Set(EventType.allCases.map(\.routingKey))
        #expect(stale.union(Self.keys).isSuperset(of: everyType), "every type of §5 is either bound or unbound")
        #expect(queue.staleBindings.allSatisfy { $0.exchange == Exchange.events })
    }

    @Test("the queue keeps CONTRACT's arguments: quorum, delivery limit, dead-letter exchange")
    func arguments() throws {
        let topology = WhistleTopology.events(queue: "notifier.events", keys: ["ticket.closed"], deliveryLimit: 7)
        let queue = try #require(topology.queues.first { $0.name == "notifier.events" })
        #expect(queue.arguments == Topology.quorumArguments(deliveryLimit: 7, deadLetterExchange: Exchange.deadLetters))
        #expect(queue.arguments.contains(QueueArgument("x-queue-type", .string("quorum"))))
    }

    @Test("every service's topic permission on whistle.events lets it unbind the stale keys at start-up (compose and HA load these)")
    func servicesMayUnbind() throws {
        let stale = WhistleTopology.staleEventBindings(keeping: []).map(\.routingKey)
        for service in SenderRules.Service.allCases {
            let read = BrokerAccess.services().topicPermissions.first { $0.user == service.user && $0.exchange == Exchange.events }?.read
            for key in stale { #expect(try SenderRulesTests.matches(read, key), "\(service.user) may unbind \(key)") }
        }
    }

    @Test("a consumer of every type (#) keeps # and unbinds only the other wildcard")
    func wildcardConsumer() {
        let stale = WhistleTopology.staleEventBindings(keeping: ["#"]).map(\.routingKey)
        #expect(!stale.contains("#"))
        #expect(stale.contains("*.*"))
    }
}
