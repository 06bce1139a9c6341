import Foundation
import WhistleAMQP
import WhistleMessages

/// How `dept listen` shows a message: a block of labelled lines per assignment, or with
/// `--json` the body as received on one line. The body is the department's own view: the
/// dispatcher has already masked the reporter as CONTRACT §3 requires for this department, so
/// it is printed as given. A body that is not an assignment is printed raw, with a warning.
struct AssignmentPrinter {
    let json: Bool
    let time: LocalTime
    let queue: String

    func print(_ delivery: Delivery) {
        let id = delivery.messageId ?? "(no message_id)"
        let assignment: AssignmentMessage
        do {
            assignment = try WhistleJSON.decode(AssignmentMessage.self, from: Data(delivery.body))
        } catch {
            printError("whistlectl: warning: message \(id) on \(queue) is not an assignment (\(Self.describe(error))); printed raw")
            Swift.print(json ? Self.oneLine(delivery.body) : "undecodable message \(id)\n" + Self.indented(Self.text(delivery.body)) + "\n")
            return
        }
        if json {
            Swift.print(Self.oneLine(delivery.body))
        } else {
            Swift.print(block(assignment, messageId: id, redelivered: delivery.redelivered) + "\n")
        }
    }

    func block(_ a: AssignmentMessage, messageId: String, redelivered: Bool) -> String {
        var fields: [(String, String)] = [
            ("ticket", a.ticketNo), ("role", a.role), ("department", a.department),
            ("lead / co", a.leadDepartment + " / " + (a.coDepartments.isEmpty ? "-" : a.coDepartments.joined(separator: ", "))),
            ("category", a.category ?? "-"), ("urgency", a.urgency.rawValue),
            ("ack due", time.format(a.ackDue)), ("resolve due", time.format(a.resolveDue)),
        ]
        if let title = a.title { fields.append(("title", title)) }
        fields.append(("content", a.content))
        if let location = a.location { fields.append(("location", Self.describe(location))) }
        if let reporter = a.reporter { fields.append(("reporter", Self.describe(reporter))) }
        if let whistle = a.whistle {
            fields.append(("whistle", whistle.departments.joined(separator: ", ") + (whistle.reason.map { " — \($0)" } ?? "")))
        }
        for attachment in a.attachments { fields.append(("attachment", "\(attachment.kind.rawValue) \(attachment.url)")) }
        fields.append(("reopen count", "\(a.reopenCount)"))
        fields.append(("channel", "\(a.channel), dispatch round \(a.round)"))

        let width = fields.map { DisplayWidth.of($0.0) }.max() ?? 0
        var out = ["assignment \(a.assignmentId)  (message \(messageId)\(redelivered ? ", redelivered" : ""))"]
        for (label, value) in fields {
            let lines = value.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            out.append("  " + DisplayWidth.pad(label, to: width) + "  " + (lines.first ?? ""))
            let indent = String(repeating: " ", count: width + 4)
            for line in lines.dropFirst() { out.append(indent + line) }
        }
        return out.joined(separator: "\n")
    }

    static func describe(_ location: Location) -> String {
        var parts: [String] = []
        if let address = location.address { parts.append(address) }
        if let grid = location.grid { parts.append("grid \(grid)") }
        if let lat = location.lat, let lon = location.lon { parts.append("\(lat), \(lon)") }
        return parts.isEmpty ? "-" : parts.joined(separator: "; ")
    }

    static func describe(_ reporter: Reporter) -> String {
        var parts: [String] = []
        if let name = reporter.name { parts.append(name) }
        if let phone = reporter.phone { parts.append(phone) }
        if reporter.anonymous { parts.append("anonymous") }
        if let id = reporter.id { parts.append("id \(id)") }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }

    /// Why a body did not decode, in a few words: `missing ack_due`, `bad value at urgency`.
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let names = keys.map { key in key.intValue.map { "[\($0)]" } ?? snake(key.stringValue) }
            return names.isEmpty ? "(body)" : names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?: return "bad value at \(path(context.codingPath))"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \(path(context.codingPath))"
        default: return CtlError.oneLine("\(error)")
        }
    }

    /// `ackDue` → `ack_due`.
    static func snake(_ name: String) -> String {
        name.reduce(into: "") { out, character in
            if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
        }
    }

    /// The body as text (invalid UTF-8 replaced), line breaks turned into spaces so that it is one
    /// line; JSON never holds a raw line break inside a string, so a JSON body keeps its meaning.
    static func oneLine(_ body: [UInt8]) -> String {
        String(decoding: body.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }, as: UTF8.self)
    }

    /// The body as text (invalid UTF-8 replaced), without trailing line breaks.
    static func text(_ body: [UInt8]) -> String {
        var text = String(decoding: body, as: UTF8.self)
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }

    static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }
}
