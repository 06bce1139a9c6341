import Foundation
import Testing
import WhistleMessages

/// The demands behind the Open311 read tests, and what GeoReport must and must not show of them.
/// `Open311ReadTests.publishDemands` is the one place they come from: a test that submits them
/// another way (over HTTP: POST requests.json, POST /v1/demands) swaps this function only.
struct PublishedDemands {
    /// One public ticket: its number, the demand's content and location as sent, the lead
    /// department and its resolve deadline, whether it is closed.
    struct Ticket {
        var number: String
        var content: String
        var category: String
        var lead: String
        var resolveDue: Date?
        var location: [String: Any] = [:]
        var closed = false
    }

    /// 12345 (with an address and coordinates), hotline (phone numbers in its content), a grid
    /// report, and a 12345 call closed after the department's result and the citizen's answer.
    var call: Ticket
    var hotline: Ticket
    var grid: Ticket
    var closed: Ticket
    /// A 12345 call opened 109 days before the others: outside the default 90 days.
    var old: Ticket
    /// Never served: a petition (confidential) and a whistle (internal).
    var petition: String
    var whistle: String
    /// Strings no GeoReport response may carry: reporters' names and phones, the numbers typed
    /// into free text, the petition's words and number.
    var forbidden: [String]

    /// The public tickets opened within the last 90 days, newest first.
    var recent: [Ticket] { [closed, grid, hotline, call] }
    var all: [Ticket] { recent + [old] }
}

extension Open311ReadTests {
    /// The clock when the old call comes in, and when the rest do (the services' "now").
    static let oldStart = "2026-08-01T10:00:00+08:00"
    static let now = "2026-11-18T10:00:00+08:00"

    static func body(_ external: String, _ content: String, _ extra: [String: Any], reporter: [String: Any]) -> [String: Any] {
        var body: [String: Any] = ["external_id": external, "submitted_at": now, "content": content, "reporter": reporter]
        for (key, value) in extra { body[key] = value }
        return body
    }

    /// Publishes every demand over AMQP as channel adapters do, lets the flow dispatch them, and
    /// closes one ticket (result, then the citizen's feedback). The services' clock starts at
    /// `oldStart` and ends at `now`.
    static func publishDemands(_ flow: FlowHarness) async throws -> PublishedDemands {
        func opened(_ channel: Channel, _ body: [String: Any]) async throws -> String {
            let outcome = try await flow.publish(channel, body)
            #expect(outcome["type"] as? String == "ticket.accepted", "\(body["external_id"] ?? ""): \(outcome)")
            return try #require(outcome["ticket_no"] as? String)
        }
        func dispatched(
            _ number: String, _ content: String, _ category: String, _ location: [String: Any] = [:]
        ) async throws
            -> PublishedDemands.Ticket
        {
            let round = try await flow.event(.ticketDispatched, ticket: number)
            let lead = try #require(FlowRepliesTests.assignments(round).first { $0["role"] as? String == "lead" })
            return PublishedDemands.Ticket(
                number: number, content: content, category: category, lead: lead["department"] as? String ?? "",
                resolveDue: FlowRoutingTests.instant(lead["resolve_due"] as? String ?? ""), location: location)
        }
        let people = [
            ("赵小兰", "13912345678"), ("钱多多", "13600002222"), ("孙信访", "13500003333"), ("李社保", "13388884444"), ("周老伯", "13277775555"),
        ]
        let oldContent = "小区广场舞音响声音太大，晚上十点还不停，噪音扰民"
        let oldNo = try await opened(
            .twelve345,
            body("O311-OLD-1", oldContent, ["category": "STHJ-ZSRM"], reporter: ["name": people[4].0, "phone": people[4].1])
                .merging(["submitted_at": oldStart]) { $1 })
        let old = try await dispatched(oldNo, oldContent, "STHJ-ZSRM")
        try flow.setClock(now)
        try await Task.sleep(for: .milliseconds(300))

        let callContent = "望江大道井盖松动，车辆经过哐哐响，夜里很危险"
        let callPlace: [String: Any] = ["grid": "G-GL-WJ-02", "address": "望江大道88号", "lat": 24.991, "lon": 102.702]
        let callNo = try await opened(
            .twelve345,
            body(
                "O311-CALL-1", callContent, ["category": "SZSS-JGPS", "location": callPlace],
                reporter: ["name": people[0].0, "phone": people[0].1]))
        let hotlineContent = "红枫路12号门口路灯不亮已经一周，联系电话13700001111，白天可打0871-65432100"
        let hotlineNo = try await opened(
            .hotline,
            body(
                "O311-HL-1", hotlineContent, ["line": "12319", "category": "SZSS-LDGZ", "location": ["grid": "G-FL-HF-01"]],
                reporter: ["name": people[1].0, "phone": people[1].1]))
        let gridContent = "青石路与书院街交叉口路面塌陷出现大坑，车辆经过危险"
        let gridNo = try await opened(
            .grid,
            body(
                "O311-GRID-1", gridContent, ["category": "SZSS-DLPS", "location": ["grid": "G-QS-SQ-02"]], reporter: ["id": "GW-QS-SQ-02"]))
        let petitionContent = "六户村民反映低保资格被无故取消，要求重新审核"
        let petition = try await opened(
            .petition,
            body(
                "O311-XF-1", petitionContent, ["form": "visit", "kind": "request", "petitioners": 6, "category": "XFZX-SHJZ"],
                reporter: ["name": people[2].0, "phone": people[2].1]))
        let whistle = try await opened(
            .whistle,
            WhistleFlowTests.whistle("O311-W-1", by: "QS-JDB", area: "G-QS-SQ-01", departments: ["XS-CGJ"], content: "石桥社区背街小巷违规广告集中整治"))

        // Closed: the lead's result (a phone number in it), then the citizen's answer.
        let closedContent = "社保缴费记录有一个月缺失，请核实"
        let closedNo = try await opened(
            .twelve345,
            body("O311-SB-1", closedContent, ["category": "LDSB-SBJN"], reporter: ["name": people[3].0, "phone": people[3].1]))
        var closed = try await dispatched(closedNo, closedContent, "LDSB-SBJN")
        let round = try await flow.event(.ticketDispatched, ticket: closedNo)
        let assignment = try FlowRepliesTests.id(round, closed.lead)
        try await flow.desk.reply(closed.lead, assignment, "acknowledge")
        try await flow.event(.assignmentAcknowledged, ticket: closedNo)
        try await flow.desk.reply(closed.lead, assignment, "complete", ["result": Self.closingResult])
        try await flow.event(.ticketResolved, ticket: closedNo)
        let feedback: [String: Any] = ["ticket_no": closedNo, "satisfaction": "satisfied", "resolved": true]
        try await flow.adapter.publish([(IntakeRoutingKey.feedback, Fixtures.json(feedback), UUID().uuidString)])
        try await flow.event(.ticketClosed, ticket: closedNo)
        closed.closed = true

        return PublishedDemands(
            call: try await dispatched(callNo, callContent, "SZSS-JGPS", callPlace),
            hotline: try await dispatched(hotlineNo, hotlineContent, "SZSS-LDGZ"),
            grid: try await dispatched(gridNo, gridContent, "SZSS-DLPS"), closed: closed, old: old, petition: petition,
            whistle: whistle,
            forbidden: people.flatMap { [$0.0, $0.1] } + [
                "13700001111", "65432100", "13811112222", "GW-QS-SQ-02", petitionContent, "六户村民", petition, "O311-XF-1",
            ])
    }

    /// The lead's result on the closed ticket: GeoReport shows it masked as `status_notes`.
    static let closingResult = "已补录缴费记录，如有疑问请致电13811112222"
}
