import Foundation
import WhistleDomain
import WhistleMessages
import WhistleReliability

/// One message to word and deliver; `suppressed` when it must not go out (and why).
struct PlannedNotification {
    var audience: WebhookNotification.Audience
    var recipient: String
    var template: String
    var values: [String: Any]
    var urgent: Bool
    var suppressed: String?
    /// Whether the text goes out as written; else its phone and ID numbers are masked
    /// (`TextDisclosure`: only the lead of an ordinary ticket and petition bureaus read them).
    var clearText = false
}

/// From an event to its audiences, recipients and templates (DESIGN "notifier"): citizens hear
/// the receipt, the merge, the result with a survey, the reopening and the closing; the grid
/// worker verifies a resolved grid ticket; departments hear new work, warnings and overdue
/// notices; supervisors hear 督办, escalations, triage and hotspots; the whistling street hears
/// each summoned department's acknowledgement and completion. Masking is decided here too:
/// departments see the reporter only as `ReporterView` allows, a petitioner's identity only the
/// petition bureau, phone and ID numbers in the text only those `TextDisclosure` allows, and
/// nothing of a complaint petition is addressed to its subject unit.
struct NotificationRules {
    let reference: ReferenceSnapshot
    let timeZone: TimeZone

    /// The messages `event` calls for; throws when its data is not what its type carries.
    func plan(_ event: ReceivedEvent, _ ticket: TicketContext) throws(JSONDecodeError) -> [PlannedNotification] {
        var base: [String: Any] = ["ticket_no": ticket.ticketNo, "title": ticket.subject]
        var planned: [PlannedNotification] = []
        let disclosure = TextDisclosure(leadDepartment: ticket.leadDepartment, confidential: ticket.confidential)
        func add(_ audience: WebhookNotification.Audience, _ recipient: String?, _ template: String, _ values: [String: Any] = [:]) {
            guard let recipient, recipient != ticket.complaintSubject else { return }
            planned.append(
                PlannedNotification(
                    audience: audience, recipient: recipient, template: template, values: base.merging(values) { $1 },
                    urgent: ticket.urgent, suppressed: nil, clearText: clearText(disclosure, audience, recipient)))
        }
        switch EventType(rawValue: event.type) {
        case .ticketAccepted?:
            let policy = reference.policies.policy(channel: ticket.channel, urgency: ticket.urgent ? .urgent : .normal)
            base["expected_date"] = Self.date(policy.resolveDue(from: ticket.openedAt, in: reference.calendar), timeZone)
            planned += citizens(ticket.opener.map { [$0] } ?? [], "citizen_receipt", base, ticket)
        case .ticketMerged?:
            let messageId = try event.payload(TicketMerged.self).source.messageId
            planned += citizens(
                ticket.contacts.filter { $0.messageId == messageId && $0.outcome == "merged" }, "citizen_merged", base, ticket)
        case .ticketDispatched?:
            for item in try event.payload(TicketDispatched.self).assignments {
                var values: [String: Any] = [
                    "role_name": item.role == "lead" ? "主办" : "协办",
                    "ack_due": Self.time(item.ackDue, timeZone), "resolve_due": Self.time(item.resolveDue, timeZone),
                ]
                if let contact = contact(for: item.department, role: item.role, ticket) { values["contact"] = contact }
                add(.department, item.department, "department_assignment", values)
            }
        case .assignmentDueSoon?, .assignmentOverdue?:
            let data = try event.payload(AssignmentEvent.self)
            let clock = DeadlineClock(rawValue: data.clock ?? "") ?? .resolve
            let values: [String: Any] = [
                "clock_name": clock == .acknowledge ? "签收" : "办结", "due_at": data.dueAt.map { Self.time($0, timeZone) } ?? "",
            ]
            let overdue = event.type == EventType.assignmentOverdue.rawValue
            add(.department, data.department, overdue ? "department_overdue" : "department_due_soon", values)
            if overdue {
                let supervisor =
                    EscalationTarget.department(for: clock.overdueEscalation.level, area: ticket.area, in: reference.data)
                    ?? reference.data.commandCenter(level: .district, for: ticket.area)
                add(.supervisor, supervisor?.code, "supervisor_overdue", values.merging(["department_name": name(data.department)]) { $1 })
            }
        case .assignmentAcknowledged?, .assignmentCompleted?:
            let department = try event.payload(AssignmentEvent.self).department
            guard ticket.hasWhistle, department != ticket.leadDepartment else { break }
            let action = event.type == EventType.assignmentAcknowledged.rawValue ? "签收报到" : "办结"
            add(.department, ticket.leadDepartment, "street_report", ["department_name": name(department), "action_name": action])
        case .ticketEscalated?:
            let data = try event.payload(TicketEscalated.self)
            let reasons = ["overdue": "超期未办", "repeated": "重复诉求", "group_petition": "集体信访", "returned": "多次退单"]
            let levels = ["street": "街道", "district": "区级", "city": "市级"]
            add(
                .supervisor, data.department, "supervisor_escalated",
                ["reason_name": reasons[data.reason] ?? "督办", "level_name": levels[data.level] ?? "上级"])
        case .ticketTriage?:
            let data = try event.payload(TicketTriaged.self)
            let reasons = ["no_rule": "无匹配的分拨规则", "no_department_left": "无可承办部门", "returned": "多次退单"]
            let center = data.commandCenter ?? reference.data.commandCenter(for: ticket.area)?.code
            add(.supervisor, center, "supervisor_triage", ["reason_name": reasons[data.reason] ?? "需人工分拨"])
        case .ticketResolved?:
            base["result"] = ticket.result ?? "已办理"
            planned += citizens(ticket.contacts, "citizen_result", base, ticket)
            for worker in Set(ticket.contacts.filter { $0.channel == Channel.grid.rawValue }.compactMap(\.reporterRef)).sorted() {
                add(.reporter, worker, "reporter_verify")
            }
        case .ticketReopened?:
            base["lead_name"] = name(try event.payload(TicketReopened.self).leadDepartment ?? ticket.leadDepartment)
            planned += citizens(ticket.contacts, "citizen_reopened", base, ticket)
        case .ticketClosed?:
            guard try event.payload(TicketClosed.self).outcome == "satisfied" else { break }
            planned += citizens(ticket.contacts, "citizen_closed", base, ticket)
        default:
            break
        }
        return planned
    }

    /// Citizen messages to these demands' reporters: one per distinct phone; anonymous reporters
    /// and demands without a phone get none, and the reason is recorded.
    private func citizens(
        _ contacts: [TicketContext.Contact], _ template: String, _ values: [String: Any], _ ticket: TicketContext
    ) -> [PlannedNotification] {
        var seen = Set<String>()
        return contacts.compactMap { contact in
            var planned = PlannedNotification(
                audience: .citizen, recipient: "", template: template, values: values, urgent: ticket.urgent, suppressed: nil)
            if contact.anonymous {
                planned.recipient = "demand:\(contact.demandId)"
                planned.suppressed = "anonymous reporter"
            } else if let phone = contact.phone, phone.contains(where: \.isNumber) {
                guard seen.insert(phone).inserted else { return nil }
                planned.recipient = phone
            } else {
                planned.recipient = "demand:\(contact.demandId)"
                planned.suppressed = "no phone number"
            }
            return planned
        }
    }

    /// Whether `recipient` of `audience` reads the text as written: departments and supervisors
    /// are departments (by code), citizens and grid workers are persons.
    func clearText(_ disclosure: TextDisclosure, _ audience: WebhookNotification.Audience, _ recipient: String) -> Bool {
        let department = audience == .department || audience == .supervisor ? recipient : nil
        return disclosure.isClear(toDepartment: department, kind: department.flatMap { reference.data.departments[$0]?.kind })
    }

    /// The reporter as the receiving department may see it: `ReporterView` for ordinary demands;
    /// on a petition, the identity for the petition bureau only.
    private func contact(for department: String, role: String, _ ticket: TicketContext) -> [String: Any]? {
        guard let opener = ticket.opener else { return nil }
        let reporter = Reporter(name: opener.name, phone: opener.phone, anonymous: opener.anonymous, id: opener.reporterRef)
        let view: Reporter?
        if ticket.confidential {
            let bureau = reference.data.departments[department]?.kind == .petitionBureau
            view = bureau && !opener.anonymous ? reporter : nil
        } else {
            view = ReporterView.for(role: role == "lead" ? .lead : .co, confidential: false, reporter: reporter)
        }
        guard let view, view.name != nil || view.phone != nil else { return nil }
        var values: [String: Any] = ["name": view.name ?? "市民"]
        if let phone = view.phone { values["phone"] = phone }
        return values
    }

    private func name(_ code: String?) -> String {
        guard let code else { return "承办部门" }
        return reference.data.departments[code]?.name ?? code
    }

    /// `11月25日` in the local zone.
    static func date(_ instant: Date, _ zone: TimeZone) -> String {
        let local = LocalDate.local(of: instant, in: zone).date
        return "\(local.month)月\(local.day)日"
    }

    /// `11月25日 10:00` in the local zone; a deadline at midnight reads as the end of the day
    /// before (`11月27日 24:00`), as people say it.
    static func time(_ instant: Date, _ zone: TimeZone) -> String {
        let (day, second) = LocalDate.local(of: instant, in: zone)
        if second == 0 {
            let before = LocalDate.local(of: instant.addingTimeInterval(-1), in: zone).date
            return "\(before.month)月\(before.day)日 24:00"
        }
        return "\(day.month)月\(day.day)日 " + String(format: "%02d:%02d", second / 3600, (second / 60) % 60)
    }
}
