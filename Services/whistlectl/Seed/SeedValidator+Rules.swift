import WhistleMessages

/// Categories, routing rules, deadline policies and the calendar.
extension SeedValidator {
    mutating func checkCategories() {
        var keywordOwner: [String: (code: String, mark: SourceMark)] = [:]
        for category in data.categories {
            if let parent = category.parent, let mark = category.parentMark {
                if !resolves(parent, in: categories) {
                    report(mark, "unknown parent category \(parent) (not in \(files.categories)\(elsewhere))")
                } else if case .some(.some(let grandparent)) = categories[parent] {
                    report(mark, "\(parent) is itself a leaf of \(grandparent): categories have two levels only")
                }
            }
            for keyword in category.keywords {
                if let first = keywordOwner[keyword] {
                    let place =
                        first.code == category.code
                        ? "twice in \(category.code)" : "in both \(first.code) (line \(first.mark.line)) and \(category.code)"
                    report(category.keywordsMark, "keyword \"\(keyword)\" appears \(place): a keyword belongs to one leaf")
                } else {
                    keywordOwner[keyword] = (category.code, category.keywordsMark)
                }
            }
        }
    }

    mutating func checkRules() {
        for rule in data.rules {
            if !resolves(rule.category, in: categories) {
                report(rule.categoryMark, "unknown category \(rule.category) (not in \(files.categories)\(elsewhere))")
            } else if case .some(.none) = categories[rule.category] {
                report(rule.categoryMark, "\(rule.category) is a parent category: rules route leaf categories only")
            }
            if let area = rule.area, let mark = rule.areaMark {
                if !resolves(area, in: areas) {
                    report(mark, "unknown area \(area) (not in \(files.areas)\(elsewhere))")
                } else if areas[area]?.level == .city {
                    report(
                        mark,
                        "\(area) is the city: a rule's area is a grid, community, street or district (leave `area` out for the default)")
                }
            }
            if !resolves(rule.lead, in: departments) {
                report(rule.leadMark, "unknown lead department \(rule.lead) (not in \(files.departments)\(elsewhere))")
            }
            for (code, mark) in zip(rule.co, rule.coMarks) where !resolves(code, in: departments) {
                report(mark, "unknown co department \(code) (not in \(files.departments)\(elsewhere))")
            }
        }
        // Every leaf of the files has a default rule, in the files or already in the database.
        let defaults = Set((declaredRules.union(known.rules)).filter { $0.area.isEmpty }.map(\.category))
        for category in data.categories where category.parent != nil && !defaults.contains(category.code) {
            report(
                category.mark,
                "leaf category \(category.code) has no default routing rule (add {category: \(category.code), lead: …, co: []} to \(files.routing))"
            )
        }
    }

    mutating func checkPolicies() {
        var missing: [String] = []
        for channel in Channel.allCases {
            for urgency in Urgency.allCases {
                let key = "\(channel.rawValue)/\(urgency.rawValue)"
                if !declaredPolicies.contains(key) && !known.policies.contains(key) { missing.append(key) }
            }
        }
        if !missing.isEmpty {
            let pairs = Channel.allCases.count * Urgency.allCases.count
            let text = "no policy for \(missing.joined(separator: ", ")) (all \(pairs) channel × urgency pairs are needed)"
            issues.append(SeedIssue(file: files.deadlines, text))
        }
    }

    mutating func checkCalendar() {
        guard let calendar = data.calendar else { return }
        var first: [String: SourceMark] = [:]
        for day in calendar.days {
            if let previous = first[day.day] {
                report(day.mark, "\(day.day) is listed twice (first at line \(previous.line))")
            } else {
                first[day.day] = day.mark
            }
        }
    }
}
