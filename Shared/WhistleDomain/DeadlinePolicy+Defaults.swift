import WhistleMessages

extension DeadlinePolicy {
    /// The defaults of DESIGN "Deadlines", used for a channel × urgency that the reference data
    /// has no row for: 12345 and hotline urgent 30 min / 24 h, normal 2 h / 5 working days; grid
    /// urgent 30 min / 24 h, normal 1 h / 3 working days; whistle (吹哨) as grid; petition 15
    /// days / 60 days with one extension of 30 days (信访工作条例).
    public static let defaults: [DeadlinePolicy] = {
        let table: [(Channel, Urgency, String, String, String?)] = [
            (.twelve345, .urgent, "30m", "24h", nil), (.twelve345, .normal, "2h", "5wd", nil),
            (.hotline, .urgent, "30m", "24h", nil), (.hotline, .normal, "2h", "5wd", nil),
            (.grid, .urgent, "30m", "24h", nil), (.grid, .normal, "1h", "3wd", nil),
            (.whistle, .urgent, "30m", "24h", nil), (.whistle, .normal, "1h", "3wd", nil),
            (.petition, .urgent, "15d", "60d", "30d"), (.petition, .normal, "15d", "60d", "30d"),
        ]
        return table.compactMap { channel, urgency, acknowledge, resolve, extensionWindow in
            try? DeadlinePolicy.parse(
                channel: channel, urgency: urgency, acknowledge: acknowledge, resolve: resolve, extensionWindow: extensionWindow)
        }
    }()
}

/// The deadline policies of the reference data by channel × urgency, falling back to
/// `DeadlinePolicy.defaults` for a pair without a row.
public struct DeadlinePolicies: Sendable {
    private let table: [String: DeadlinePolicy]

    public init(_ policies: [DeadlinePolicy]) {
        var table: [String: DeadlinePolicy] = [:]
        for policy in DeadlinePolicy.defaults + policies { table[Self.key(policy.channel, policy.urgency)] = policy }
        self.table = table
    }

    /// The policy for `channel` × `urgency`.
    public func policy(channel: Channel, urgency: Urgency) -> DeadlinePolicy {
        table[Self.key(channel, urgency)] ?? DeadlinePolicy.defaults[0]
    }

    private static func key(_ channel: Channel, _ urgency: Urgency) -> String { "\(channel.rawValue)|\(urgency.rawValue)" }
}
