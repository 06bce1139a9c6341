import Foundation

/// A site's broker accounts file, as `deploy/secrets.sh --accounts` writes it: `KEY=VALUE` lines,
/// the key of user `dept-XS-CGJ` being `WHISTLE_AMQP_PASSWORD_DEPT_XS_CGJ` (the user without a
/// `whistle-` prefix, upper case, every other character `_`), comments and blank lines ignored.
struct AccountsFile: Sendable {
    private let values: [String: String]

    init(path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BenchError("cannot read the accounts file \(path): \(error.localizedDescription)")
        }
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            values[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        self.values = values
    }

    /// The same variables, read from an environment (`docker run --env-file ACCOUNTS`).
    init(environment: [String: String]) {
        values = environment.filter { $0.key.hasPrefix("WHISTLE_AMQP_PASSWORD_") }
    }

    /// The key that holds `user`'s password.
    static func variable(of user: String) -> String {
        let name = user.hasPrefix("whistle-") ? String(user.dropFirst("whistle-".count)) : user
        let mapped = name.uppercased().unicodeScalars.map { scalar -> Character in
            (("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)) ? Character(scalar) : "_"
        }
        return "WHISTLE_AMQP_PASSWORD_" + String(mapped)
    }

    /// `user`'s password, when the file has one.
    func password(of user: String) -> String? {
        values[Self.variable(of: user)].flatMap { $0.isEmpty ? nil : $0 }
    }
}
