import Crypto
import Foundation
import Logging
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// A demand posted over HTTP, as the gateway publishes it: on `whistle.intake` under
/// `demand.<channel>`, with message_id `<via>:<client>:<key>` (the inbox keeps clients apart) and
/// the headers `x-whistle-adapter` / `x-whistle-via` that intake believes from a gateway only.
struct GatewayDemand: Sendable, Equatable {
    var channel: Channel
    /// `open311` or `http`.
    var via: String
    /// The registered client that posted it.
    var client: String
    /// The AMQP message_id (1–128 characters).
    var messageId: String

    /// `via:client:key`; a key that would make it longer than 128 characters is replaced by
    /// `sha256:` and 32 hex digits of its digest (the same key always gives the same id).
    init(channel: Channel, via: String, client: String, key: String) {
        self.channel = channel
        self.via = via
        self.client = client
        let plain = "\(via):\(client):\(key)"
        if plain.unicodeScalars.count <= 128 {
            messageId = plain
        } else {
            let digest = SHA256.hash(data: Array(key.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
            messageId = "\(via):\(client):sha256:\(digest)"
        }
    }

    /// The message to publish with `body`.
    func message(body: [UInt8]) -> OutboundMessage {
        OutboundMessage(
            exchange: Exchange.intake, routingKey: channel.routingKey, body: body, messageId: messageId, mandatory: true,
            headers: [SenderRules.adapterHeader: client, SenderRules.viaHeader: via])
    }
}

/// What intake made of a demand (the row it stored in `demands`).
struct GatewayOutcome: Sendable, Equatable {
    /// `accepted`, `merged`, `duplicate` or `rejected`.
    var outcome: String
    var ticketNo: String?
    /// The CONTRACT errors of a rejected demand (`[{field, code, message}]`).
    var errors: JSONValue?

    var isRejected: Bool { outcome == "rejected" }

    /// Each error as `field: message` (or the message alone), for Open311's descriptions.
    var errorLines: [String] {
        guard case .array(let entries)? = errors else { return [] }
        return entries.map { entry in
            guard case .object(let fields) = entry else { return entry.description }
            let message = fields["message"]?.stringValue ?? fields["code"]?.stringValue ?? "invalid"
            if let field = fields["field"]?.stringValue { return "\(field): \(message)" }
            return message
        }
    }
}

/// Why the gateway could not take a demand now: the broker or the database is unreachable.
struct GatewayUnavailable: Error, Sendable {
    var reason: String
}

/// The gateway's two jobs: publish a posted demand with publisher confirms, then wait a short
/// while for intake's outcome by polling `demands` (routing key, message_id, adapter, via): known
/// → the outcome; not yet → nil (the caller answers "queued"). It never writes a database table.
struct DemandGateway: Sendable {
    let pool: PostgresPool
    let publisher: AMQPPublisher
    /// How long to wait for the outcome (`WHISTLE_INTAKE_WAIT_MS`).
    let wait: Duration
    let logger: Logger
    /// How often the outcome is looked for while waiting.
    var pollInterval: Duration = .milliseconds(25)
    /// How long the broker may take to confirm.
    var publishTimeout: Duration = .seconds(5)

    /// The registered client whose key is `key`, revoked or not; nil for an unknown key.
    func client(key: String) async throws(GatewayUnavailable) -> APIClient? {
        do {
            return try await pool.withConnection { connection in try APIClientStore.find(connection, key: key) }
        } catch {
            throw GatewayUnavailable(reason: "the client registry could not be read")
        }
    }

    /// The client `id`, revoked or not.
    func client(id: String) async throws(GatewayUnavailable) -> APIClient? {
        do {
            return try await pool.withConnection { connection in try APIClientStore.find(connection, id: id) }
        } catch {
            throw GatewayUnavailable(reason: "the client registry could not be read")
        }
    }

    /// Publishes `demand` with `body` (unless its outcome is already known: a retry) and waits for
    /// the outcome; nil when it is still queued after the wait.
    func submit(_ demand: GatewayDemand, body: [UInt8]) async throws(GatewayUnavailable) -> GatewayOutcome? {
        if let known = try await outcome(of: demand) { return known }
        let outcomes: [PublishOutcome]
        do {
            outcomes = try await publisher.publish([demand.message(body: body)], timeout: publishTimeout)
        } catch {
            logger.warning("gateway publish failed", metadata: ["message.id": "\(demand.messageId)", "error": "\(error)"])
            throw GatewayUnavailable(reason: "the message broker did not take the demand")
        }
        guard outcomes == [.confirmed] else {
            logger.warning("gateway publish not confirmed", metadata: ["message.id": "\(demand.messageId)", "outcome": "\(outcomes)"])
            throw GatewayUnavailable(reason: "the message broker did not take the demand (\(outcomes.first.map { "\($0)" } ?? "none"))")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + wait
        while clock.now < deadline {
            do {
                try await Task.sleep(for: min(pollInterval, deadline - clock.now))
            } catch {
                return nil
            }
            if let known = try await outcome(of: demand) { return known }
        }
        return nil
    }

    /// The stored outcome of `demand`, nil when intake has not stored it (yet).
    func outcome(of demand: GatewayDemand) async throws(GatewayUnavailable) -> GatewayOutcome? {
        do {
            let row = try await pool.withConnection { connection -> (String, String?, String?)? in
                try connection.query(
                    """
                    SELECT outcome, ticket_no, errors::text FROM demands
                    WHERE routing_key = $1 AND message_id = $2 AND adapter = $3 AND via = $4
                    """, [demand.channel.routingKey, demand.messageId, demand.client, demand.via]
                ).first.map { (try $0.decode(0), try $0.decodeIfPresent(1), try $0.decodeIfPresent(2)) }
            }
            guard let (outcome, ticketNo, errors) = row else { return nil }
            let parsed = try errors.map { try JSONParser().parse($0) }
            return GatewayOutcome(outcome: outcome, ticketNo: ticketNo, errors: parsed)
        } catch {
            throw GatewayUnavailable(reason: "the demands could not be read")
        }
    }
}
