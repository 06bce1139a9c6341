import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// Intake as a process, driven through the broker the way a channel adapter drives it.
@Suite("Intake end to end", .serialized)
struct IntakeTests {
    @Test("a demand on each channel is stored once and answered with ticket.accepted")
    func eachChannel() async throws {
        try await withIntake("intake-channels") { sandbox, intake, events, adapter in
            var ids: [Channel: String] = [:]
            for channel in Channel.demandChannels {
                let id = "m-\(channel.rawValue)-\(UUID().uuidString)"
                ids[channel] = id
                try await adapter.publish(channel, Fixtures.demand(channel, externalId: "E-\(channel.rawValue)"), messageId: id)
            }
            let all = try await events.waitFor("four ticket.accepted") {
                $0.filter { $0["type"] as? String == "ticket.accepted" }.count >= 4
            }
            let accepted = all.filter { $0["type"] as? String == "ticket.accepted" }
            #expect(accepted.count == 4)
            for channel in Channel.demandChannels {
                let event = try #require(accepted.first { $0.sourceMessageId == ids[channel] })
                let source = try #require(event.data["source"] as? [String: Any])
                #expect(source["channel"] as? String == channel.rawValue)
                #expect(source["external_id"] as? String == "E-\(channel.rawValue)")
                #expect(TicketNumber.isValid(event["ticket_no"] as? String ?? ""))
                #expect(event["event_id"] as? String != nil && event["occurred_at"] as? String != nil)
            }
            let grid = try #require(accepted.first { $0.sourceMessageId == ids[.grid] })
            #expect(grid.data["category"] as? String == "ENV-STALL")
            #expect(grid.data["area"] as? String == "G-T-1")
            #expect(try await sandbox.count("SELECT count(*) FROM tickets") == 4)
            #expect(try await sandbox.count("SELECT count(*) FROM demands WHERE outcome = 'accepted'") == 4)
            #expect(try await sandbox.count("SELECT count(*) FROM tickets WHERE confidential") == 1)
            #expect(try await sandbox.count("SELECT count(*) FROM timeline WHERE type = 'ticket.accepted'") == 4)
            // Personal data lives apart from the demand.
            #expect(try await sandbox.count("SELECT count(*) FROM demands WHERE normalized::text LIKE '%13812345678%'") == 0)
            #expect(try await sandbox.count("SELECT count(*) FROM demand_reporters WHERE phone = '13812345678'") == 3)
            #expect(!intake.log().contains("13812345678"))
        }
    }

    @Test("the same message_id, or the same (channel, external_id), opens no second ticket")
    func idempotent() async throws {
        try await withIntake("intake-idem") { sandbox, intake, events, adapter in
            let body = Fixtures.json(Fixtures.demand(.twelve345, externalId: "12345-0001"))
            try await adapter.publish([("demand.12345", body, "m-1"), ("demand.12345", body, "m-1")])
            try await adapter.publish([("demand.12345", body, "m-1")])
            try await adapter.publish([("demand.12345", body, "m-2")])
            try await adapter.publish(.hotline, Fixtures.demand(.hotline, externalId: "12345-0001"), messageId: "m-3")
            try await adapter.publish(.twelve345, Fixtures.demand(.twelve345, externalId: "sentinel"), messageId: "m-sentinel")
            let all = try await events.waitFor("the sentinel's outcome") { $0.contains { $0.sourceMessageId == "m-sentinel" } }
            try await events.drain(milliseconds: 500)
            let forFirst = events.all.filter { $0.sourceMessageId == "m-1" }
            #expect(forFirst.count == 1, "one outcome for m-1 however often it is delivered")
            #expect(forFirst.first?["type"] as? String == "ticket.accepted")
            let ticket = try #require(forFirst.first?["ticket_no"] as? String)
            let duplicate = try #require(all.first { $0.sourceMessageId == "m-2" })
            #expect(duplicate["type"] as? String == "demand.duplicate")
            #expect(duplicate["ticket_no"] as? String == ticket)
            let otherChannel = try #require(all.first { $0.sourceMessageId == "m-3" })
            #expect(otherChannel["type"] as? String == "ticket.accepted", "the same external id on another channel is another case")
            #expect(try await sandbox.count("SELECT count(*) FROM tickets") == 3)
            #expect(try await sandbox.count("SELECT count(*) FROM demands WHERE message_id = 'm-1'") == 1)
            #expect(try await sandbox.count("SELECT count(*) FROM demands WHERE outcome = 'duplicate' AND ticket_no = $1", [ticket]) == 1)
        }
    }

    @Test("an invalid demand yields demand.rejected with every error, and its raw body is kept byte for byte")
    func rejected() async throws {
        try await withIntake("intake-reject") { sandbox, intake, events, adapter in
            let bad: [String: Any] = [
                "submitted_at": "yesterday", "content": "   ", "urgency": "panic",
                "location": ["lat": 91, "lon": 10, "grid": "G-NOPE"], "category": "NOPE",
                "attachments": [["url": "ftp://files.example/x.jpg", "kind": "image"]],
            ]
            let notJSON: [UInt8] = [0xFF, 0xFE, 0x00, 0x41, 0x7B]
            try await adapter.publish([
                ("demand.hotline", Fixtures.json(bad), "m-bad"), ("demand.grid", notJSON, "m-binary"),
                ("demand.fax", Fixtures.json(["content": "x"]), "m-fax"),
            ])
            let all = try await events.waitFor("three rejections") { $0.filter { $0["type"] as? String == "demand.rejected" }.count >= 3 }
            let event = try #require(all.first { $0.sourceMessageId == "m-bad" })
            #expect(event["ticket_no"] is NSNull)
            let errors = try #require(event.data["errors"] as? [[String: Any]])
            let found = Set(errors.map { "\($0["field"] as? String ?? "null"):\($0["code"] as? String ?? "")" })
            let expected: Set<String> = [
                "external_id:required", "submitted_at:invalid_format", "content:required", "urgency:invalid_value",
                "location.lat:out_of_range", "location.grid:unknown_code", "category:unknown_code",
                "attachments[0].url:invalid_format", "line:required",
            ]
            #expect(found == expected)
            #expect(errors.allSatisfy { ($0["message"] as? String)?.isEmpty == false })
            let binary = try #require(all.first { $0.sourceMessageId == "m-binary" })
            let binaryErrors = try #require(binary.data["errors"] as? [[String: Any]])
            #expect(binaryErrors.count == 1 && binaryErrors[0]["code"] as? String == "invalid_json" && binaryErrors[0]["field"] is NSNull)
            #expect((binary.data["source"] as? [String: Any])?["external_id"] is NSNull)
            let fax = try #require(all.first { $0.sourceMessageId == "m-fax" })
            #expect(((fax.data["errors"] as? [[String: Any]])?.first?["code"] as? String) == "unknown_code")
            #expect(try await sandbox.count("SELECT count(*) FROM tickets") == 0)
            #expect(try await sandbox.count("SELECT count(*) FROM demands WHERE outcome = 'rejected'") == 3)
            let kept = try await sandbox.withDatabase { connection in
                try connection.query("SELECT encode(raw_body, 'hex') FROM demands WHERE message_id = 'm-binary'")[0].decode(
                    0, as: String.self)
            }
            #expect(kept == "fffe00417b")
            #expect(try await sandbox.count("SELECT jsonb_array_length(errors) FROM demands WHERE message_id = 'm-bad'") == expected.count)
        }
    }

    @Test("feedback and evaluations are checked against their ticket")
    func followUps() async throws {
        try await withIntake("intake-followup") { sandbox, intake, events, adapter in
            try await adapter.publish(.grid, Fixtures.demand(.grid, externalId: "G-1"), messageId: "m-grid")
            let opened = try await events.waitFor("the grid ticket") { $0.contains { $0.sourceMessageId == "m-grid" } }
            let ticket = try #require(opened.first { $0.sourceMessageId == "m-grid" }?["ticket_no"] as? String)
            // No dispatcher runs here: T-CGJ's work on the ticket is done, so that it may be evaluated.
            try await sandbox.completedAssignments(ticket, ["T-CGJ"])
            try await adapter.publish([
                ("feedback", Fixtures.json(["ticket_no": ticket, "satisfaction": "satisfied", "resolved": true]), "f-ok"),
                ("feedback", Fixtures.json(["ticket_no": "W20200101-000001", "satisfaction": "satisfied", "resolved": true]), "f-unknown"),
                ("feedback", Fixtures.json(["ticket_no": ticket, "satisfaction": "happy"]), "f-bad"),
                (
                    "evaluation", Fixtures.json(["ticket_no": ticket, "by": "S-T-JDB", "scores": [["department": "T-CGJ", "score": 92]]]),
                    "e-ok"
                ),
                (
                    "evaluation", Fixtures.json(["ticket_no": ticket, "by": "S-T-JDB", "scores": [["department": "T-CGJ", "score": 50]]]),
                    "e-again"
                ),
                (
                    "evaluation", Fixtures.json(["ticket_no": ticket, "by": "S-T-JDB", "scores": [["department": "T-XFJ", "score": 70]]]),
                    "e-stranger"
                ),
                (
                    "evaluation",
                    Fixtures.json(["ticket_no": ticket, "by": "S-T-JDB", "scores": [["department": "S-T-JDB", "score": 100]]]), "e-self"
                ),
            ])
            let all = try await events.waitFor("seven answers") { list in
                ["f-ok", "f-unknown", "f-bad", "e-ok", "e-again", "e-stranger", "e-self"].allSatisfy { id in
                    list.contains { $0.sourceMessageId == id }
                }
            }
            func type(_ id: String) -> String? { all.first { $0.sourceMessageId == id }?["type"] as? String }
            #expect(type("f-ok") == "feedback.received")
            #expect(type("f-unknown") == "feedback.rejected")
            #expect(type("f-bad") == "feedback.rejected")
            #expect(type("e-ok") == "evaluation.recorded")
            #expect(type("e-again") == "evaluation.rejected", "a department is scored once per ticket")
            for id in ["e-again", "e-stranger", "e-self"] {
                let errors = (all.first { $0.sourceMessageId == id }?.data["errors"] as? [[String: Any]]) ?? []
                #expect(errors.map { "\($0["field"] ?? ""):\($0["code"] ?? "")" } == ["scores[0].department:not_allowed"], "\(id)")
            }
            let bad = try #require(all.first { $0.sourceMessageId == "f-bad" })
            let fields = Set(((bad.data["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["satisfaction", "resolved"])
            #expect(try await sandbox.count("SELECT count(*) FROM feedback") == 1)
            #expect(try await sandbox.count("SELECT count(*) FROM evaluations") == 1)
        }
    }
}
