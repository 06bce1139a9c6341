import Foundation
import WhistleMessages
import Yams

/// routing.yaml, deadlines.yaml and calendar.yaml.
extension SeedParser {
    mutating func rules(_ reader: SeedFileReader, _ root: Node) -> [SeedRoutingRule] {
        var result: [SeedRoutingRule] = []
        for item in reader.list(root, what: "`rules`") {
            guard let fields = reader.fields(item, allowed: ["category", "area", "lead", "co"], what: "routing rule") else { continue }
            let category = reader.code(fields, "category")
            let area = reader.code(fields, "area", required: false)
            let lead = reader.code(fields, "lead")
            let co = reader.codeList(fields, "co")
            if let category, fields["area"] == nil || area != nil {
                let key = RuleKey(category: category.code, area: area?.code ?? "")
                if let first = declaredRules[key] {
                    let which = area.map { "area \($0.code)" } ?? "the default (no area)"
                    reader.report(item, "a second rule for \(category.code) and \(which) (first at line \(first))")
                } else {
                    declaredRules[key] = reader.mark(item).line
                }
            }
            if let lead, let co {
                for entry in co where entry.code == lead.code {
                    reader.report(entry.mark, "`co` must not contain the lead department \(lead.code)")
                }
                var seen = Set<String>()
                for entry in co where !seen.insert(entry.code).inserted {
                    reader.report(entry.mark, "`co` names \(entry.code) twice")
                }
            }
            guard let category, let lead, let co else { continue }
            result.append(
                SeedRoutingRule(
                    mark: reader.mark(item), category: category.code, categoryMark: category.mark, area: area?.code,
                    areaMark: area?.mark, lead: lead.code, leadMark: lead.mark, co: co.map(\.code), coMarks: co.map(\.mark)))
        }
        return result
    }

    mutating func policies(_ reader: SeedFileReader, _ root: Node) -> [SeedDeadlinePolicy] {
        var result: [SeedDeadlinePolicy] = []
        let channels = Channel.allCases.map(\.rawValue)
        for item in reader.list(root, what: "`policies`") {
            guard let fields = reader.fields(item, allowed: ["channel", "urgency", "acknowledge", "resolve", "extension"], what: "policy")
            else { continue }
            var channel: String?
            if let node = fields["channel"] {
                // "12345" should be quoted, but an unquoted integer is accepted.
                if let text = reader.scalarText(
                    node, "channel", tags: [.str, .int], expected: "one of \(channels.joined(separator: ", "))")
                {
                    if channels.contains(text) {
                        channel = text
                    } else {
                        reader.report(node, "`channel` \"\(text)\" is not one of \(channels.joined(separator: ", "))")
                    }
                }
            } else {
                reader.report(item, "missing required key `channel`")
            }
            let urgency = reader.choice(fields, "urgency", as: Urgency.self)
            if let channel, let urgency {
                let key = "\(channel)/\(urgency.rawValue)"
                if let first = declaredPolicies[key] {
                    reader.report(item, "a second policy for channel \(channel), urgency \(urgency.rawValue) (first at line \(first))")
                } else {
                    declaredPolicies[key] = reader.mark(item).line
                }
            }
            let acknowledge = duration(reader, fields, "acknowledge", item: item)
            let resolve = duration(reader, fields, "resolve", item: item)
            let extensionValue = fields["extension"] == nil ? nil : duration(reader, fields, "extension", item: item)
            if let acknowledge, let resolve, acknowledge.approximateMinutes > resolve.approximateMinutes, let node = fields["acknowledge"] {
                reader.report(node, "`acknowledge` (\(acknowledge)) is longer than `resolve` (\(resolve))")
            }
            guard let channel, let urgency, let acknowledge, let resolve, fields["extension"] == nil || extensionValue != nil else {
                continue
            }
            result.append(
                SeedDeadlinePolicy(
                    mark: reader.mark(item), channel: channel, urgency: urgency.rawValue, acknowledge: acknowledge,
                    resolve: resolve, extensionWindow: extensionValue))
        }
        return result
    }

    private func duration(_ reader: SeedFileReader, _ fields: SeedFields, _ key: String, item: Node) -> SeedDuration? {
        guard let node = fields[key] else {
            reader.report(item, "missing required key `\(key)`")
            return nil
        }
        guard let text = reader.scalarText(node, key, tags: [.str, .int], expected: "a duration such as 30m, 2h, 15d or 5wd") else {
            return nil
        }
        do {
            return try SeedDuration.parse(text)
        } catch {
            reader.report(node, "`\(key)`: \(error.message)")
            return nil
        }
    }

    func calendar(_ reader: SeedFileReader, _ root: Node) -> SeedCalendar? {
        guard let fields = reader.fields(root, allowed: ["timezone", "holidays", "workdays"], what: "calendar") else { return nil }
        let zone = reader.string(fields, "timezone")
        if let zone, TimeZone(identifier: zone) == nil, let node = fields["timezone"] {
            reader.report(node, "unknown time zone \"\(zone)\" (use an IANA name such as Asia/Shanghai)")
        }
        var days: [SeedCalendarDay] = []
        for (key, working) in [("holidays", false), ("workdays", true)] {
            guard let listNode = fields[key] else { continue }
            for item in reader.list(listNode, what: "`\(key)`") {
                if let day = calendarDay(reader, item, working: working) { days.append(day) }
            }
        }
        return SeedCalendar(mark: reader.mark(root), timeZone: zone ?? "", days: days)
    }

    private func calendarDay(_ reader: SeedFileReader, _ item: Node, working: Bool) -> SeedCalendarDay? {
        let what = working ? "workday" : "holiday"
        guard let fields = reader.fields(item, allowed: ["date", "name"], what: what) else { return nil }
        let name = reader.string(fields, "name")
        guard let node = fields["date"] else {
            reader.report(item, "missing required key `date`")
            return nil
        }
        guard let text = reader.scalarText(node, "date", tags: [.str, .timestamp], expected: "a date \"YYYY-MM-DD\"") else { return nil }
        guard let weekday = Self.weekday(of: text) else {
            reader.report(node, "`date` \"\(text)\" is not a valid date YYYY-MM-DD")
            return nil
        }
        let weekend = weekday == 0 || weekday == 6
        if working && !weekend {
            reader.report(node, "\(text) is a \(Self.weekdayNames[weekday]): `workdays` lists only Saturdays and Sundays made working days")
            return nil
        }
        if !working && weekend {
            reader.report(node, "\(text) is a \(Self.weekdayNames[weekday]): `holidays` lists only Monday–Friday days off")
            return nil
        }
        guard let name else { return nil }
        return SeedCalendarDay(mark: reader.mark(item), day: text, working: working, name: name)
    }

    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// 0 = Sunday … 6 = Saturday for a valid `YYYY-MM-DD`; nil for anything else.
    static func weekday(of text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1
        else { return nil }
        // RFC3339.parse rejects impossible dates such as February 30th.
        guard RFC3339.parse("\(text)T00:00:00Z") != nil else { return nil }
        let days = RFC3339.daysFromCivil(year: year, month: month, day: day)
        // 1970-01-01 was a Thursday.
        return Int(((days % 7) + 7 + 4) % 7)
    }
}
