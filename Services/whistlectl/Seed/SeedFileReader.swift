import Yams

/// Reads one seed file with `Yams.compose`, so that every value keeps its line and column, and
/// records every problem found (it never stops at the first).
final class SeedFileReader {
    /// The file as the operator named it (folder/areas.yaml), for messages.
    let file: String
    private(set) var issues: [SeedIssue] = []

    init(file: String) {
        self.file = file
    }

    func mark(_ node: Node) -> SourceMark {
        SourceMark(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    func report(_ node: Node, _ message: String) {
        issues.append(SeedIssue(mark(node), message))
    }

    func report(_ mark: SourceMark, _ message: String) {
        issues.append(SeedIssue(mark, message))
    }

    func reportFile(_ message: String) {
        issues.append(SeedIssue(file: file, message))
    }

    /// Parses `text` and returns the value of its single top-level key `key`; nil (with the
    /// problem recorded) when the text is not YAML or not shaped that way.
    func root(_ text: String, key: String) -> Node? {
        let document: Node?
        do {
            document = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            recordSyntaxError(error)
            return nil
        } catch {
            reportFile("cannot parse the YAML: \(error)")
            return nil
        }
        guard let document, case .mapping(let mapping) = document else {
            reportFile("expected a mapping with the single key `\(key)` at the top level")
            return nil
        }
        for (name, _) in mapping where name.scalar?.string != key {
            report(name, "unknown top-level key `\(name.scalar?.string ?? "?")` (expected only `\(key)`)")
        }
        guard let value = mapping[key] else {
            report(document, "missing the top-level key `\(key)`")
            return nil
        }
        return value
    }

    /// The elements of a list (`what` names it in messages); empty when the node is no list.
    func list(_ node: Node, what: String) -> [Node] {
        switch node {
        case .sequence(let sequence): return Array(sequence)
        case .scalar where node.tagName == .null: return []
        default:
            report(node, "\(what) must be a list")
            return []
        }
    }

    /// An item that must be a mapping whose keys are all in `allowed`.
    func fields(_ node: Node, allowed: Set<String>, what: String) -> SeedFields? {
        guard case .mapping(let mapping) = node else {
            report(node, "each \(what) must be a mapping such as {code: …, name: …}")
            return nil
        }
        for (key, _) in mapping {
            guard let name = key.scalar?.string, key.tagName == .str else {
                report(key, "keys must be plain words")
                continue
            }
            if !allowed.contains(name) {
                report(key, "unknown key `\(name)` in \(what) (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
        return SeedFields(node: node, mapping: mapping)
    }

    private func recordSyntaxError(_ error: YamlError) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) (line \($0.mark.line)), " } ?? ""
            issues.append(SeedIssue(SourceMark(file: file, line: mark.line, column: mark.column), "YAML syntax error: \(detail)\(problem)"))
        case .duplicatedKeysInMapping(let duplicates, let context):
            issues.append(
                SeedIssue(
                    SourceMark(file: file, line: context.mark.line, column: context.mark.column),
                    "duplicate key(s) \(duplicates.sorted().joined(separator: ", ")) in one mapping"))
        default:
            reportFile("cannot parse the YAML: \(CtlError.oneLine(String(describing: error)))")
        }
    }
}

/// One item's keys and values.
struct SeedFields {
    let node: Node
    let mapping: Node.Mapping

    /// The value of `key`; a YAML null (`key: ~` or `key:`) counts as absent.
    subscript(key: String) -> Node? {
        guard let value = mapping[key] else { return nil }
        if case .scalar = value, value.tagName == .null { return nil }
        return value
    }
}

extension Node {
    /// The resolved tag (`tag:yaml.org,2002:str`, `…:int`, …) of this node.
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
