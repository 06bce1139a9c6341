import ArgumentParser
import EvaluatorService
import Foundation

/// `whistlectl token issue`: mints an API token (CONTRACT §8) with the site's shared secret, for
/// operators, scripts and tests. A city with its own identity provider issues tokens there
/// instead; this command only signs HS256 with `WHISTLE_API_JWT_SECRET`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue API tokens for the read API and the dashboard.", subcommands: [Issue.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a signed API token (HS256 with WHISTLE_API_JWT_SECRET).",
            discussion: """
                The token names a department (its kind and area decide what it may read) or, with --role auditor, \
                an auditor of the access records. Only the token is printed, so it can be captured: \
                TOKEN=$(whistlectl token issue --department XS-ZHZX).
                """)

        @Option(help: "The department the token speaks for (a department code of the seed).")
        var department: String?

        @Option(help: "department (default) or auditor.")
        var role: String = "department"

        @Option(help: "How long the token is valid: 30m, 8h, 7d (at most 30d).")
        var ttl: String = "8h"

        @Option(help: "Who holds the token, for the access records (claim sub); default: the department.")
        var subject: String?

        @Option(help: "The iss claim (when the API checks WHISTLE_API_JWT_ISSUER).")
        var issuer: String?

        @Option(help: "The aud claim (when the API checks WHISTLE_API_JWT_AUDIENCE).")
        var audience: String?

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            guard let secret = environment["WHISTLE_API_JWT_SECRET"], !secret.isEmpty else {
                throw CtlError(.usage, "WHISTLE_API_JWT_SECRET is not set: the token is signed with the API's shared secret")
            }
            guard ["department", "auditor"].contains(role) else {
                throw CtlError(.usage, "--role must be department or auditor, got \(role)")
            }
            if role == "department" && (department ?? "").isEmpty {
                throw CtlError(.usage, "--department is required for a department's token")
            }
            guard let lifetime = Self.duration(ttl), lifetime > .zero, lifetime <= .seconds(30 * 86_400) else {
                throw CtlError(.usage, "--ttl must be a positive duration up to 30d such as 30m, 8h or 7d, got \(ttl)")
            }
            let token = try await APITokenVerifier.issue(
                secret: secret, department: department, role: role == "auditor" ? "auditor" : nil, ttl: lifetime,
                subject: subject, issuer: issuer ?? environment["WHISTLE_API_JWT_ISSUER"],
                audience: audience ?? environment["WHISTLE_API_JWT_AUDIENCE"])
            print(token)
        }

        /// `30m`, `8h`, `7d`, `90s`.
        static func duration(_ text: String) -> Duration? {
            guard let unit = text.last, let amount = Int(text.dropLast()) else { return nil }
            switch unit {
            case "s": return .seconds(amount)
            case "m": return .seconds(amount * 60)
            case "h": return .seconds(amount * 3600)
            case "d": return .seconds(amount * 86_400)
            default: return nil
            }
        }
    }
}
