import Crypto
import Foundation

/// A RabbitMQ definitions document (the JSON of `rabbitmqctl import_definitions`,
/// `load_definitions` and the management API's `/api/definitions`) of `BrokerAccess` grants on one
/// vhost: the vhost, the users with their passwords, permissions and topic permissions.
public struct BrokerDefinitions: Sendable, Encodable {
    /// How a user's password appears in the document.
    public enum Password: Sendable, Equatable {
        /// In clear (`password`): development only, the broker hashes it on import.
        case plain(String)
        /// A `rabbit_password_hashing_sha256` hash (`password_hash`), see `BrokerPasswordHash`.
        case hash(String)
    }

    /// One user as the document holds it.
    public struct UserEntry: Sendable, Encodable, Equatable {
        public var name: String
        public var password: Password
        public var tags: [String]

        enum CodingKeys: String, CodingKey {
            case name, password, passwordHash = "password_hash", hashingAlgorithm = "hashing_algorithm", tags
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            switch password {
            case .plain(let value):
                try container.encode(value, forKey: .password)
            case .hash(let value):
                try container.encode(value, forKey: .passwordHash)
                try container.encode(BrokerPasswordHash.algorithm, forKey: .hashingAlgorithm)
            }
            try container.encode(tags, forKey: .tags)
        }
    }

    struct VHost: Sendable, Encodable { var name: String }
    struct Permission: Sendable, Encodable { var user, vhost, configure, write, read: String }
    struct TopicPermission: Sendable, Encodable { var user, vhost, exchange, write, read: String }

    var vhosts: [VHost]
    public var users: [UserEntry]
    var permissions: [Permission]
    var topicPermissions: [TopicPermission]

    enum CodingKeys: String, CodingKey { case vhosts, users, permissions, topicPermissions = "topic_permissions" }

    /// The document of `grants` on `vhost`, each user with the password `password` gives it.
    public init(_ grants: BrokerAccess.Grants, vhost: String = "/", password: (String) throws -> Password) rethrows {
        vhosts = [VHost(name: vhost)]
        users = try grants.users.map { UserEntry(name: $0.name, password: try password($0.name), tags: $0.tags) }
        permissions = grants.permissions.map {
            Permission(user: $0.user, vhost: vhost, configure: $0.configure, write: $0.write, read: $0.read)
        }
        topicPermissions = grants.topicPermissions.map {
            TopicPermission(user: $0.user, vhost: vhost, exchange: $0.exchange, write: $0.write, read: $0.read)
        }
    }

    /// The document as JSON text: keys sorted, one value a line, ending in a line break.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}

/// RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt ++ SHA-256(salt ++ password)), with a
/// random 4-byte salt and the password as UTF-8 bytes.
public enum BrokerPasswordHash {
    /// The `hashing_algorithm` value of a definitions file.
    public static let algorithm = "rabbit_password_hashing_sha256"

    /// The hash of `password` with `salt` (4 bytes; random when not given).
    public static func hash(_ password: String, salt: [UInt8]? = nil) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = salt ?? (0..<4).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let digest = SHA256.hash(data: salt + Array(password.utf8))
        return Data(salt + Array(digest)).base64EncodedString()
    }

    /// Whether `hash` (as `hash(_:salt:)` makes it) is the hash of `password`.
    public static func verifies(_ password: String, hash: String) -> Bool {
        guard let bytes = Data(base64Encoded: hash), bytes.count == 4 + SHA256.byteCount else { return false }
        return self.hash(password, salt: Array(bytes.prefix(4))) == hash
    }
}
