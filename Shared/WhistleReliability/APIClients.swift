import Crypto
import Foundation
import WhistleDomain
import WhistleMessages
import WhistlePostgres

/// A registered HTTP client of CONTRACT §9 (table `api_clients`): an Open311 client (channel
/// 12345) or an HTTP adapter of one demand channel. Its key is shown once, when whistlectl creates
/// it, and kept only as its SHA-256.
public struct APIClient: Sendable, Equatable {
    /// What the client may do: post Open311 requests, or post demands of its channel over HTTP.
    public enum Kind: String, Sendable, CaseIterable {
        case open311, adapter

        /// The start of this kind's keys (a key says what it is for, never who holds it).
        public var keyPrefix: String { self == .open311 ? "w311_" : "wadp_" }
    }

    /// 1–40 of `a-z`, `0-9`, `-` (`SenderRules.isClientId`).
    public var id: String
    public var kind: Kind
    /// The demand channel the client posts on.
    public var channel: Channel
    public var name: String?
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: String, kind: Kind, channel: Channel, name: String?, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.kind = kind
        self.channel = channel
        self.name = name
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// API keys: made from 32 random bytes, compared by their SHA-256.
public enum APIKey {
    /// A new key of `kind`: its prefix and 32 random bytes as base64url without padding.
    public static func generate(_ kind: APIClient.Kind) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return kind.keyPrefix + base64URL(bytes)
    }

    /// The SHA-256 of a key, as stored in `api_clients.key_hash`.
    public static func hash(_ key: String) -> Data { Data(SHA256.hash(data: Array(key.utf8))) }

    /// `bytes` in base64url (RFC 4648 §5) without padding.
    public static func base64URL<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of base64url text (padding optional); nil when it is not base64url.
    public static func base64URLDecoded(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0 < 0x80 }), !text.contains("+"), !text.contains("/") else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { Array($0) }
    }
}

/// The statements on `api_clients`: whistlectl adds, lists and revokes; evaluator finds a key.
public enum APIClientStore {
    static let columns = "id, kind, channel, name, created_at, revoked_at"

    /// Registers a client and returns its key (shown once; only its hash is stored). Throws
    /// `PostgresError` with SQLSTATE 23505 when the id is taken.
    public static func add(
        _ connection: PostgresConnection, id: String, kind: APIClient.Kind, channel: Channel, name: String?
    ) throws -> String {
        let key = APIKey.generate(kind)
        _ = try connection.query(
            "INSERT INTO api_clients (id, kind, channel, name, key_hash) VALUES ($1, $2, $3, $4, $5)",
            [id, kind.rawValue, channel.rawValue, name, APIKey.hash(key)])
        return key
    }

    /// Every client of `kind`, by id (revoked ones too).
    public static func list(_ connection: PostgresConnection, kind: APIClient.Kind) throws -> [APIClient] {
        try connection.query("SELECT \(columns) FROM api_clients WHERE kind = $1 ORDER BY id", [kind.rawValue]).map(client)
    }

    /// Revokes the client `id` of `kind` from now on; false when there is no such client. Revoking
    /// twice keeps the first time.
    public static func revoke(_ connection: PostgresConnection, id: String, kind: APIClient.Kind) throws -> Bool {
        let rows = try connection.query(
            "UPDATE api_clients SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND kind = $2 RETURNING id", [id, kind.rawValue])
        return rows.count == 1
    }

    /// The client whose key is `key`, revoked or not; nil when no client has it.
    public static func find(_ connection: PostgresConnection, key: String) throws -> APIClient? {
        try connection.query("SELECT \(columns) FROM api_clients WHERE key_hash = $1", [APIKey.hash(key)]).first.map(client)
    }

    /// The client `id`, revoked or not.
    public static func find(_ connection: PostgresConnection, id: String) throws -> APIClient? {
        try connection.query("SELECT \(columns) FROM api_clients WHERE id = $1", [id]).first.map(client)
    }

    private static func client(_ row: PostgresRow) throws -> APIClient {
        let kind: String = try row.decode(1)
        let channel: String = try row.decode(2)
        guard let parsedKind = APIClient.Kind(rawValue: kind), let parsedChannel = Channel(rawValue: channel) else {
            throw PostgresError(.decode, "api_clients row with kind \(kind), channel \(channel)")
        }
        return APIClient(
            id: try row.decode(0), kind: parsedKind, channel: parsedChannel, name: try row.decodeIfPresent(3),
            createdAt: try row.decode(4), revokedAt: try row.decodeIfPresent(5))
    }
}
