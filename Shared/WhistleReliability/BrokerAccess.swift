import Foundation
import WhistleDomain
import WhistleMessages

/// The broker's users and what each may touch (least privilege), from `WhistleTopology`,
/// `SenderRules` and the seed's departments: the one model behind the broker definitions that
/// `whistlectl broker-definitions` prints (as `ServiceRole` is for PostgreSQL).
///
/// - `whistle-admin`: operators (whistlectl), everything;
/// - `whistle-<service>`: its own queues, the exchanges every service declares, publish where it
///   must; on `whistle.events` only the event types it emits (`SenderRules.emitter(of:)`); the
///   evaluator, the HTTP gateway of CONTRACT §9, also `demand.<channel>` on `whistle.intake`;
/// - `adapter-<channel>`: publish to `whistle.intake` only, under its own routing keys; read nothing;
/// - `dept-<code>`: read only `dept.<code>`, reply only under `<code>` and `triage.<code>`; a street
///   office also publishes `whistle` (吹哨), `evaluation` (一哨一考核) and `points` (积分回馈) on
///   `whistle.intake`, a command center `whistle` and `evaluation`.
public enum BrokerAccess {
    /// The operators' user (tag administrator).
    public static let adminUser = "whistle-admin"
    /// The prefix of a department's user: `dept-<code>`.
    public static let departmentPrefix = "dept-"

    /// One broker user with its management tags.
    public struct User: Sendable, Equatable {
        public var name: String
        public var tags: [String]
    }

    /// What a user may configure, write and read on a vhost (regular expressions).
    public struct Permission: Sendable, Equatable, Codable {
        public var user: String
        public var configure: String
        public var write: String
        public var read: String
    }

    /// The routing keys a user may publish with (`write`) and bind with (`read`) on one topic exchange.
    public struct TopicPermission: Sendable, Equatable, Codable {
        public var user: String
        public var exchange: String
        public var write: String
        public var read: String
    }

    /// A department of the seed: its code, and whether it is a street office or a command center
    /// (both blow whistles, verify their work and evaluate them).
    public struct Department: Sendable, Equatable {
        public var code: String
        public var isStreetOffice: Bool
        public var isCommandCenter: Bool

        public init(code: String, isStreetOffice: Bool, isCommandCenter: Bool = false) {
            self.code = code
            self.isStreetOffice = isStreetOffice
            self.isCommandCenter = isCommandCenter
        }

        /// The routing keys it may publish on `whistle.intake` (none for other departments).
        var intakeKeys: [String] {
            if isStreetOffice {
                return [IntakeRoutingKey.whistle, IntakeRoutingKey.evaluation, IntakeRoutingKey.feedback, IntakeRoutingKey.points]
            }
            if isCommandCenter { return [IntakeRoutingKey.whistle, IntakeRoutingKey.evaluation, IntakeRoutingKey.feedback] }
            return []
        }
    }

    /// Users with their permissions and topic permissions.
    public struct Grants: Sendable, Equatable {
        public var users: [User] = []
        public var permissions: [Permission] = []
        public var topicPermissions: [TopicPermission] = []

        /// Both sets of grants, these first.
        public func adding(_ other: Grants) -> Grants {
            Grants(
                users: users + other.users, permissions: permissions + other.permissions,
                topicPermissions: topicPermissions + other.topicPermissions)
        }
    }

    /// The admin and the four services: what the broker image loads when it starts.
    public static func services() -> Grants {
        var grants = Grants()
        grants.users.append(User(name: adminUser, tags: ["administrator"]))
        grants.permissions.append(Permission(user: adminUser, configure: ".*", write: ".*", read: ".*"))
        for service in SenderRules.Service.allCases {
            grants.users.append(User(name: service.user, tags: []))
            grants.permissions.append(permission(of: service))
            // It publishes on whistle.events only the types it emits; it binds its queues to any.
            let types = service.eventTypes.map { escaped($0.rawValue) }.joined(separator: "|")
            grants.topicPermissions.append(
                TopicPermission(user: service.user, exchange: Exchange.events, write: "^(\(types))$", read: ".*"))
            if service == .evaluator {
                // The gateway publishes the demands that Open311 clients and HTTP adapters post.
                grants.topicPermissions.append(
                    TopicPermission(user: service.user, exchange: Exchange.intake, write: "^demand\\.", read: "^$"))
            }
        }
        return grants
    }

    /// The channel adapters and the seed's departments: what the seed adds to a running broker.
    public static func accounts(departments: [Department]) -> Grants {
        var grants = Grants()
        for channel in Channel.demandChannels {
            let user = SenderRules.adapter(of: channel)
            grants.users.append(User(name: user, tags: []))
            grants.permissions.append(Permission(user: user, configure: "^$", write: "^\(escaped(Exchange.intake))$", read: "^$"))
            // Its demands, and feedback about its channel's tickets; intake checks the channel.
            grants.topicPermissions.append(
                TopicPermission(
                    user: user, exchange: Exchange.intake, write: "^(\(escaped(channel.routingKey))|\(IntakeRoutingKey.feedback))$",
                    read: "^$"))
        }
        for department in departments {
            let user = departmentPrefix + department.code
            let queue = "^\(escaped(departmentQueue(department.code)))$"
            grants.users.append(User(name: user, tags: []))
            let keys = department.intakeKeys
            if !keys.isEmpty {
                // A street office or command center blows whistles and evaluates the departments
                // they summoned (吹哨, 一哨一考核); a street office also redeems points (积分回馈).
                let write = "^whistle\\.(replies|intake)$"
                grants.permissions.append(Permission(user: user, configure: "^$", write: write, read: queue))
                grants.topicPermissions.append(
                    TopicPermission(user: user, exchange: Exchange.intake, write: "^(\(keys.joined(separator: "|")))$", read: "^$"))
            } else {
                grants.permissions.append(Permission(user: user, configure: "^$", write: "^\(escaped(Exchange.replies))$", read: queue))
            }
            let code = escaped(department.code)
            grants.topicPermissions.append(
                TopicPermission(user: user, exchange: Exchange.replies, write: "^(\(code)|triage\\.\(code))$", read: "^$"))
        }
        return grants
    }

    /// The variable that holds `user`'s password in a site's secrets: `WHISTLE_AMQP_PASSWORD_` and
    /// the user without the `whistle-` prefix, upper case, other characters as `_`
    /// (whistle-intake → `_INTAKE`, adapter-12345 → `_ADAPTER_12345`, dept-XS-CGJ → `_DEPT_XS_CGJ`).
    public static func passwordVariable(of user: String) -> String {
        let name = user.hasPrefix("whistle-") ? String(user.dropFirst("whistle-".count)) : user
        let upper = name.uppercased().map { character -> Character in
            character.isASCII && (character.isLetter || character.isNumber) ? character : "_"
        }
        return "WHISTLE_AMQP_PASSWORD_" + String(upper)
    }

    /// A service's permissions: its own queues, the exchanges every service declares on
    /// connecting (declaring a queue that dead-letters to `whistle.dlx` needs write there; binding
    /// `whistle.dead-letters` needs write on the queue and read on the exchange).
    static func permission(of service: SenderRules.Service) -> Permission {
        let exchanges = "whistle\\.(intake|dispatch|replies|events|dlx|dead-letters)"
        switch service {
        case .intake:
            // Its demands' queue, and `intake.events` (the closings it awards points for).
            let queue = "\(escaped(WhistleTopology.intakeQueue))|\(escaped(WhistleTopology.intakeEventsQueue))"
            return Permission(
                user: service.user, configure: "^(\(exchanges)|\(queue))$", write: "^(whistle\\.(events|dlx|dead-letters)|\(queue))$",
                read: "^(whistle\\.(intake|events|dlx)|\(queue))$")
        case .dispatcher:
            // It consumes its events and replies, declares and fills the department queues.
            return Permission(
                user: service.user, configure: "^(\(exchanges)|dispatcher\\..*|dept\\..*)$",
                write: "^(whistle\\.(dispatch|events|dlx|dead-letters)|dispatcher\\..*|dept\\..*)$",
                read: "^(whistle\\.(events|replies|dispatch|dlx)|dispatcher\\..*)$")
        case .notifier, .evaluator:
            let own = "\(service.rawValue)\\..*"
            // The evaluator also publishes demands on whistle.intake (its topic permission: `^demand\.` only).
            let published = service == .evaluator ? "intake|events|dlx|dead-letters" : "events|dlx|dead-letters"
            return Permission(
                user: service.user, configure: "^(\(exchanges)|\(own))$", write: "^(whistle\\.(\(published))|\(own))$",
                read: "^(whistle\\.(events|dlx)|\(own))$")
        }
    }

    /// `text` as a regular expression matching exactly it (dots escaped).
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: ".", with: "\\.")
    }
}
