import ArgumentParser
import Foundation
import WhistleReliability

/// A site's broker passwords: each user's from its variable (`BrokerAccess.passwordVariable(of:)`)
/// in the environment, else from the accounts file (KEY=VALUE lines, the last one wins). Never a
/// new one: a missing password stops the command, naming every user and variable, before anything
/// is printed.
struct BrokerSitePasswords {
    private var passwords: [String: String] = [:]

    init(users: [BrokerAccess.User], environment: [String: String], accountsFile: String?) throws {
        var fileValues: [String: String] = [:]
        if let accountsFile {
            guard let data = FileManager.default.contents(atPath: accountsFile), let text = String(data: data, encoding: .utf8) else {
                throw CtlError(.io, "the accounts file \(accountsFile) (WHISTLE_BROKER_ACCOUNTS) cannot be read")
            }
            for line in text.split(whereSeparator: \.isNewline) {
                guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
                let value = String(line[line.index(after: equals)...])
                if !value.isEmpty { fileValues[String(line[..<equals])] = value }
            }
        }
        var missing: [String] = []
        for user in users {
            let variable = BrokerAccess.passwordVariable(of: user.name)
            if let value = environment[variable], !value.isEmpty {
                passwords[user.name] = value
            } else if let value = fileValues[variable] {
                passwords[user.name] = value
            } else {
                missing.append("\(user.name) (\(variable))")
            }
        }
        guard missing.isEmpty else {
            // Where the environment's passwords came from (the seed container: the host's file).
            let source =
                accountsFile ?? environment["WHISTLE_BROKER_ACCOUNTS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
                ?? "the environment (WHISTLE_BROKER_ACCOUNTS is not set)"
            printError("definitions: no password for \(missing.count) broker user(s) in \(source):")
            for entry in missing { printError("  \(entry)") }
            if users.contains(where: { $0.name == BrokerAccess.adminUser }) {
                printError("set them (deploy/secrets.sh writes every service's) and start again")
            } else {
                printError("add them on the host, then run the seed again (nothing was changed):")
                printError("  deploy/secrets.sh --accounts SEED_FOLDER")
            }
            throw ExitCode(1)
        }
    }

    /// The password of `user` (one of the users it was made for).
    subscript(user: String) -> String { passwords[user] ?? "" }
}

/// The departments of a seed's departments.yaml, each with whether it is a street office.
enum BrokerSeedDepartments {
    /// `path`: a seed folder or its departments.yaml. Any problem in the file stops it, one line each.
    static func read(_ path: String) throws -> [BrokerAccess.Department] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CtlError(.io, "no such file or folder: \(path)")
        }
        let file = isDirectory.boolValue ? SeedFiles(folder: path).departments : path
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw CtlError(.io, "cannot read \(file) as UTF-8 text")
        }
        let reader = SeedFileReader(file: file)
        var parser = SeedParser()
        let departments = reader.root(text, key: "departments").map { parser.departments(reader, $0) } ?? []
        guard reader.issues.isEmpty else {
            for issue in reader.issues { printError(issue.description) }
            throw CtlError(.invalidSeed, "\(file): \(reader.issues.count) problem(s), see above")
        }
        return departments.map {
            BrokerAccess.Department(code: $0.code, isStreetOffice: $0.kind == .streetOffice, isCommandCenter: $0.kind == .commandCenter)
        }
    }
}
