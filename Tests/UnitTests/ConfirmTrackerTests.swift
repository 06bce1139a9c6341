import Testing
import WhistleAMQP

@Suite("Publisher confirm tracking")
struct ConfirmTrackerTests {
    @Test("tags number publishes from 1 and single acks settle one message")
    func singleAcks() {
        var tracker = ConfirmTracker<String>()
        #expect(tracker.published("a") == 1)
        #expect(tracker.published("b") == 2)
        #expect(tracker.published("c") == 3)
        #expect(tracker.acked(2, multiple: false) == ["b"])
        #expect(tracker.outstandingCount == 2)
        #expect(tracker.acked(1, multiple: false) == ["a"])
        #expect(tracker.acked(3, multiple: false) == ["c"])
        #expect(tracker.outstandingCount == 0)
    }

    @Test("multiple settles every tag up to and including the given one, once")
    func multipleAcks() {
        var tracker = ConfirmTracker<Int>()
        for i in 1...10 { tracker.published(i) }
        #expect(tracker.acked(4, multiple: true) == [1, 2, 3, 4])
        #expect(tracker.acked(4, multiple: true) == [])
        #expect(tracker.nacked(6, multiple: true) == [5, 6])
        #expect(tracker.acked(8, multiple: false) == [8])
        #expect(tracker.acked(10, multiple: true) == [7, 9, 10])
        #expect(tracker.outstandingCount == 0)
    }

    @Test("an unknown or repeated tag settles nothing")
    func unknownTag() {
        var tracker = ConfirmTracker<Int>()
        tracker.published(1)
        #expect(tracker.acked(7, multiple: false) == [])
        #expect(tracker.acked(1, multiple: false) == [1])
        #expect(tracker.acked(1, multiple: false) == [])
    }

    @Test("a lost connection hands back the unconfirmed in publish order and restarts numbering")
    func connectionLost() {
        var tracker = ConfirmTracker<String>()
        for id in ["a", "b", "c", "d"] { tracker.published(id) }
        _ = tracker.acked(2, multiple: false)
        #expect(tracker.connectionLost() == ["a", "c", "d"])
        #expect(tracker.outstandingCount == 0)
        #expect(tracker.nextTag == 1)
        #expect(tracker.published("a") == 1)
    }

    @Test("thousands of streamed confirms with mixed multiple acks settle each message exactly once")
    func streamed() {
        var tracker = ConfirmTracker<Int>()
        var settled: [Int] = []
        for i in 0..<5000 {
            tracker.published(i)
            if i % 97 == 96 { settled += tracker.acked(UInt64(i + 1), multiple: true) }
        }
        settled += tracker.acked(5000, multiple: true)
        #expect(settled == Array(0..<5000))
    }
}

@Suite("Reconnect backoff")
struct ReconnectPolicyTests {
    struct Fixed: RandomNumberGenerator {
        var value: UInt64
        mutating func next() -> UInt64 { value }
    }

    @Test("delays double from the initial value and stop at the cap, without jitter")
    func doubling() {
        var policy = ReconnectPolicy(initialDelayMilliseconds: 100, maxDelayMilliseconds: 1000, jitter: 0)
        var random = Fixed(value: 0)
        let delays = (0..<6).map { _ in policy.failed(using: &random) }
        #expect(delays == [100, 200, 400, 800, 1000, 1000])
    }

    @Test("a success starts over from the initial delay")
    func reset() {
        var policy = ReconnectPolicy(initialDelayMilliseconds: 50, maxDelayMilliseconds: 5000, jitter: 0)
        var random = Fixed(value: 0)
        _ = policy.failed(using: &random)
        _ = policy.failed(using: &random)
        policy.connected()
        #expect(policy.failures == 0)
        #expect(policy.failed(using: &random) == 50)
    }

    @Test("jitter keeps each delay within its spread below the nominal value")
    func jitterBounds() {
        var policy = ReconnectPolicy(initialDelayMilliseconds: 1000, maxDelayMilliseconds: 1000, jitter: 0.25)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let delay = policy.failed(using: &random) ?? -1
            #expect(delay >= 750 && delay <= 1000)
        }
    }

    @Test("gives up after the maximum number of consecutive failures")
    func giveUp() {
        var policy = ReconnectPolicy(initialDelayMilliseconds: 10, maxDelayMilliseconds: 100, jitter: 0, maxAttempts: 3)
        var random = Fixed(value: 0)
        #expect(policy.failed(using: &random) == 10)
        #expect(policy.failed(using: &random) == 20)
        #expect(policy.failed(using: &random) == nil)
    }
}
