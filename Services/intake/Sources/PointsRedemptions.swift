import Foundation
import WhistleAMQP
import WhistleDomain
import WhistleMessages
import WhistlePostgres
import WhistleReliability

/// Streets' redemptions of points (积分回馈), routing key `points` on `whistle.intake` (CONTRACT
/// §10): validated (`PointsRedemptionValidator`), sent only by the street office's own broker user
/// (`SenderRules.redemptionProblem`), once per (by, external_id), and never below zero — answered
/// with `points.redeemed`, or `points.rejected` listing every error. The reporters' accounts are
/// locked in sorted order, so that redemptions and awards of one reporter run one after the other.
struct PointsRedemptions {
    let connection: PostgresConnection
    let outbox: Outbox
    let reference: ReferenceCache
    let timeZone: TimeZone
    let now: Date
    let senders: SenderRules

    func record(_ messages: [InboundMessage]) throws {
        // Fresh codes: a street office seeded a moment ago may redeem at once.
        let snapshot = try reference.freshSnapshot(on: connection)
        let validator = PointsRedemptionValidator(reference: snapshot.codes)
        var events: [OutboundMessage] = []
        var checked: [(message: InboundMessage, source: MessageSource, redemption: PointsRedemption)] = []
        for message in messages {
            let readable = PointsRedemptionValidator.readable(message.body)
            let source = MessageSource(channel: nil, externalId: readable.externalId, messageId: message.messageId)
            var errors: [FieldError] = []
            var by = readable.by.flatMap { snapshot.codes.streetOffices.contains($0) ? $0 : nil }
            let validation = validator.validate(body: message.body)
            switch validation {
            case .invalid(let found): errors = found
            case .valid(let redemption): by = redemption.by
            }
            if let problem = message.messageIdError { errors.append(problem) }
            if let problem = senders.redemptionProblem(userId: message.delivery.userId, by: by) { errors.append(problem) }
            guard errors.isEmpty, case .valid(var redemption) = validation else {
                events.append(try rejected(source, errors, readable.by, readable.reporterRef))
                continue
            }
            // The reason is free text: a phone or ID number written into it never reaches the ledger.
            redemption.reason = PersonalData.maskText(redemption.reason)
            checked.append((message, source, redemption))
        }
        var balances = try lockAccounts(Set(checked.map(\.redemption.reporterRef)))
        var redeemed = try alreadyRedeemed(checked.map(\.redemption))
        var entries: [(source: MessageSource, redemption: PointsRedemption, street: String?)] = []
        for (_, source, redemption) in checked {
            var errors: [FieldError] = []
            if redeemed.contains([redemption.by, redemption.externalId]) {
                errors.append(
                    FieldError(
                        field: "external_id", code: .invalidValue,
                        message: "\(redemption.by) has already redeemed \(TextRules.quoted(redemption.externalId)); it is redeemed once"))
            }
            let balance = balances[redemption.reporterRef] ?? 0
            if let problem = PointsRule.redemptionProblem(points: redemption.points, balance: balance) { errors.append(problem) }
            guard errors.isEmpty else {
                events.append(try rejected(source, errors, redemption.by, redemption.reporterRef))
                continue
            }
            balances[redemption.reporterRef] = balance + redemption.points
            redeemed.insert([redemption.by, redemption.externalId])
            let street = snapshot.data.departments[redemption.by].flatMap { snapshot.data.street(of: $0.area)?.code }
            entries.append((source, redemption, street))
            let data = PointsRedeemed(
                source: source, by: redemption.by, reporterRef: redemption.reporterRef, points: redemption.points,
                reason: redemption.reason, balance: balance + redemption.points)
            events.append(try Outbox.event(EventEnvelope(type: .pointsRedeemed, occurredAt: now, ticketNo: nil, data: data)))
        }
        try insert(entries)
        try outbox.enqueue(connection, events)
    }

    private func rejected(_ source: MessageSource, _ errors: [FieldError], _ by: String?, _ reporterRef: String?) throws -> OutboundMessage
    {
        try Outbox.event(
            EventEnvelope(
                type: .pointsRejected, occurredAt: now, ticketNo: nil,
                data: PointsRejected(source: source, errors: errors, by: by, reporterRef: reporterRef.map(PersonalData.maskText))))
    }

    /// Locks the existing accounts of `refs` in sorted order; a reporter without one has nothing
    /// to redeem (no account is made for him).
    private func lockAccounts(_ refs: Set<String>) throws -> [String: Int] {
        guard !refs.isEmpty else { return [:] }
        var balances: [String: Int] = [:]
        for row in try connection.query(
            "SELECT reporter_ref, balance FROM points_accounts WHERE reporter_ref = ANY($1::text[]) ORDER BY reporter_ref FOR UPDATE",
            [refs.sorted()])
        {
            balances[try row.decode(0, as: String.self)] = try row.decode(1, as: Int.self)
        }
        return balances
    }

    /// The (by, external_id) pairs among `redemptions` that the ledger holds already.
    private func alreadyRedeemed(_ redemptions: [PointsRedemption]) throws -> Set<[String]> {
        guard !redemptions.isEmpty else { return [] }
        var pairs: Set<[String]> = []
        for row in try connection.query(
            """
            SELECT e.by_department, e.external_id FROM points_entries e
            JOIN unnest($1::text[], $2::text[]) AS r(by, ext) ON e.by_department = r.by AND e.external_id = r.ext
            WHERE e.kind = 'redemption'
            """, [TextArray(redemptions.map(\.by)), TextArray(redemptions.map(\.externalId))])
        {
            pairs.insert([try row.decode(0), try row.decode(1)])
        }
        return pairs
    }

    /// The redemption entries, and the balances they leave.
    private func insert(_ entries: [(source: MessageSource, redemption: PointsRedemption, street: String?)]) throws {
        guard !entries.isEmpty else { return }
        let year = String(PointsRule.year(of: now, in: timeZone))
        _ = try connection.query(
            """
            INSERT INTO points_entries (reporter_ref, kind, points, reason, street_code, by_department, external_id, message_id, year, at)
            SELECT e.ref, 'redemption', e.points::int, e.reason, e.street, e.by, e.ext, e.mid, $7::int, $8
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $9::text[])
                WITH ORDINALITY AS e(ref, points, reason, street, by, ext, mid, n)
            ORDER BY e.n
            """,
            [
                TextArray(entries.map(\.redemption.reporterRef)), TextArray(entries.map { String($0.redemption.points) }),
                TextArray(entries.map(\.redemption.reason)), TextArray(entries.map(\.street)), TextArray(entries.map(\.redemption.by)),
                TextArray(entries.map(\.redemption.externalId)), year, now, TextArray(entries.map(\.source.messageId)),
            ])
        var changes: [String: Int] = [:]
        for entry in entries { changes[entry.redemption.reporterRef, default: 0] += entry.redemption.points }
        try PointsLedger.addToBalances(changes, on: connection)
    }
}
