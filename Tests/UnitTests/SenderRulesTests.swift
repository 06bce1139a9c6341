import Foundation
import Testing
import WhistleDomain
import WhistleMessages
import WhistleReliability
import WhistleRuntime

/// The broker's `user_id` rule: who may send each inbound message.
@Suite("Sender rules")
struct SenderRulesTests {
    let strict = SenderRules()

    @Test("every event type has exactly one emitting service, and the four services split them all")
    func emitters() {
        let all = SenderRules.Service.allCases.flatMap(\.eventTypes)
        #expect(all.count == EventType.allCases.count)
        #expect(Set(all) == Set(EventType.allCases))
        #expect(SenderRules.emitter(of: .feedbackReceived) == .intake)
        #expect(SenderRules.emitter(of: .ticketClosed) == .dispatcher)
        #expect(SenderRules.emitter(of: .replyRejected) == .dispatcher)
        #expect(SenderRules.emitter(of: .notificationSent) == .notifier)
        #expect(SenderRules.emitter(of: .hotspotDetected) == .evaluator)
        #expect(SenderRules.Service.notifier.eventTypes == [.notificationSent, .notificationFailed])
        #expect(SenderRules.Service.evaluator.user == "whistle-evaluator")
    }

    @Test("an event passes only from its emitter, for the routing key and the body's type alike")
    func events() {
        #expect(strict.eventProblem(userId: "whistle-intake", routingKey: "feedback.received", bodyType: "feedback.received") == nil)
        #expect(strict.eventProblem(userId: "whistle-dispatcher", routingKey: "ticket.closed", bodyType: nil) == nil)
        let forged = strict.eventProblem(userId: "whistle-evaluator", routingKey: "feedback.received", bodyType: "feedback.received")
        #expect(forged == "broker user whistle-evaluator may not publish feedback.received; only whistle-intake emits it")
        // A key the evaluator may publish does not carry a body of another type.
        #expect(strict.eventProblem(userId: "whistle-evaluator", routingKey: "hotspot.detected", bodyType: "hotspot.detected") == nil)
        #expect(strict.eventProblem(userId: "whistle-evaluator", routingKey: "hotspot.detected", bodyType: "ticket.accepted") != nil)
        #expect(
            strict.eventProblem(userId: "whistle-admin", routingKey: "ticket.accepted", bodyType: nil) != nil, "operators emit no events")
        #expect(strict.eventProblem(userId: nil, routingKey: "ticket.accepted", bodyType: nil)?.contains("(no user_id)") == true)
        #expect(
            strict.eventProblem(userId: "whistle-intake", routingKey: "ticket.invented", bodyType: nil)?.contains("no service emits")
                == true)
        #expect(SenderRules(mode: .any).eventProblem(userId: "anyone", routingKey: "ticket.closed", bodyType: "ticket.closed") == nil)
    }

    @Test("a demand passes from its channel's adapter or a trusted operator")
    func demands() {
        #expect(strict.demandProblem(userId: "adapter-12345", channel: .twelve345) == nil)
        #expect(strict.demandProblem(userId: "whistle-admin", channel: .petition) == nil)
        for user: String? in ["adapter-grid", "dept-XS-CGJ", "whistle-intake", nil, ""] {
            let problem = strict.demandProblem(userId: user, channel: .twelve345)
            #expect(problem?.code == .notAllowed)
            #expect(problem?.field == nil)
        }
        #expect(strict.demandProblem(userId: "adapter-grid", channel: .twelve345)?.message.contains("only adapter-12345 may") == true)
        #expect(SenderRules(mode: .strict, trusted: []).demandProblem(userId: "whistle-admin", channel: .grid) != nil)
        #expect(SenderRules(mode: .any).demandProblem(userId: nil, channel: .grid) == nil)
    }

    @Test("feedback passes from an adapter of one of the ticket's channels only")
    func feedback() {
        #expect(strict.feedbackProblem(userId: "adapter-12345", ticketChannels: [.twelve345]) == nil)
        #expect(strict.feedbackProblem(userId: "adapter-hotline", ticketChannels: [.twelve345, .hotline]) == nil, "a merged ticket")
        let other = strict.feedbackProblem(userId: "adapter-hotline", ticketChannels: [.grid])
        #expect(other?.code == .notAllowed)
        #expect(other?.field == "ticket_no")
        #expect(strict.feedbackProblem(userId: "dept-XS-CGJ", ticketChannels: [.twelve345])?.field == nil)
        #expect(strict.feedbackProblem(userId: "whistle-admin", ticketChannels: []) != nil, "no operator speaks for a citizen")
        #expect(strict.feedbackProblem(userId: "adapter-unknown", ticketChannels: []) != nil)
        #expect(strict.feedbackProblem(userId: "adapter-grid", ticketChannels: []) == nil, "an unknown ticket is refused by intake itself")
        #expect(SenderRules(mode: .any).feedbackProblem(userId: nil, ticketChannels: [.grid]) == nil)
        // A whistle's ticket: its whistler verifies the work; nobody else, no adapter either.
        #expect(strict.feedbackProblem(userId: "dept-XS-ZHZX", ticketChannels: [.whistle], whistler: "XS-ZHZX") == nil)
        #expect(
            strict.feedbackProblem(userId: "dept-QS-JDB", ticketChannels: [.whistle], whistler: "XS-ZHZX")?.message.contains("dept-XS-ZHZX")
                == true)
        #expect(strict.feedbackProblem(userId: "adapter-12345", ticketChannels: [.whistle], whistler: "XS-ZHZX")?.field == "ticket_no")
        #expect(strict.feedbackProblem(userId: "dept-XS-ZHZX", ticketChannels: [.twelve345]) != nil, "no whistler: adapters only")
    }

    @Test("an evaluation passes from its evaluator's own broker user only: a whistler, street or command center")
    func evaluations() {
        #expect(strict.evaluationProblem(userId: "dept-QS-JDB", evaluator: "QS-JDB") == nil)
        #expect(strict.evaluationProblem(userId: "dept-XS-ZHZX", evaluator: "XS-ZHZX") == nil, "a district command center's whistle")
        for user: String? in ["dept-FL-JDB", "dept-XS-ZHZX", "adapter-grid", "whistle-admin", nil] {
            #expect(strict.evaluationProblem(userId: user, evaluator: "QS-JDB")?.code == .notAllowed)
        }
        #expect(strict.evaluationProblem(userId: "adapter-grid", evaluator: "QS-JDB")?.message.contains("only dept-QS-JDB") == true)
        #expect(strict.evaluationProblem(userId: "adapter-grid", evaluator: nil) == nil, "no whistle: the evaluation rule refuses it")
        #expect(SenderRules(mode: .any).evaluationProblem(userId: "adapter-grid", evaluator: "QS-JDB") == nil)
    }

    @Test("adapter users name their channel")
    func adapters() {
        #expect(SenderRules.adapter(of: .twelve345) == "adapter-12345")
        #expect(SenderRules.channel(ofAdapter: "adapter-petition") == .petition)
        #expect(SenderRules.channel(ofAdapter: "adapter-") == nil)
        #expect(SenderRules.channel(ofAdapter: "dept-grid") == nil)
        #expect(SenderRules.channel(ofAdapter: nil) == nil)
    }

    /// The topic permissions of the broker definitions (`BrokerAccess`, what `whistlectl
    /// broker-definitions` prints) with a bureau and a street office, by user and exchange.
    static func topicPermissions() throws -> [String: String] {
        let departments = [
            BrokerAccess.Department(code: "XS-CGJ", isStreetOffice: false), BrokerAccess.Department(code: "FL-JDB", isStreetOffice: true),
        ]
        var permissions: [String: String] = [:]
        for entry in BrokerAccess.services().adding(BrokerAccess.accounts(departments: departments)).topicPermissions {
            #expect(permissions["\(entry.user) \(entry.exchange)"] == nil, "one topic permission per user and exchange")
            permissions["\(entry.user) \(entry.exchange)"] = entry.write
        }
        return permissions
    }

    static func matches(_ pattern: String?, _ key: String) throws -> Bool {
        guard let pattern else { return false }
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.firstMatch(in: key, range: NSRange(key.startIndex..., in: key)) != nil
    }

    @Test("the broker lets each service publish exactly the event types the rule says it emits")
    func brokerAgrees() throws {
        let permissions = try Self.topicPermissions()
        for service in SenderRules.Service.allCases {
            let write = permissions["\(service.user) whistle.events"]
            #expect(write != nil, "no topic permission for \(service.user)")
            for type in EventType.allCases {
                #expect(
                    try Self.matches(write, type.routingKey) == (SenderRules.emitter(of: type) == service),
                    "\(service.user) and \(type.rawValue): \(write ?? "-")")
            }
            #expect(try !Self.matches(write, "ticket.accepted.x"))
        }
        // Evaluations: a street office may publish them, an adapter or a bureau may not; feedback
        // only as the whistler verifying its own whistle's ticket (intake checks which ticket).
        #expect(try Self.matches(permissions["dept-FL-JDB whistle.intake"], "evaluation"))
        #expect(try Self.matches(permissions["dept-FL-JDB whistle.intake"], "feedback"))
        #expect(try !Self.matches(permissions["dept-FL-JDB whistle.intake"], "demand.grid"))
        #expect(permissions["dept-XS-CGJ whistle.intake"] == nil, "a bureau has no write on whistle.intake at all")
        #expect(try !Self.matches(permissions["adapter-grid whistle.intake"], "evaluation"))
        #expect(try Self.matches(permissions["adapter-grid whistle.intake"], "feedback"))
    }

    @Test("WHISTLE_SENDERS: strict by default, any on request, nothing else; WHISTLE_TRUSTED_USERS lists the operators")
    func configuration() throws {
        func rules(_ environment: [String: String]) throws -> SenderRules {
            SenderRules(configuration: try ServiceConfiguration(serviceName: "intake", defaultPort: 8081, environment: environment))
        }
        #expect(try rules([:]) == SenderRules(mode: .strict, trusted: ["whistle-admin"]))
        #expect(try rules(["WHISTLE_SENDERS": "any"]).mode == .any)
        #expect(try rules(["WHISTLE_TRUSTED_USERS": "ops-1, ops-2"]).trusted == ["ops-1", "ops-2"])
        #expect(throws: ConfigurationError.self) { try rules(["WHISTLE_SENDERS": "off"]) }
    }
}
