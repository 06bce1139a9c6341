import Foundation
import Mustache

/// Why the templates could not be loaded.
public struct NotifierError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable { case templates, delivery }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "notifier \(code.rawValue) error: \(message)" }
}

/// The zh-CN message templates (Mustache, `{{% CONTENT_TYPE: TEXT}}`: nothing is HTML-escaped):
/// the bundled `Templates/*.mustache`, each replaced by a file of the same name in
/// `WHISTLE_NOTIFY_TEMPLATES_DIR` when an operator provides one.
struct Templates: Sendable {
    /// Every template the rules use; all must exist at start-up.
    static let names = [
        "citizen_receipt", "citizen_merged", "citizen_result", "citizen_reopened", "citizen_closed", "reporter_verify",
        "department_assignment", "department_due_soon", "department_overdue", "supervisor_overdue", "supervisor_escalated",
        "supervisor_triage", "supervisor_hotspot", "supervisor_delivery_failed", "street_report",
    ]

    private let library: MustacheLibrary

    init(overrides directory: String?) throws {
        var library = MustacheLibrary()
        var folders: [URL] = []
        if let bundled = Bundle.module.url(forResource: "Templates", withExtension: nil) { folders.append(bundled) }
        if let directory { folders.append(URL(fileURLWithPath: directory)) }
        for folder in folders {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for file in files where file.hasSuffix(".mustache") {
                let name = String(file.dropLast(".mustache".count))
                guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path),
                    let text = String(data: data, encoding: .utf8)
                else { throw NotifierError(.templates, "cannot read \(folder.path)/\(file)") }
                do {
                    try library.register(text, named: name)
                } catch {
                    throw NotifierError(.templates, "\(folder.path)/\(file): \(error)")
                }
            }
        }
        let missing = Self.names.filter { library.getTemplate(named: $0) == nil }
        guard missing.isEmpty else {
            throw NotifierError(.templates, "missing templates: \(missing.joined(separator: ", "))")
        }
        self.library = library
    }

    /// The text of `template` with `values`, without surrounding white space.
    func render(_ template: String, _ values: [String: Any]) -> String {
        (library.render(values, withTemplate: template) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
