import Foundation
import WhistleMessages

/// Why a `deadline_policies` row could not be read.
public enum DeadlinePolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `channel` is not hotline, 12345, grid or petition.
    case unknownChannel(String)
    /// `urgency` is not normal or urgent.
    case unknownUrgency(String)
    /// A window (`acknowledge`, `resolve` or `extension`) is not a valid duration.
    case badDuration(field: String, DeadlineDurationError)
    /// Only one of `extension_amount` and `extension_unit` is set.
    case incompleteExtension

    public var description: String {
        switch self {
        case .unknownChannel(let text): "unknown channel \"\(text)\" (hotline, 12345, grid or petition)"
        case .unknownUrgency(let text): "unknown urgency \"\(text)\" (normal or urgent)"
        case .badDuration(let field, let error): "\(field): \(error)"
        case .incompleteExtension: "extension_amount and extension_unit must be both set or both empty"
        }
    }
}

/// The deadlines of one channel × urgency: one row of `deadline_policies`, one item of
/// deploy/seed/deadlines.yaml.
public struct DeadlinePolicy: Sendable, Hashable {
    /// `channel`.
    public var channel: Channel
    /// `urgency`.
    public var urgency: Urgency
    /// `acknowledge_*`: the 签收/受理告知 window, counted from dispatch.
    public var acknowledge: DeadlineDuration
    /// `resolve_*`: the 办结 window, counted from dispatch.
    public var resolve: DeadlineDuration
    /// `extension_*` (the seed's `extension`): one extra resolve window a department may ask for
    /// once; petitions only (信访工作条例: 30 days). Nil when the policy allows none.
    public var extensionWindow: DeadlineDuration?

    public init(
        channel: Channel, urgency: Urgency, acknowledge: DeadlineDuration, resolve: DeadlineDuration,
        extensionWindow: DeadlineDuration? = nil
    ) {
        self.channel = channel
        self.urgency = urgency
        self.acknowledge = acknowledge
        self.resolve = resolve
        self.extensionWindow = extensionWindow
    }

    /// A policy from the seed form of its windows, e.g. `acknowledge: "2h", resolve: "5wd"`.
    public static func parse(
        channel: Channel, urgency: Urgency, acknowledge: String, resolve: String, extensionWindow: String? = nil
    ) throws(DeadlinePolicyError) -> DeadlinePolicy {
        func duration(_ field: String, _ text: String) throws(DeadlinePolicyError) -> DeadlineDuration {
            do throws(DeadlineDurationError) {
                return try DeadlineDuration.parse(text)
            } catch {
                throw .badDuration(field: field, error)
            }
        }
        return DeadlinePolicy(
            channel: channel, urgency: urgency,
            acknowledge: try duration("acknowledge", acknowledge),
            resolve: try duration("resolve", resolve),
            extensionWindow: try extensionWindow.map { text throws(DeadlinePolicyError) in try duration("extension", text) })
    }

    /// A policy from the columns of a `deadline_policies` row, exactly as stored.
    public init(
        channel: String, urgency: String, acknowledgeAmount: Int, acknowledgeUnit: String,
        resolveAmount: Int, resolveUnit: String, extensionAmount: Int?, extensionUnit: String?
    ) throws(DeadlinePolicyError) {
        guard let channelValue = Channel(rawValue: channel) else { throw .unknownChannel(channel) }
        guard let urgencyValue = Urgency(rawValue: urgency) else { throw .unknownUrgency(urgency) }
        func duration(_ field: String, _ amount: Int, _ unit: String) throws(DeadlinePolicyError) -> DeadlineDuration {
            do throws(DeadlineDurationError) {
                return try DeadlineDuration(amount: amount, unitName: unit)
            } catch {
                throw .badDuration(field: field, error)
            }
        }
        var extensionValue: DeadlineDuration?
        switch (extensionAmount, extensionUnit) {
        case (nil, nil): extensionValue = nil
        case (let amount?, let unit?): extensionValue = try duration("extension", amount, unit)
        default: throw .incompleteExtension
        }
        self.init(
            channel: channelValue, urgency: urgencyValue,
            acknowledge: try duration("acknowledge", acknowledgeAmount, acknowledgeUnit),
            resolve: try duration("resolve", resolveAmount, resolveUnit),
            extensionWindow: extensionValue)
    }

    /// The acknowledgement deadline of work dispatched at `start`.
    public func acknowledgeDue(from start: Date, in calendar: WorkingCalendar) -> Date {
        calendar.add(acknowledge, to: start)
    }

    /// The resolve deadline of work dispatched at `start`.
    public func resolveDue(from start: Date, in calendar: WorkingCalendar) -> Date {
        calendar.add(resolve, to: start)
    }

    /// The resolve deadline after the one extension: `resolveDue` plus `extensionWindow`, counted
    /// from the current deadline. Nil when the policy has no extension. Whether the extension was
    /// already used is the caller's (see `AssignmentClock.extended(in:)`).
    public func extended(resolveDue: Date, in calendar: WorkingCalendar) -> Date? {
        extensionWindow.map { calendar.add($0, to: resolveDue) }
    }
}
