#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A self-pipe that wakes a thread blocked in `poll()`: `signal()` from any thread makes the read
/// end readable until `drain()`. Both ends are non-blocking and close-on-exec, and are closed in
/// deinit.
final class WakePipe: Sendable {
    /// The end a waiting thread polls.
    let readEnd: Int32
    private let writeEnd: Int32

    /// Creates the pipe; a failure of `pipe()` or `fcntl()` is a `.connection` error with the
    /// system's reason.
    init() throws(PostgresError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw Self.failure("pipe") }
        for end in ends {
            let flags = fcntl(end, F_GETFL)
            guard flags >= 0, fcntl(end, F_SETFL, flags | O_NONBLOCK) == 0, fcntl(end, F_SETFD, FD_CLOEXEC) == 0 else {
                let error = Self.failure("fcntl")
                close(ends[0])
                close(ends[1])
                throw error
            }
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Makes the read end readable. A full pipe is already readable, so a failed write is harmless.
    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe (after `poll()` reported it readable).
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// Sleeps up to `milliseconds`, or until signalled; true when it was signalled (the pipe is
    /// left readable, so that a later wait sees the signal too).
    @discardableResult
    func wait(milliseconds: Int) -> Bool {
        var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, Int32(clamping: milliseconds)) > 0
    }

    private static func failure(_ call: String) -> PostgresError {
        PostgresError(.connection, "cannot create the listener's wake pipe: \(call) failed: \(String(cString: strerror(errno)))")
    }
}
