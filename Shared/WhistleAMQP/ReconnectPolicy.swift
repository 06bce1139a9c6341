/// When to try again after a connection fails: capped exponential backoff with jitter.
///
/// A pure state machine: `failed()` returns the delay before the next attempt (or nil once
/// `maxAttempts` consecutive failures are reached); `connected()` starts over.
public struct ReconnectPolicy: Sendable, Equatable {
    public var initialDelayMilliseconds: Int
    public var maxDelayMilliseconds: Int
    public var multiplier: Double
    /// Fraction of each delay drawn at random (0.2: the delay is 80–100 % of the nominal value).
    public var jitter: Double
    /// Consecutive failures after which to give up; nil retries forever.
    public var maxAttempts: Int?
    /// Consecutive failures so far.
    public private(set) var failures = 0

    public init(
        initialDelayMilliseconds: Int = 100, maxDelayMilliseconds: Int = 5000, multiplier: Double = 2,
        jitter: Double = 0.2, maxAttempts: Int? = nil
    ) {
        self.initialDelayMilliseconds = initialDelayMilliseconds
        self.maxDelayMilliseconds = maxDelayMilliseconds
        self.multiplier = multiplier
        self.jitter = jitter
        self.maxAttempts = maxAttempts
    }

    /// Records a failed attempt; returns how long to wait before the next, or nil to give up.
    public mutating func failed<R: RandomNumberGenerator>(using random: inout R) -> Int? {
        failures += 1
        if let maxAttempts, failures >= maxAttempts { return nil }
        var nominal = Double(initialDelayMilliseconds)
        for _ in 1..<failures {
            nominal *= multiplier
            if nominal >= Double(maxDelayMilliseconds) { break }
        }
        nominal = min(nominal, Double(maxDelayMilliseconds))
        let spread = nominal * jitter
        let delay = nominal - (spread > 0 ? Double.random(in: 0...spread, using: &random) : 0)
        return max(1, Int(delay))
    }

    /// Records a failed attempt with the system's random numbers.
    public mutating func failed() -> Int? {
        var random = SystemRandomNumberGenerator()
        return failed(using: &random)
    }

    /// Records a successful connection: the next failure starts from the initial delay.
    public mutating func connected() { failures = 0 }
}
