import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension PostgresConnection {
    /// Checks an idle connection before it is reused, without a round trip.
    ///
    /// An idle connection should receive nothing. When its socket is readable, the server has
    /// either closed it (restart, `pg_terminate_backend`: a FATAL message then end of file) or
    /// sent a notice or notification. This reads what arrived (notifications are dropped; a FATAL
    /// reaches the notice receiver) and returns false when the connection is gone, so the pool can
    /// reopen it before running any statement on it.
    func isAliveWhileIdle() -> Bool {
        guard isUsable, let handle = currentHandle else { return false }
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        for _ in 0..<4 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 0)
            if ready == 0 { return isUsable }
            if ready < 0 { continue }
            if PQconsumeInput(handle) == 0 { return false }
            while let notification = PQnotifies(handle) { PQfreemem(notification) }
            if !isUsable { return false }
        }
        return isUsable
    }
}
