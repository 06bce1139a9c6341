import ArgumentParser
import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// `whistlectl open311 clients add|list|revoke`: the Open311 clients (CONTRACT §9), channel 12345.
struct Open311Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open311", abstract: "Manage Open311 GeoReport v2 clients (their API keys).",
        subcommands: [Open311ClientsCommand.self])
}

struct Open311ClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients", abstract: "Register, list or revoke Open311 clients (POST requests.json needs a client's api_key).",
        subcommands: [ClientAddCommand<Open311Kind>.self, ClientListCommand<Open311Kind>.self, ClientRevokeCommand<Open311Kind>.self])
}

/// `whistlectl adapters add|list|revoke`: adapters that post demands over HTTP (`/v1/demands/{channel}`).
struct AdaptersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapters", abstract: "Register, list or revoke HTTP adapters (POST /v1/demands/{channel} needs an adapter's key).",
        subcommands: [ClientAddCommand<AdapterKind>.self, ClientListCommand<AdapterKind>.self, ClientRevokeCommand<AdapterKind>.self])
}

/// Which kind of client a command manages.
protocol ClientKind {
    static var kind: APIClient.Kind { get }
    /// The command line that manages it, for messages (`open311 clients`, `adapters`).
    static var command: String { get }
}

enum Open311Kind: ClientKind {
    static let kind = APIClient.Kind.open311
    static let command = "open311 clients"
}

enum AdapterKind: ClientKind {
    static let kind = APIClient.Kind.adapter
    static let command = "adapters"
}

/// `add <id> [--name N]` (adapters also `--channel C`): prints the key once; only its SHA-256 is kept.
struct ClientAddCommand<Kind: ClientKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "add", abstract: "Register a client and print its key (shown this once; only its SHA-256 is stored).")
    }

    @Argument(help: "The client's id: 1-40 of a-z, 0-9, -.")
    var id: String

    @Option(help: "The demand channel of an adapter: hotline, 12345, grid or petition (Open311 clients are 12345).")
    var channel: String?

    @Option(help: "A description of the client (at most 200 characters).")
    var name: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard SenderRules.isClientId(id) else { throw ValidationError("the id must be 1-40 of a-z, 0-9 and -, got \(id)") }
        if let name, name.count > 200 { throw ValidationError("--name may have at most 200 characters") }
        if Kind.kind == .open311, let channel, channel != Channel.twelve345.rawValue {
            throw ValidationError("an Open311 client posts on channel 12345 only")
        }
        if Kind.kind == .adapter {
            guard let channel else { throw ValidationError("--channel is required: hotline, 12345, grid or petition") }
            guard Channel(rawValue: channel)?.isDemandChannel == true else {
                throw ValidationError("--channel must be hotline, 12345, grid or petition, got \(channel)")
            }
        }
    }

    func run() async throws {
        let channel = Channel(rawValue: channel ?? Channel.twelve345.rawValue) ?? .twelve345
        let (id, name) = (id, name)
        let key: String
        do {
            key = try await connection.withDatabase { pool in
                try await pool.withConnection { connection in
                    try APIClientStore.add(connection, id: id, kind: Kind.kind, channel: channel, name: name)
                }
            }
        } catch let error as PostgresError where error.sqlState == "23505" {
            throw CtlError(.usage, "a client with id \(id) exists already (ids are never reused, even revoked ones)")
        }
        print("registered \(Kind.kind.rawValue) client \(id) (channel \(channel.rawValue)); its key, shown this once:")
        print(key)
    }
}

/// `list`: every client of the kind, revoked ones marked; never a key.
struct ClientListCommand<Kind: ClientKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: "List the clients (never their keys).")
    }

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let zone = try ConnectionOptions.timeZone()
        let clients = try await connection.withDatabase { pool in
            try await pool.withConnection { connection in try APIClientStore.list(connection, kind: Kind.kind) }
        }
        guard !clients.isEmpty else {
            print("no \(Kind.kind.rawValue) clients; add one with: whistlectl \(Kind.command) add <id>")
            return
        }
        let format = DateFormatter()
        format.dateFormat = "yyyy-MM-dd HH:mm"
        format.timeZone = zone
        format.locale = Locale(identifier: "en_US_POSIX")
        print(["id", "channel", "created", "revoked", "name"].joined(separator: "\t"))
        for client in clients {
            let revoked = client.revokedAt.map(format.string) ?? "-"
            print(
                [client.id, client.channel.rawValue, format.string(from: client.createdAt), revoked, client.name ?? "-"].joined(
                    separator: "\t"))
        }
    }
}

/// `revoke <id>`: the key stops working at once (the gateway checks it on every request).
struct ClientRevokeCommand<Kind: ClientKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "revoke", abstract: "Revoke a client's key (at once; the id is never reused).")
    }

    @Argument(help: "The client's id.")
    var id: String

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let id = id
        let revoked = try await connection.withDatabase { pool in
            try await pool.withConnection { connection in try APIClientStore.revoke(connection, id: id, kind: Kind.kind) }
        }
        guard revoked else { throw CtlError(.notFound, "no \(Kind.kind.rawValue) client \(id)") }
        print("revoked \(Kind.kind.rawValue) client \(id)")
    }
}
