import CLibPQ
import Logging
import NIOConcurrencyHelpers
import WhistleConcurrency

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One notification received on a channel the listener `LISTEN`s to (`NOTIFY` / `pg_notify`).
public struct PostgresNotification: Sendable, Equatable {
    /// The channel it was sent on.
    public var channel: String
    /// The payload (empty when the sender gave none).
    public var payload: String
    /// The process ID of the server backend that sent it.
    public var senderPID: Int32

    /// A notification as received.
    public init(channel: String, payload: String, senderPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderPID = senderPID
    }
}

/// What a `PostgresListener` tells its owner, on the listener's thread.
public enum PostgresListenerEvent: Sendable {
    /// Connected and listening on every channel: the first time, or again after a loss.
    /// Notifications sent while the listener was not listening are lost, so the owner should
    /// look for work now rather than wait for the next notification.
    case listening
    /// A notification arrived.
    case notification(PostgresNotification)
    /// The connection could not be opened or was lost; the listener connects again after a
    /// backoff (50 ms doubling to 2 s).
    case disconnected(PostgresError)
}

/// Listens to PostgreSQL channels (`LISTEN`) on a connection of its own, so that a service sleeps
/// until something happens instead of polling.
///
/// The listener owns one libpq connection and one dedicated thread (a `ConnectionThread`). The
/// thread waits in `poll()` on the connection's socket and on a wake pipe, reads what arrived with
/// `PQconsumeInput`, and hands each `PQnotifies` entry to the owner's handler. An idle listener
/// costs no CPU: nothing wakes it but a notification, the wake pipe, or the connection's end (the
/// configuration's TCP keepalives notice a vanished server). A lost connection is reopened with
/// backoff, `LISTEN` is issued again, and `.listening` tells the owner to catch up. `stop()`
/// (or cancelling the task that awaits `run()`) writes to the wake pipe and ends the wait at once.
///
/// Every libpq or system failure becomes a `PostgresError`: thrown by `init` (the wake pipe),
/// passed to the handler as `.disconnected` (connecting, `LISTEN`, reading the socket).
public final class PostgresListener: Sendable {
    /// The channels listened to.
    public let channels: [String]
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let handler: @Sendable (PostgresListenerEvent) -> Void
    private let thread: ConnectionThread
    private let wake: WakePipe
    private let stopped = NIOLockedValueBox(false)

    /// A listener of `channels` on the database of `configuration` (its own connection, named
    /// `<application name> listener` in `pg_stat_activity`). Nothing connects before `run()`.
    ///
    /// - Parameter handler: called on the listener's thread for each event, in order. Keep it
    ///   short (signal a waiting task); it must not block.
    /// - Throws: `PostgresError` (`.connection`) when the wake pipe cannot be created.
    public init(
        configuration: PostgresConfiguration, channels: [String], logger: Logger,
        handler: @escaping @Sendable (PostgresListenerEvent) -> Void
    ) throws(PostgresError) {
        var configuration = configuration
        configuration.applicationName += " listener"
        self.configuration = configuration
        self.channels = channels
        var logger = logger
        logger[metadataKey: "pg.listener"] = "\(channels.joined(separator: ","))"
        self.logger = logger
        self.handler = handler
        wake = try WakePipe()
        thread = ConnectionThread(name: "postgres-listener")
    }

    /// Listens until `stop()` is called or the awaiting task is cancelled, reconnecting after
    /// every loss; returns once the connection is closed and the thread has ended.
    public func run() async {
        await withTaskCancellationHandler {
            do {
                try await thread.run { self.listenUntilStopped() }
            } catch {
                // Cancelled or stopped before the loop began: there is nothing to close.
                logger.debug("listener did not start", metadata: ["error": "\(error)"])
            }
        } onCancel: {
            stop()
        }
        await thread.shutdown()
    }

    /// Ends the listening at once (from any thread); `run()` then returns. Calling it again, or
    /// before `run()`, is harmless: a stopped listener does not start.
    public func stop() {
        stopped.withLockedValue { $0 = true }
        wake.signal()
    }

    private var isStopped: Bool { stopped.withLockedValue { $0 } }

    /// The loop on the listener's thread: connect, listen, wait; again after a loss.
    private func listenUntilStopped() {
        var failures = 0
        while !isStopped {
            let connection: PostgresConnection
            do {
                connection = try PostgresConnection.connect(configuration: configuration, logger: logger)
                for channel in channels { try connection.execute("LISTEN " + (try connection.quotedIdentifier(channel))) }
            } catch {
                failures += 1
                logger.warning("listener cannot listen; retrying", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                handler(.disconnected(error))
                wake.wait(milliseconds: Self.backoffMilliseconds(failures))
                continue
            }
            if failures > 0 { logger.info("listener listening again", metadata: ["after_failures": "\(failures)"]) }
            failures = 0
            handler(.listening)
            let lost = wait(on: connection)
            connection.close()
            guard let lost else { return }
            failures = 1
            logger.warning("listener connection lost; reconnecting", metadata: ["error": "\(lost)"])
            handler(.disconnected(lost))
            wake.wait(milliseconds: Self.backoffMilliseconds(failures))
        }
    }

    /// Waits for notifications on `connection` until the listener is stopped (nil) or the
    /// connection fails (its error).
    private func wait(on connection: PostgresConnection) -> PostgresError? {
        guard let handle = connection.rawHandle else { return PostgresError(.connection, "the connection is closed") }
        let socket = PQsocket(handle)
        guard socket >= 0 else { return PostgresError(.connection, "the connection has no socket") }
        while true {
            deliverNotifications(handle)
            if isStopped { return nil }
            var descriptors = [
                pollfd(fd: socket, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                let code = errno
                if code == EINTR { continue }
                return PostgresError(.connection, "poll on the listener's socket failed: \(String(cString: strerror(code)))")
            }
            if descriptors[1].revents != 0 {
                wake.drain()
                if isStopped { return nil }
            }
            if descriptors[0].revents != 0 {
                guard PQconsumeInput(handle) != 0 else {
                    let message = (PQerrorMessage(handle).map { String(cString: $0) } ?? "").trimmingWhitespace()
                    return PostgresError(.connection, message.isEmpty ? "the connection was lost" : message)
                }
                deliverNotifications(handle)
                guard connection.isUsable else { return PostgresError(.connection, "the server closed the connection") }
            }
        }
    }

    /// Hands every notification libpq has read to the handler, in order.
    private func deliverNotifications(_ handle: OpaquePointer) {
        while let raw = PQnotifies(handle) {
            let entry = raw.pointee
            let notification = PostgresNotification(
                channel: entry.relname.map { String(cString: $0) } ?? "", payload: entry.extra.map { String(cString: $0) } ?? "",
                senderPID: entry.be_pid)
            PQfreemem(raw)
            handler(.notification(notification))
        }
    }

    /// 50 ms · 2^(failures−1), at most 2 s.
    static func backoffMilliseconds(_ failures: Int) -> Int { min(50 << min(max(failures - 1, 0), 6), 2000) }
}

extension PostgresConnection {
    /// `name` quoted as an SQL identifier by libpq (`PQescapeIdentifier`), for statements such as
    /// `LISTEN` that take no parameters.
    func quotedIdentifier(_ name: String) throws(PostgresError) -> String {
        guard let handle = rawHandle else { throw PostgresError(.connection, "the connection is closed") }
        guard !name.utf8.contains(0) else { throw PostgresError(.query, "identifier contains a NUL character") }
        let quoted = name.withCString { PQescapeIdentifier(handle, $0, strlen($0)) }
        guard let quoted else {
            let message = PQerrorMessage(handle).map { String(cString: $0) } ?? "PQescapeIdentifier failed"
            throw PostgresError(.query, message.trimmingWhitespace())
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }
}
