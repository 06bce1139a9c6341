import Foundation
import Testing

/// deploy/check-definitions.sh on a broker of its own (profile `scratch`): the development
/// definitions give exactly their users, permissions, topic permissions and message size, and a
/// site's users (modes boot and accounts, passwords from the environment and from the accounts file
/// of `secrets.sh --accounts`) get the site's passwords instead; a missing one stops, naming it.
@Suite(.serialized) struct BrokerDefinitionsTests {
    @Test func theDefinitionsGiveTheIntendedUsersAndASiteItsOwnPasswords() async throws {
        let root = URL(fileURLWithPath: FlowHarness.seedFolder).deletingLastPathComponent().deletingLastPathComponent()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-check-definitions-\(UUID().uuidString).log")
        let status = try await TestServers.run(
            "/bin/bash", ["-c", "\"$0\" >\"$1\" 2>&1", root.appendingPathComponent("deploy/check-definitions.sh").path, log.path])
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        #expect(status == 0, "\(output.suffix(3000))")
        #expect(output.contains("definitions check: all passed"))
        #expect(!output.contains("FAIL"), "\(output)")
        #expect(output.contains("dept-XS-CGJ authenticates with its password from the accounts file"))
    }
}
