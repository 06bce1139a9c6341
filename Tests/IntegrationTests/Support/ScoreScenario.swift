import Foundation
import Testing
import WhistleMessages

/// The tickets of the scripted KPI scenario (EvaluatorScoresTests) and what the test did to them.
struct ScoreScenario {
    /// What happens to a ticket.
    enum Plan: String, CaseIterable {
        /// All acknowledge and complete in time; satisfied.
        case prompt
        /// The lead acknowledges late (after the acknowledge clock escalated); basically satisfied.
        case lateAck
        /// The lead returns it; the command center routes it to another lead, who does it; satisfied.
        case returned
        /// Done in time, unsatisfied: reopened to the lead, done again; satisfied.
        case reopened
        /// The lead completes after the resolve deadline; satisfied.
        case lateCompletion
        /// Nobody answers: both clocks run out.
        case silent
        /// A grid worker's whistle: the street leads, the named departments are co; the street
        /// evaluates them.
        case whistle
    }

    struct Assignment {
        var id: String
        var department: String
        var role: String
        var ackDue: Date
        var resolveDue: Date
        var acknowledged = false
        var completed = false
        var returned = false
    }

    struct Ticket {
        var number: String
        var plan: Plan
        var index: Int
        var assignments: [Assignment] = []
        var lead: String { assignments.last { $0.role == "lead" && !$0.returned }?.department ?? "" }
        /// Departments whose work is completed: the ones a feedback judges.
        var judged: Set<String> { Set(assignments.filter(\.completed).map(\.department)) }
        var grid: String?
    }

    static let coCategories = ["SZSS-DLPS", "SZSS-JGPS", "SZSS-XSDDS", "STHJ-ZSRM", "ZFWY-FWAQ"]
    static let soloCategories = ["SRHJ-ZDJY", "SZSS-LDGZ", "ZFWY-WYFW"]
    static let counts: [(Plan, Int)] = [
        (.prompt, 60), (.lateAck, 30), (.returned, 25), (.reopened, 25), (.lateCompletion, 20), (.silent, 20), (.whistle, 20),
    ]
    static let grids = [
        "G-QS-SQ-01", "G-QS-SQ-04", "G-QS-SQ-07", "G-QS-LX-03", "G-QS-LX-06", "G-QS-SY-02", "G-QS-SY-05", "G-FL-FW-01", "G-FL-FW-04",
        "G-FL-HF-01", "G-FL-HF-04", "G-FL-HF-07", "G-FL-DP-03", "G-FL-DP-06", "G-GL-LW-02", "G-GL-LW-05", "G-GL-WJ-02", "G-GL-WJ-05",
        "G-GL-WJ-08", "G-GL-YG-03",
    ]
    static let whistled = [["XS-CGJ", "XS-SWJ"], ["XS-GA", "XS-ZJJ"], ["XS-SCJG", "XS-CGJ"], ["XS-ZJJ"]]

    /// The whistling street office of a sample grid.
    static func street(of grid: String) -> String {
        ["QS": "QS-JDB", "FL": "FL-JDB", "GL": "GL-JDB"][String(grid.dropFirst(2).prefix(2))] ?? ""
    }

    /// The 200 demands: (routing key, body, message id, plan, index).
    static func demands(submittedAt: String) -> [(routingKey: String, body: [UInt8], messageId: String, plan: Plan, index: Int)] {
        var out: [(String, [UInt8], String, Plan, Int)] = []
        var number = 0
        for (plan, count) in counts {
            for index in 0..<count {
                number += 1
                var body: [String: Any] = [
                    "external_id": "KPI-\(plan.rawValue)-\(index)", "submitted_at": submittedAt,
                    "content": "考核场景第\(number)件（\(plan.rawValue)）：请相关部门尽快处理，编号\(UUID().uuidString.prefix(8))",
                    "reporter": ["name": "测试市民", "phone": "139\(String(format: "%08d", number))"],
                ]
                var key = "demand.12345"
                if plan == .whistle {
                    key = "demand.grid"
                    body["location"] = ["grid": grids[index], "address": "网格巡查点\(index)"]
                    body["reporter"] = ["id": "GW-KPI-\(index)"]
                    body["whistle"] = ["departments": whistled[index % whistled.count], "reason": "多部门联合处置"]
                    body["category"] = coCategories[index % coCategories.count]
                } else {
                    let list = plan == .returned ? soloCategories : (index % 3 == 0 ? soloCategories : coCategories)
                    body["category"] = list[index % list.count]
                }
                out.append((key, Fixtures.json(body), "kpi-\(plan.rawValue)-\(index)", plan, index))
            }
        }
        return out
    }

    /// The assignments a `ticket.dispatched` event lists.
    static func assignments(_ event: [String: Any]) -> [Assignment] {
        ((event.data["assignments"] as? [[String: Any]]) ?? []).compactMap { item in
            guard let id = item["assignment_id"] as? String, let department = item["department"] as? String,
                let role = item["role"] as? String, let ack = (item["ack_due"] as? String).flatMap(FlowRoutingTests.instant),
                let resolve = (item["resolve_due"] as? String).flatMap(FlowRoutingTests.instant)
            else { return nil }
            return Assignment(id: id, department: department, role: role, ackDue: ack, resolveDue: resolve)
        }
    }
}
