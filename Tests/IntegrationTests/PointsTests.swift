import Foundation
import Testing
import WhistleAMQP
import WhistleMessages
import WhistleReliability

/// 积分回馈 (CONTRACT §10 Points) end to end over the wire, every service its own broker user and
/// strict: grid workers' verified reports earn points, duplicates, rejected and anonymous demands
/// do not; one closing awards once however often `ticket.closed` comes; the yearly cap holds;
/// streets redeem, never below zero; the two read routes are scoped; `whistlectl points rebuild`
/// gives the live ledger's totals.
@Suite("Points", .serialized)
struct PointsTests {
    static let start = "2026-11-18T10:00:00+08:00"
    static let citizenPhone = "139-1234-5678"
    /// `phone:` + the first 16 hex digits of SHA-256("13912345678"), computed outside Whistle.
    static let citizenRef = "phone:" + String(PointsReference.sha256Hex("13912345678").prefix(16))

    static func report(
        _ externalId: String, worker: String?, grid: String = "G-QS-SQ-01", content: String = "石桥社区垃圾桶满溢没人清运，气味很大"
    )
        -> [String: Any]
    {
        var location: [String: Any] = ["grid": grid]
        if worker == nil { location = [:] }
        return [
            "external_id": externalId, "submitted_at": start, "content": content, "category": "SRHJ-LJQY", "location": location,
            "reporter": ["id": worker ?? "GW-NONE"],
        ]
    }

    static func citizen(_ externalId: String, anonymous: Bool = false) -> [String: Any] {
        [
            "external_id": externalId, "submitted_at": start, "content": "石桥社区垃圾桶满溢没人清运，气味很大", "category": "SRHJ-LJQY",
            "location": ["grid": "G-QS-SQ-01"], "reporter": ["name": "赵六", "phone": citizenPhone, "anonymous": anonymous],
        ]
    }

    /// Works a ticket to its end: every assignment acknowledged and completed, then the grid
    /// worker's verification (as `adapter-grid`) closes it satisfied; returns `ticket.closed`.
    @discardableResult
    static func closeSatisfied(_ flow: FlowHarness, _ ticketNo: String) async throws -> [String: Any] {
        let dispatched = try await flow.event(.ticketDispatched, ticket: ticketNo)
        for assignment in FlowRepliesTests.assignments(dispatched) {
            let department = try #require(assignment["department"] as? String)
            let id = try #require(assignment["assignment_id"] as? String)
            try await flow.desk.reply(department, id, "acknowledge")
            try await flow.desk.reply(department, id, "complete", ["result": "已处理"])
        }
        _ = try await flow.event(.ticketResolved, ticket: ticketNo)
        let feedback = OutboundMessage(
            exchange: Exchange.intake, routingKey: "feedback",
            body: Fixtures.json(["ticket_no": ticketNo, "satisfaction": "satisfied", "resolved": true]), messageId: UUID().uuidString)
        #expect(try await LeastPrivilegeTests.canPublish(flow.sandbox, user: "adapter-grid", feedback))
        return try await flow.event(.ticketClosed, ticket: ticketNo) { $0.data["outcome"] as? String == "satisfied" }
    }

    /// The ledger's award entries of `ticketNo`: reporter → points.
    static func ledger(_ flow: FlowHarness, _ ticketNo: String) async throws -> [String: Int] {
        try await flow.sandbox.withDatabase { connection in
            var out: [String: Int] = [:]
            for row in try connection.query(
                "SELECT reporter_ref, points FROM points_entries WHERE kind = 'award' AND ticket_no = $1", [ticketNo])
            {
                out[try row.decode(0, as: String.self)] = try row.decode(1, as: Int.self)
            }
            return out
        }
    }

    /// Every reporter's balance.
    static func balances(_ flow: FlowHarness) async throws -> [String: Int] {
        try await flow.sandbox.withDatabase { connection in
            var out: [String: Int] = [:]
            for row in try connection.query("SELECT reporter_ref, balance FROM points_accounts") {
                out[try row.decode(0, as: String.self)] = try row.decode(1, as: Int.self)
            }
            return out
        }
    }

    /// Waits until `condition` holds of the database (polling), or fails.
    static func until(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
    }

    static func awarded(_ flow: FlowHarness, _ ticketNo: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for event in flow.received(.pointsAwarded, ticket: ticketNo) {
            if let ref = event.data["reporter_ref"] as? String { out[ref, default: 0] += event.data["points"] as? Int ?? 0 }
        }
        return out
    }

    @Test func verifiedReportsEarnPointsOnceUnderTheCapAndTheLedgerReplaysToTheSameTotals() async throws {
        try await FlowHarness.run("points-awards", start: Self.start, ownUsers: true) { flow in
            let opened = try await flow.publish(.grid, Self.report("GR-P-1", worker: "GW-QS-01"))
            let ticketNo = try #require(opened["ticket_no"] as? String)
            #expect(opened["type"] as? String == "ticket.accepted")
            let merged = try await flow.publish(.grid, Self.report("GR-P-2", worker: "GW-QS-02"))
            #expect(merged["type"] as? String == "ticket.merged" && merged["ticket_no"] as? String == ticketNo)
            let citizen = try await flow.publish(.twelve345, Self.citizen("12345-P-1"))
            #expect(citizen["type"] as? String == "ticket.merged")
            let anonymous = try await flow.publish(.twelve345, Self.citizen("12345-P-2", anonymous: true))
            #expect(anonymous["type"] as? String == "ticket.merged")
            // A duplicate of the opening report by another worker, and a report without its grid.
            let duplicate = try await flow.publish(.grid, Self.report("GR-P-1", worker: "GW-QS-03"))
            #expect(duplicate["type"] as? String == "demand.duplicate" && duplicate["ticket_no"] as? String == ticketNo)
            let rejected = try await flow.publish(.grid, Self.report("GR-P-3", worker: nil))
            #expect(rejected["type"] as? String == "demand.rejected")

            let closed = try await Self.closeSatisfied(flow, ticketNo)
            let expected = ["GW-QS-01": 10, "GW-QS-02": 2, Self.citizenRef: 2]
            try await flow.events.waitFor("3 points.awarded of \(ticketNo)") { _ in Self.awarded(flow, ticketNo).count == 3 }
            #expect(Self.awarded(flow, ticketNo) == expected)
            let reasons = flow.received(.pointsAwarded, ticket: ticketNo).map {
                "\($0.data["reporter_ref"] ?? "") \($0.data["reason"] ?? "")"
            }
            #expect(Set(reasons) == ["GW-QS-01 opened", "GW-QS-02 merged", "\(Self.citizenRef) merged"])
            #expect(try await Self.ledger(flow, ticketNo) == expected, "no award for the duplicate, the rejected or the anonymous")

            // The same ticket.closed delivered again (same message id), and again under a new id: one award each still.
            var again = closed
            again.removeValue(forKey: "_message_id")
            let eventId = try #require(closed["event_id"] as? String)
            for id in [eventId, UUID().uuidString.lowercased()] {
                again["event_id"] = id
                let message = OutboundMessage(
                    exchange: Exchange.events, routingKey: "ticket.closed", body: Fixtures.json(again), messageId: id, type: "ticket.closed"
                )
                #expect(try await LeastPrivilegeTests.canPublish(flow.sandbox, user: "whistle-dispatcher", message))
            }
            try await Self.until("the second ticket.closed id applied") {
                try await flow.sandbox.count("SELECT count(*)::int FROM inbox WHERE consumer = 'intake-points'") == 2
            }
            try await flow.events.drain(milliseconds: 500)
            #expect(try await Self.ledger(flow, ticketNo) == expected)
            #expect(Self.awarded(flow, ticketNo) == expected, "no second points.awarded")
            #expect(try await Self.balances(flow) == expected)

            // The cap, lowered in the reference data: 10 + 5 = 15, then nothing (recorded, not announced).
            let rules = try await Ctl(databaseURL: flow.sandbox.databaseURL).run(["points", "rules", "--yearly-cap", "15"])
            #expect(rules.status == 0 && rules.stdout.contains("yearly cap: 15"), "\(rules.stderr)")
            var capped: [String] = []
            for (index, grid) in ["G-QS-SQ-03", "G-QS-SQ-05"].enumerated() {
                let report = Self.report("GR-P-C\(index)", worker: "GW-QS-01", grid: grid, content: "路灯不亮，晚上一片漆黑\(index)")
                let accepted = try await flow.publish(.grid, report)
                let number = try #require(accepted["ticket_no"] as? String)
                try await Self.closeSatisfied(flow, number)
                try await Self.until("the award of \(number)") { try await Self.ledger(flow, number).count == 1 }
                capped.append(number)
            }
            #expect(try await Self.ledger(flow, capped[0]) == ["GW-QS-01": 5])
            #expect(try await Self.ledger(flow, capped[1]) == ["GW-QS-01": 0])
            try await flow.events.drain(milliseconds: 500)
            #expect(Self.awarded(flow, capped[0]) == ["GW-QS-01": 5])
            #expect(flow.received(.pointsAwarded, ticket: capped[1]).isEmpty, "a fully capped award is not announced")
            let live = try await Self.balances(flow)
            #expect(live["GW-QS-01"] == 15)

            // The ledger replays from the timeline to the same totals; a damaged ledger is repaired.
            let ctl = Ctl(databaseURL: flow.sandbox.databaseURL)
            let check = try await ctl.run(["points", "rebuild", "--check"])
            #expect(check.status == 0 && check.stdout.contains("the ledger matches the timeline"), "\(check.stdout)\(check.stderr)")
            let damaged = capped[0]
            try await flow.sandbox.withDatabase { connection in
                _ = try connection.query("DELETE FROM points_entries WHERE ticket_no = $1", [damaged])
                _ = try connection.query("UPDATE points_accounts SET balance = 999 WHERE reporter_ref = 'GW-QS-02'")
            }
            let differs = try await ctl.run(["points", "rebuild", "--check"])
            #expect(differs.status == 1 && differs.stdout.contains("2 reporters differ"), "\(differs.stdout)\(differs.stderr)")
            let rebuilt = try await ctl.run(["points", "rebuild"])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            #expect(rebuilt.stdout.contains("after:  3 reporters, 19 points"), "\(rebuilt.stdout)")
            #expect(try await Self.balances(flow) == live)
            #expect(try await Self.ledger(flow, capped[0]) == ["GW-QS-01": 5])
            #expect(try await Self.ledger(flow, capped[1]) == ["GW-QS-01": 0])
        }
    }

    /// Publishes a redemption as `user`; returns its outcome event.
    static func redeem(_ flow: FlowHarness, as user: String, _ body: [String: Any]) async throws -> [String: Any] {
        let id = UUID().uuidString
        let message = OutboundMessage(exchange: Exchange.intake, routingKey: "points", body: Fixtures.json(body), messageId: id)
        #expect(try await LeastPrivilegeTests.canPublish(flow.sandbox, user: user, message), "\(user) may publish points")
        let all = try await flow.events.waitFor("the outcome of redemption \(id)") { all in all.contains { $0.sourceMessageId == id } }
        return try #require(all.first { $0.sourceMessageId == id })
    }

    static func redemption(
        _ externalId: String, by: String = "QS-JDB", _ ref: String, _ points: Int, reason: String = "兑换社区积分超市生活用品"
    ) -> [String: Any] {
        ["external_id": externalId, "by": by, "reporter_ref": ref, "points": points, "reason": reason]
    }

    /// "field code" of each error of a rejection.
    static func codes(_ event: [String: Any]) -> [String] {
        ((event.data["errors"] as? [[String: Any]]) ?? []).map { "\($0["field"] as? String ?? "nil") \($0["code"] as? String ?? "")" }
    }

    static func json(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }

    @Test func streetsRedeemNeverBelowZeroAndReadTheirOwnStreetsPoints() async throws {
        try await FlowHarness.run("points-redeem", start: Self.start, ownUsers: true) { flow in
            let opened = try await flow.publish(.grid, Self.report("GR-R-1", worker: "GW-QS-01"))
            let ticketNo = try #require(opened["ticket_no"] as? String)
            let merged = try await flow.publish(.grid, Self.report("GR-R-2", worker: "GW-QS-02"))
            #expect(merged["type"] as? String == "ticket.merged")
            let citizen = try await flow.publish(.twelve345, Self.citizen("12345-R-1"))
            #expect(citizen["type"] as? String == "ticket.merged")
            try await Self.closeSatisfied(flow, ticketNo)
            try await flow.events.waitFor("3 points.awarded") { _ in Self.awarded(flow, ticketNo).count == 3 }

            // Redemption: taken off the balance; the same (by, external_id) once; never below zero.
            let redeemed = try await Self.redeem(
                flow, as: "dept-QS-JDB", Self.redemption("QS-JF-1", "GW-QS-01", -4, reason: "兑换洗衣液，领取人电话13912345678"))
            let reason = try #require(redeemed.data["reason"] as? String)
            #expect(reason.hasPrefix("兑换洗衣液") && !reason.contains("13912345678"), "a phone in the reason is masked: \(reason)")
            #expect(redeemed["type"] as? String == "points.redeemed")
            #expect(
                redeemed.data["balance"] as? Int == 6 && redeemed.data["points"] as? Int == -4 && redeemed.data["by"] as? String == "QS-JDB"
            )
            #expect(redeemed["ticket_no"] is NSNull)
            let repeated = try await Self.redeem(flow, as: "dept-QS-JDB", Self.redemption("QS-JF-1", "GW-QS-01", -4))
            #expect(repeated["type"] as? String == "points.rejected")
            #expect(Self.codes(repeated) == ["external_id invalid_value"])
            let tooMuch = try await Self.redeem(flow, as: "dept-QS-JDB", Self.redemption("QS-JF-2", "GW-QS-01", -7))
            #expect(tooMuch["type"] as? String == "points.rejected" && Self.codes(tooMuch) == ["points out_of_range"])
            let stranger = try await Self.redeem(flow, as: "dept-QS-JDB", Self.redemption("QS-JF-3", "GW-NOBODY", -1))
            #expect(Self.codes(stranger) == ["points out_of_range"], "no account: nothing to redeem")
            let otherStreet = try await Self.redeem(flow, as: "dept-FL-JDB", Self.redemption("QS-JF-4", "GW-QS-01", -1))
            #expect(Self.codes(otherStreet) == ["nil not_allowed"])
            let invalid = try await Self.redeem(flow, as: "dept-QS-JDB", ["external_id": "QS-JF-5", "by": "QS-JDB", "points": 5])
            #expect(Set(Self.codes(invalid)) == ["reporter_ref required", "points out_of_range", "reason required"])
            #expect(try await Self.balances(flow) == ["GW-QS-01": 6, "GW-QS-02": 2, Self.citizenRef: 2])
            let redemptions = try await flow.sandbox.count("SELECT count(*)::int FROM points_entries WHERE kind = 'redemption'")
            #expect(redemptions == 1)

            // Reads: the reporter's street office and its command centers; anyone else 404, as for no one.
            let base = "http://127.0.0.1:\(flow.port("evaluator"))/v1/points"
            for reader in ["QS-JDB", "QS-ZHZX", "XS-ZHZX", "YC-ZHZX"] {
                let (status, data) = try await HTTP.get("\(base)/GW-QS-01", token: TestTokens.issue(reader))
                #expect(status == 200, "\(reader)")
                let body = Self.json(data)
                #expect(body["reporter_ref"] as? String == "GW-QS-01" && body["year"] as? Int == 2026 && body["total"] as? Int == 6)
                let entries = body["entries"] as? [[String: Any]] ?? []
                #expect(entries.map { "\($0["kind"] ?? "") \($0["points"] ?? "")" } == ["award 10", "redemption -4"])
                #expect(entries.first?["ticket_no"] as? String == ticketNo && entries.first?["street"] as? String == "S-QS")
            }
            for outsider in ["FL-JDB", "FL-ZHZX", "XS-CGJ", "XS-XFJ"] {
                let (status, _) = try await HTTP.get("\(base)/GW-QS-01", token: TestTokens.issue(outsider))
                #expect(status == 404, "\(outsider) may not see the reporter")
            }
            #expect(try await HTTP.get("\(base)/GW-UNKNOWN", token: TestTokens.issue("QS-JDB")).0 == 404)
            #expect(try await HTTP.get("\(base)/GW-QS-01", token: nil).0 == 401)
            #expect(try await HTTP.get("\(base)/GW-QS-01?year=20x6", token: TestTokens.issue("QS-JDB")).0 == 400)
            let (citizenStatus, citizenData) = try await HTTP.get("\(base)/\(Self.citizenRef)", token: TestTokens.issue("QS-JDB"))
            #expect(citizenStatus == 200 && Self.json(citizenData)["total"] as? Int == 2)
            #expect(!String(decoding: citizenData, as: UTF8.self).contains("13912345678"), "no phone number is ever shown")

            let (rankStatus, rankData) = try await HTTP.get("\(base)?street=S-QS", token: TestTokens.issue("QS-JDB"))
            #expect(rankStatus == 200)
            let ranking = (Self.json(rankData)["workers"] as? [[String: Any]] ?? []).map {
                "\($0["rank"] ?? "") \($0["reporter_ref"] ?? "") \($0["points"] ?? "") \($0["total"] ?? "")"
            }
            #expect(ranking == ["1 GW-QS-01 10 6", "2 GW-QS-02 2 2"], "grid workers only, ranked by the year's points")
            #expect(try await HTTP.get("\(base)?street=S-QS", token: TestTokens.issue("XS-ZHZX")).0 == 200)
            #expect(try await HTTP.get("\(base)?street=S-QS", token: TestTokens.issue("FL-JDB")).0 == 404)
            #expect(try await HTTP.get("\(base)?street=S-QS", token: nil).0 == 401)
            #expect(try await HTTP.get(base, token: TestTokens.issue("QS-JDB")).0 == 400)
        }
    }
}
