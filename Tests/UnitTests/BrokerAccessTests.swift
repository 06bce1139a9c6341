import Foundation
import Testing
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistleReliability
import WhistleRuntime

/// The broker's users and permissions (`BrokerAccess`), their definitions JSON
/// (`BrokerDefinitions`, what `whistlectl broker-definitions` prints) and RabbitMQ's password hash.
@Suite struct BrokerAccessTests {
    static let departments = [
        BrokerAccess.Department(code: "XS-CGJ", isStreetOffice: false), BrokerAccess.Department(code: "FL-JDB", isStreetOffice: true),
    ]

    static func json(_ document: BrokerDefinitions) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(try document.json().utf8)) as? [String: Any])
    }

    @Test("the password hash is RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password))")
    func passwordHash() {
        // The example of RabbitMQ's documentation ("Computing password hash").
        #expect(BrokerPasswordHash.hash("test12", salt: [0x90, 0x8D, 0xC6, 0x0A]) == "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR")
        // UTF-8 bytes of the password (computed with Python's hashlib).
        #expect(
            BrokerPasswordHash.hash("口令-whistle", salt: [0xCA, 0xFE, 0x00, 0x42]) == "yv4AQhlCx1LNy89OZ1psCU/nFWdJolXJlAhcqgECeSeDDpfI")
        let random = BrokerPasswordHash.hash("secret")
        #expect(BrokerPasswordHash.verifies("secret", hash: random))
        #expect(!BrokerPasswordHash.verifies("secret!", hash: random))
        #expect(BrokerPasswordHash.hash("secret") != random, "a random salt each time")
        #expect(!BrokerPasswordHash.verifies("secret", hash: "not base64"))
    }

    @Test("a hash of deploy/rabbitmq/hash-password.sh (the broker image's) verifies with the same scheme")
    func shellHashAgrees() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = repository.appendingPathComponent("deploy/rabbitmq/hash-password.sh")
        process.arguments = ["口令 with spaces"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let hash = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(BrokerPasswordHash.verifies("口令 with spaces", hash: hash), "\(hash)")
        #expect(!BrokerPasswordHash.verifies("口令 with space", hash: hash))
    }

    @Test("the password variable names the user without whistle-, upper case, other characters as _")
    func passwordVariables() {
        #expect(BrokerAccess.passwordVariable(of: "whistle-intake") == "WHISTLE_AMQP_PASSWORD_INTAKE")
        #expect(BrokerAccess.passwordVariable(of: "whistle-admin") == "WHISTLE_AMQP_PASSWORD_ADMIN")
        #expect(BrokerAccess.passwordVariable(of: "adapter-12345") == "WHISTLE_AMQP_PASSWORD_ADAPTER_12345")
        #expect(BrokerAccess.passwordVariable(of: "dept-XS-CGJ") == "WHISTLE_AMQP_PASSWORD_DEPT_XS_CGJ")
        #expect(BrokerAccess.passwordVariable(of: "dept-qs.sq") == "WHISTLE_AMQP_PASSWORD_DEPT_QS_SQ")
    }

    @Test("boot holds the admin and the services; accounts the adapters and the departments")
    func users() {
        let services = BrokerAccess.services()
        #expect(
            services.users.map(\.name) == [
                "whistle-admin", "whistle-intake", "whistle-dispatcher", "whistle-notifier", "whistle-evaluator",
            ])
        #expect(services.users.first?.tags == ["administrator"])
        #expect(services.users.dropFirst().allSatisfy { $0.tags.isEmpty })
        let accounts = BrokerAccess.accounts(departments: Self.departments)
        #expect(
            accounts.users.map(\.name) == [
                "adapter-hotline", "adapter-12345", "adapter-grid", "adapter-petition", "dept-XS-CGJ", "dept-FL-JDB",
            ])
        #expect(accounts.permissions.count == accounts.users.count)
        #expect(accounts.topicPermissions.count == 4 + 2 + 1, "one per adapter and department, and the street office's evaluations")
    }

    @Test("each user may touch exactly its own queues and exchanges")
    func permissions() throws {
        let all = BrokerAccess.services().adding(BrokerAccess.accounts(departments: Self.departments))
        func permission(_ user: String) throws -> BrokerAccess.Permission { try #require(all.permissions.first { $0.user == user }) }
        let intake = try permission("whistle-intake")
        #expect(try SenderRulesTests.matches(intake.read, WhistleTopology.intakeQueue))
        #expect(try !SenderRulesTests.matches(intake.read, WhistleTopology.dispatcherEventsQueue))
        #expect(try SenderRulesTests.matches(intake.configure, Exchange.deadLetters))
        let dispatcher = try permission("whistle-dispatcher")
        #expect(try SenderRulesTests.matches(dispatcher.configure, departmentQueue("XS-CGJ")))
        #expect(try SenderRulesTests.matches(dispatcher.write, Exchange.dispatch))
        #expect(
            try !SenderRulesTests.matches(dispatcher.read, departmentQueue("XS-CGJ")), "dispatcher fills, never reads, a department's queue"
        )
        let notifier = try permission("whistle-notifier")
        #expect(try SenderRulesTests.matches(notifier.read, WhistleTopology.notifierEventsQueue))
        #expect(try !SenderRulesTests.matches(notifier.read, WhistleTopology.evaluatorEventsQueue))
        let adapter = try permission("adapter-grid")
        #expect(adapter.configure == "^$" && adapter.read == "^$")
        #expect(try SenderRulesTests.matches(adapter.write, Exchange.intake))
        #expect(try !SenderRulesTests.matches(adapter.write, Exchange.replies))
        let bureau = try permission("dept-XS-CGJ")
        #expect(bureau.read == "^dept\\.XS-CGJ$")
        #expect(try !SenderRulesTests.matches(bureau.write, Exchange.intake))
        let street = try permission("dept-FL-JDB")
        #expect(try SenderRulesTests.matches(street.write, Exchange.intake) && SenderRulesTests.matches(street.write, Exchange.replies))
        let replies = try #require(all.topicPermissions.first { $0.user == "dept-XS-CGJ" && $0.exchange == Exchange.replies })
        #expect(try SenderRulesTests.matches(replies.write, "XS-CGJ") && SenderRulesTests.matches(replies.write, "triage.XS-CGJ"))
        #expect(try !SenderRulesTests.matches(replies.write, "XS-CGJX") && !SenderRulesTests.matches(replies.write, "FL-JDB"))
    }

    @Test("the definitions JSON: the vhost, users with clear or hashed passwords, permissions on that vhost")
    func document() throws {
        let grants = BrokerAccess.services().adding(BrokerAccess.accounts(departments: Self.departments))
        let plain = try Self.json(BrokerDefinitions(grants) { .plain($0) })
        #expect((plain["vhosts"] as? [[String: String]]) == [["name": "/"]])
        let users = try #require(plain["users"] as? [[String: Any]])
        #expect(users.count == 11)
        #expect(users.first?["name"] as? String == "whistle-admin" && users.first?["password"] as? String == "whistle-admin")
        #expect(users.allSatisfy { $0["password_hash"] == nil })
        let permissions = try #require(plain["permissions"] as? [[String: String]])
        #expect(permissions.count == 11 && permissions.allSatisfy { $0["vhost"] == "/" })
        let topics = try #require(plain["topic_permissions"] as? [[String: String]])
        #expect(topics.count == 4 + 1 + 4 + 3, "each service on whistle.events, the gateway on whistle.intake, adapters, departments")
        #expect(
            topics.contains {
                $0 == ["user": "whistle-evaluator", "vhost": "/", "exchange": "whistle.intake", "write": "^demand\\.", "read": "^$"]
            }, "the gateway (evaluator) publishes demand.<channel> only")
        let gateway = try #require(permissions.first { $0["user"] == "whistle-evaluator" })
        #expect(try SenderRulesTests.matches(gateway["write"] ?? "", Exchange.intake))
        #expect(
            try !SenderRulesTests.matches(gateway["write"] ?? "", Exchange.replies)
                && !SenderRulesTests.matches(gateway["write"] ?? "", Exchange.dispatch))
        #expect(
            topics.contains {
                $0 == [
                    "user": "adapter-12345", "vhost": "/", "exchange": "whistle.intake", "write": "^(demand\\.12345|feedback)$",
                    "read": "^$",
                ]
            })

        let hashed = try Self.json(BrokerDefinitions(grants, vhost: "sandbox-1") { .hash(BrokerPasswordHash.hash($0)) })
        #expect((hashed["vhosts"] as? [[String: String]]) == [["name": "sandbox-1"]])
        for user in try #require(hashed["users"] as? [[String: Any]]) {
            let name = try #require(user["name"] as? String)
            #expect(user["hashing_algorithm"] as? String == "rabbit_password_hashing_sha256" && user["password"] == nil)
            #expect(BrokerPasswordHash.verifies(name, hash: user["password_hash"] as? String ?? ""), "\(name)")
        }
        #expect((hashed["permissions"] as? [[String: String]])?.allSatisfy { $0["vhost"] == "sandbox-1" } == true)
    }

    @Test("deploy/rabbitmq/boot-definitions.json, the broker image's template, is whistlectl's boot-template")
    func bootTemplateIsCurrent() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: repository.appendingPathComponent("deploy/rabbitmq/boot-definitions.json"), encoding: .utf8)
        let generated = try BrokerDefinitions(BrokerAccess.services()) { .hash("@\(BrokerAccess.passwordVariable(of: $0))@") }.json()
        #expect(committed == generated, "regenerate it: whistlectl broker-definitions boot-template >deploy/rabbitmq/boot-definitions.json")
        #expect(generated.contains("\"password_hash\" : \"@WHISTLE_AMQP_PASSWORD_ADMIN@\""), "the token boot-definitions.sh fills in")
    }

    @Test("one delivery limit: department queues as dispatcher and the seed declare them, and the services' default")
    func departmentQueues() {
        #expect(ServiceConfiguration(serviceName: "dispatcher", httpPort: 0).deliveryLimit == WhistleTopology.defaultDeliveryLimit)
        let topology = WhistleTopology.departmentQueues(["XS-CGJ", "FL-JDB"], deliveryLimit: 7)
        #expect(topology.queues.map(\.name) == ["dept.XS-CGJ", "dept.FL-JDB"])
        #expect(topology.exchanges.map(\.name) == WhistleTopology.exchanges.map(\.name))
        #expect(topology.queues.allSatisfy { $0.arguments.contains(QueueArgument("x-delivery-limit", .integer(7))) })
        #expect(topology.queues.first?.bindings.map(\.routingKey) == ["XS-CGJ"])
    }
}
