import Foundation
import Testing
import WhistleMessages

/// CONTRACT §8 end to end: the sample district with five kinds of ticket (ordinary, merged,
/// whistle, request petition, complaint petition), read by every kind of principal over the real
/// read API; each cell of the matrix is the status and the fields §8 promises, written out here
/// by hand (not computed by the code under test).
@Suite(.serialized) struct AccessMatrixTests {
    static let start = "2026-11-21T10:00:00+08:00"
    static let phone = "13812345678"
    static let idNumber = "53010219800101123X"

    /// What one principal must get for one ticket.
    enum Expect: Equatable {
        /// 404, as for a ticket that does not exist.
        case hidden
        /// 200 with free text and reporters as given.
        case clear
        /// 200 with phone and ID numbers in free text masked and reporters masked.
        case masked
        /// 200 with the number, category, status and own assignments only (a confidential ticket).
        case frame
        /// 200 with everything, petitioners in clear (a petition bureau reading a petition).
        case petitionWhole
    }

    enum Kind: String, CaseIterable {
        case ordinary, merged, whistle, request, complaint
    }

    /// Every principal kind of the issue, with what it must read of each kind of ticket. Routing
    /// of the sample seed: the manhole (ordinary) goes to XS-CGJ with XS-SWJ and GL-WJ-JWH; the
    /// square dance (merged, classified by its words) to XS-STHJ with XS-CGJ; the whistle of 枫林 makes FL-JDB
    /// the lead of XS-GA, XS-XFDD, XS-ZJJ; the resettlement petition goes to XS-ZJJ with XS-ZRZY
    /// and XS-XFJ; the complaint against XS-CGJ to its supervisor YC-CGJ.
    static let matrix: [(principal: String, token: String?, expect: [Kind: Expect])] = [
        (
            "bureau XS-ZJJ", TestTokens.issue("XS-ZJJ"),
            [.ordinary: .hidden, .merged: .hidden, .whistle: .masked, .request: .frame, .complaint: .hidden]
        ),
        (
            "street office FL-JDB", TestTokens.issue("FL-JDB"),
            [.ordinary: .hidden, .merged: .hidden, .whistle: .clear, .request: .hidden, .complaint: .hidden]
        ),
        (
            "community committee GL-WJ-JWH", TestTokens.issue("GL-WJ-JWH"),
            [.ordinary: .masked, .merged: .hidden, .whistle: .hidden, .request: .hidden, .complaint: .hidden]
        ),
        (
            "district command center XS-ZHZX", TestTokens.issue("XS-ZHZX"),
            [.ordinary: .masked, .merged: .masked, .whistle: .masked, .request: .frame, .complaint: .hidden]
        ),
        (
            "street command center FL-ZHZX", TestTokens.issue("FL-ZHZX"),
            [.ordinary: .hidden, .merged: .masked, .whistle: .masked, .request: .frame, .complaint: .hidden]
        ),
        (
            "petition bureau XS-XFJ", TestTokens.issue("XS-XFJ"),
            [.ordinary: .hidden, .merged: .hidden, .whistle: .hidden, .request: .petitionWhole, .complaint: .petitionWhole]
        ),
        (
            "complaint subject XS-CGJ", TestTokens.issue("XS-CGJ"),
            [.ordinary: .clear, .merged: .masked, .whistle: .hidden, .request: .hidden, .complaint: .hidden]
        ),
        (
            "its supervisor YC-CGJ", TestTokens.issue("YC-CGJ"),
            [.ordinary: .hidden, .merged: .hidden, .whistle: .hidden, .request: .hidden, .complaint: .frame]
        ),
        (
            "auditor", TestTokens.issue(nil, role: "auditor", extra: ["sub": "audit-7"]),
            Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0, .hidden) })
        ),
    ]

    /// Tokens that must be refused with 401 everywhere.
    static let refused: [(String, String?)] = [
        ("no token", nil),
        ("expired token", TestTokens.issue("XS-ZHZX", ttl: -60)),
        ("token signed with another key", TestTokens.issue("XS-ZHZX", secret: "another-secret-of-sufficient-length-000000")),
        ("token for an unknown department", TestTokens.issue("XS-NOWHERE")),
        ("token with alg none", TestTokens.unsigned(["department": "XS-ZHZX", "exp": Int(Date().timeIntervalSince1970) + 600])),
        ("token with an unknown role", TestTokens.issue("XS-ZHZX", role: "root")),
    ]

    @Test func everyPrincipalReadsWhatSection8Promises() async throws {
        try await FlowHarness.run("access", start: Self.start) { flow in
            let tickets = try await Self.openFiveKinds(flow)
            let base = "http://127.0.0.1:\(flow.port("evaluator"))"
            let missing = try await HTTP.response(base + "/v1/tickets/W20261121-999999", token: TestTokens.issue("XS-ZHZX"))
            var cells = 0
            for (principal, token, expect) in Self.matrix {
                let (_, listData) = try await HTTP.get(base + "/v1/tickets?limit=200", token: token)
                let listed = Set(
                    ((try JSONSerialization.jsonObject(with: listData) as? [String: Any])?["tickets"] as? [[String: Any]] ?? [])
                        .compactMap { $0["ticket_no"] as? String })
                for kind in Kind.allCases {
                    let ticketNo = try #require(tickets[kind])
                    let (status, headers, data) = try await HTTP.response(base + "/v1/tickets/\(ticketNo)", token: token)
                    let cell = "\(principal) × \(kind.rawValue) \(ticketNo)"
                    try Self.check(
                        expect[kind]!, status: status, data: data, kind: kind, principal: principal, cell: cell, missing: missing)
                    #expect(headers["cache-control"] == "no-store", "\(cell)")
                    #expect(listed.contains(ticketNo) == (expect[kind] != .hidden), "\(cell): GET /v1/tickets lists it iff it may be read")
                    cells += 1
                }
            }
            for (name, token) in Self.refused {
                for path in [
                    "/v1/tickets/\(tickets[.ordinary]!)", "/v1/tickets", "/v1/scores", "/v1/hotspots", "/v1/scores.csv", "/v1/access-log",
                ] {
                    let (status, headers, data) = try await HTTP.response(base + path, token: token)
                    #expect(status == 401, "\(name) on \(path): \(status)")
                    #expect(Self.errorCode(data) == "unauthorized", "\(name) on \(path)")
                    #expect(headers["www-authenticate"]?.hasPrefix("Bearer") == true)
                    cells += 1
                }
            }
            #expect(cells == Self.matrix.count * Kind.allCases.count + Self.refused.count * 6)
            try await Self.checkSharedRoutes(base)
            try await Self.checkAccessLog(base, tickets: tickets)
            try await Self.checkDashboards(flow, base: base, tickets: tickets)
        }
    }

    /// The same scope through the dashboard as a browser shows it (headless Chromium, logged in
    /// through the login URL): two days later every assignment is overdue; the district command
    /// center's cards and lists cover its area but not the complaint, the community committee's
    /// only the ticket it works on; neither page carries a phone or ID number.
    static func checkDashboards(_ flow: FlowHarness, base: String, tickets: [Kind: String]) async throws {
        try flow.setClock("2026-11-23T10:00:00+08:00")
        try await Task.sleep(for: .seconds(2))
        // Open tickets, and those in the overdue list (a petition has 15 days to be acknowledged).
        let pages = [
            ("XS-ZHZX", [Kind.ordinary, .merged, .whistle, .request], [Kind.ordinary, .merged, .whistle]),
            ("GL-WJ-JWH", [.ordinary], [.ordinary]),
        ]
        for (department, visible, overdue) in pages {
            let token = TestTokens.issue(department)
            let dom = try await Chromium.dom("\(base)/login?token=\(token)&next=%2F")
            #expect(EvaluatorDashboardCheck.text(after: "id=\"open-count\"", in: dom) == "\(visible.count)", "\(department): open tickets")
            #expect(dom.contains("id=\"viewer\""), "\(department): who is signed in")
            for kind in Kind.allCases {
                #expect(dom.contains(tickets[kind]!) == overdue.contains(kind), "\(department) × \(kind.rawValue) on the dashboard")
            }
            #expect(try PersonalDataScan.firstNumber(in: dom) == nil, "\(department): no phone or ID number on the page")
        }
        let (status, _, page) = try await HTTP.response(base + "/", token: TestTokens.issue("XS-NOWHERE"), headers: ["Accept": "text/html"])
        #expect(status == 401 && !String(decoding: page, as: UTF8.self).contains("W2026"), "no dashboard for an unknown department")
    }

    /// Opens one ticket of each kind and waits for its dispatch.
    static func openFiveKinds(_ flow: FlowHarness) async throws -> [Kind: String] {
        var tickets: [Kind: String] = [:]
        let words = "电话\(phone)，身份证\(idNumber)"
        var manhole = try Sample.demand("12345-manhole-cover")
        manhole["content"] = (manhole["content"] as? String ?? "") + "联系人" + words
        manhole["reporter"] = ["name": "周桂兰", "phone": phone]
        tickets[.ordinary] = try #require(try await flow.publish(.twelve345, manhole)["ticket_no"] as? String)
        var dance = try Sample.demand("12345-square-dance-noise")
        dance["content"] = (dance["content"] as? String ?? "") + words
        tickets[.merged] = try #require(try await flow.publish(.twelve345, dance)["ticket_no"] as? String)
        dance["external_id"] = "12345-20261120-0418"
        dance["reporter"] = ["name": "李桂芳", "phone": "13987654321"]
        let merged = try await flow.publish(.twelve345, dance)
        #expect(merged["type"] as? String == "ticket.merged" && merged["ticket_no"] as? String == tickets[.merged])
        var whistle = try Sample.demand("grid-whistle-rental-housing")
        whistle["content"] = (whistle["content"] as? String ?? "") + words
        tickets[.whistle] = try #require(try await flow.publish(.grid, whistle)["ticket_no"] as? String)
        var request = try Sample.demand("petition-online-resettlement")
        request["content"] = (request["content"] as? String ?? "") + words
        tickets[.request] = try #require(try await flow.publish(.petition, request)["ticket_no"] as? String)
        tickets[.complaint] = try #require(
            try await flow.publish(.petition, try Sample.demand("petition-letter-complaint-enforcement"))["ticket_no"] as? String)
        for kind in Kind.allCases { try await flow.event(.ticketDispatched, ticket: tickets[kind]!) }
        return tickets
    }

    static func check(
        _ expect: Expect, status: Int, data: Data, kind: Kind, principal: String, cell: String, missing: (Int, [String: String], Data)
    ) throws {
        let text = String(decoding: data, as: UTF8.self)
        guard expect != .hidden else {
            #expect(status == 404 && Self.errorCode(data) == "not_found", "\(cell): \(status) \(text.prefix(200))")
            #expect(status == missing.0, "\(cell): the same status as a ticket that does not exist")
            return
        }
        try #require(status == 200, "\(cell): \(status) \(text.prefix(300))")
        let ticket = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let reporter = ((ticket["demands"] as? [[String: Any]])?.first?["reporter"] as? [String: Any]) ?? [:]
        let code = principal.split(separator: " ").last.map(String.init) ?? ""
        switch expect {
        case .clear, .petitionWhole:
            #expect(text.contains(Self.idNumber) || kind == .complaint, "\(cell): free text in clear")
            #expect((reporter["phone"] as? String)?.contains("*") == false, "\(cell): the reporter in clear: \(reporter)")
        case .masked:
            #expect(!text.contains(Self.phone) && !text.contains(Self.idNumber), "\(cell): \(text.prefix(400))")
            #expect(text.contains("138****5678"), "\(cell): the phone masked as §3 masks it")
            #expect((reporter["phone"] as? String)?.contains("****") == true, "\(cell): the reporter masked: \(reporter)")
            #expect(!text.contains("\"ticket.linked\""), "\(cell): no link to a petition")
        case .frame:
            #expect(ticket["content"] == nil && ticket["title"] == nil && ticket["location"] == nil, "\(cell): \(text.prefix(300))")
            #expect((ticket["demands"] as? [Any])?.isEmpty == true && (ticket["timeline"] as? [Any])?.isEmpty == true, "\(cell)")
            let departments = (ticket["assignments"] as? [[String: Any]] ?? []).compactMap { $0["department"] as? String }
            #expect(departments.allSatisfy { $0 == code }, "\(cell): only its own assignments: \(departments)")
            #expect(!departments.isEmpty || principal.contains("command center"), "\(cell): its own assignment is shown")
            #expect(ticket["status"] != nil && ticket["category"] != nil)
        case .hidden:
            break
        }
    }

    /// Scores and hotspots for every authenticated principal; the reference data for anyone.
    static func checkSharedRoutes(_ base: String) async throws {
        for token in [TestTokens.issue("GL-WJ-JWH"), TestTokens.issue(nil, role: "auditor")] {
            #expect(try await HTTP.get(base + "/v1/scores", token: token).0 == 200)
            #expect(try await HTTP.get(base + "/v1/hotspots", token: token).0 == 200)
        }
        for path in ["/v1/categories", "/v1/departments", "/v1/areas", "/healthz"] {
            let (status, headers, _) = try await HTTP.response(base + path, token: nil)
            #expect(status == 200 && headers["cache-control"] == "no-store" && headers["x-content-type-options"] == "nosniff", "\(path)")
        }
        let (status, headers, _) = try await HTTP.response(base + "/", token: TestTokens.issue("XS-ZHZX"))
        #expect(status == 200)
        let policy = headers["content-security-policy"] ?? ""
        #expect(policy.contains("frame-ancestors 'none'") && !policy.contains("script-src") && policy.contains("default-src 'none'"))
        let (browser, _, page) = try await HTTP.response(base + "/", token: nil, headers: ["Accept": "text/html"])
        #expect(browser == 401 && String(decoding: page, as: UTF8.self).contains("action=\"/login\""))
    }

    /// The reads above were recorded; auditors read them all, petition bureaus their subtree's,
    /// anyone else gets 404.
    static func checkAccessLog(_ base: String, tickets: [Kind: String]) async throws {
        let (status, data) = try await HTTP.get(base + "/v1/access-log?limit=1000", token: TestTokens.issue(nil, role: "auditor"))
        try #require(status == 200, "\(String(decoding: data, as: UTF8.self).prefix(300))")
        let entries = ((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["entries"] as? [[String: Any]]) ?? []
        func read(_ subject: String, _ kind: Kind) -> [[String: Any]] {
            entries.filter {
                $0["principal"] as? String == subject && $0["ticket_no"] as? String == tickets[kind]
                    && $0["route"] as? String == "GET /v1/tickets/\(tickets[kind]!)"
            }
        }
        #expect(read("XS-XFJ", .complaint).first?["confidential"] as? Bool == true, "a petition bureau's read of a complaint is recorded")
        #expect(read("XS-XFJ", .complaint).first?["address"] as? String == "127.0.0.1")
        #expect(read("XS-CGJ", .ordinary).first?["reporter_in_clear"] as? Bool == true, "the lead saw its reporter in clear")
        #expect(read("XS-ZJJ", .request).count == 1, "a frame of a confidential ticket is a read of it too")
        #expect(read("GL-WJ-JWH", .ordinary).isEmpty, "a masked read of an ordinary ticket is not recorded")
        let (bureauStatus, bureauData) = try await HTTP.get(base + "/v1/access-log?limit=1000", token: TestTokens.issue("XS-XFJ"))
        #expect(bureauStatus == 200)
        let bureauEntries = ((try JSONSerialization.jsonObject(with: bureauData) as? [String: Any])?["entries"] as? [[String: Any]]) ?? []
        #expect(
            bureauEntries.contains { $0["principal"] as? String == "XS-ZJJ" && $0["ticket_no"] as? String == tickets[.request] },
            "the district's petition bureau sees who read its petition")
        #expect(bureauEntries.count <= entries.count)
        for department in ["XS-ZHZX", "XS-CGJ", "GL-WJ-JWH"] {
            #expect(try await HTTP.get(base + "/v1/access-log", token: TestTokens.issue(department)).0 == 404, "\(department)")
        }
    }

    static func errorCode(_ data: Data) -> String? {
        ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]).flatMap { ($0["error"] as? [String: Any])?["code"] as? String }
    }
}

/// The sample demands of deploy/samples, as bodies to publish.
enum Sample {
    static func demand(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: FlowHarness.seedFolder).deletingLastPathComponent().appendingPathComponent(
            "samples/demands/\(name).json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }
}
