/// Tracks publisher confirms on one channel: which published messages the broker has yet to
/// confirm, resolving `basic.ack` / `basic.nack` with or without `multiple`.
///
/// A pure state machine: the publisher feeds it what it published and what the broker answered;
/// it returns which messages are settled. When the connection is lost, `connectionLost()` hands
/// back everything unconfirmed, in publish order, for resending on a new channel.
public struct ConfirmTracker<ID: Sendable>: Sendable {
    private var outstanding: [(tag: UInt64, id: ID)] = []
    private var head = 0
    /// The delivery tag the broker will give the next publish on this channel.
    public private(set) var nextTag: UInt64 = 1

    public init() {}

    /// Messages published and neither acked nor nacked.
    public var outstandingCount: Int { outstanding.count - head }

    /// Records a publish; returns its delivery tag.
    @discardableResult
    public mutating func published(_ id: ID) -> UInt64 {
        let tag = nextTag
        nextTag += 1
        outstanding.append((tag, id))
        return tag
    }

    /// Settles on `basic.ack`: with `multiple`, every tag up to and including `tag`.
    public mutating func acked(_ tag: UInt64, multiple: Bool) -> [ID] { settle(tag, multiple: multiple) }

    /// Settles on `basic.nack`: the broker did not take these messages; the caller decides.
    public mutating func nacked(_ tag: UInt64, multiple: Bool) -> [ID] { settle(tag, multiple: multiple) }

    /// The channel is gone: returns every unconfirmed message in publish order and starts over
    /// (a new channel numbers its publishes from 1 again).
    public mutating func connectionLost() -> [ID] {
        let lost = outstanding[head...].map(\.id)
        outstanding = []
        head = 0
        nextTag = 1
        return lost
    }

    private mutating func settle(_ tag: UInt64, multiple: Bool) -> [ID] {
        var settled: [ID] = []
        if multiple {
            while head < outstanding.count, outstanding[head].tag <= tag {
                settled.append(outstanding[head].id)
                head += 1
            }
        } else if let index = find(tag) {
            settled.append(outstanding[index].id)
            if index == head {
                head += 1
            } else {
                outstanding.remove(at: index)
            }
        }
        if head > 256, head * 2 > outstanding.count {
            outstanding.removeFirst(head)
            head = 0
        }
        return settled
    }

    /// Binary search: tags are strictly increasing in `outstanding`.
    private func find(_ tag: UInt64) -> Int? {
        var low = head
        var high = outstanding.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let value = outstanding[mid].tag
            if value == tag { return mid }
            if value < tag { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }
}
