import CRabbitMQ
import Foundation
import Logging
import NIOConcurrencyHelpers
import WhistleConcurrency

/// One broker connection (channel 1) confined to its own thread, opened on first use and
/// opened again, with the same set-up, after it fails.
///
/// Every rabbitmq-c call runs as a job on the connection's `ConnectionThread`. The `setup` closure
/// runs on each new connection before anything else (declare the topology, `confirm.select`,
/// `basic.qos`, `basic.consume`), so a reconnect restores the whole channel state.
///
/// With several broker nodes (`AMQPConfiguration.nodes`, one cluster) a connection attempt tries
/// the nodes in order, starting after the node that failed last, until one accepts the connection
/// and its set-up; when a live connection breaks, the next attempt starts with the following node.
/// Each node and each failover is logged as `host:port` (never the password).
public final class AMQPConnection: @unchecked Sendable {
    public let configuration: AMQPConfiguration
    public let name: String
    let logger: Logger
    let thread: ConnectionThread
    private let setup: @Sendable (AMQPHandle) throws -> Void
    private let flags = NIOLockedValueBox((connected: false, closed: false))
    // Confined to `thread`:
    var handle: AMQPHandle?
    private var generation: UInt64 = 0
    /// Index in `configuration.nodes` of the node the next connection attempt tries first.
    private var nextNode = 0
    /// Index of the node the live handle is connected to.
    private var currentNode = 0

    init(configuration: AMQPConfiguration, name: String, logger: Logger, setup: @escaping @Sendable (AMQPHandle) throws -> Void) {
        self.configuration = configuration
        self.name = name
        self.logger = logger
        self.setup = setup
        self.thread = ConnectionThread(name: "amqp-\(name)")
    }

    /// A plain connection (no consumer, no confirms) for administrative calls.
    public convenience init(configuration: AMQPConfiguration, name: String, logger: Logger) {
        self.init(configuration: configuration, name: name, logger: logger, setup: { _ in })
    }

    /// True while the last attempt to use the connection succeeded (for `/healthz`).
    public var isConnected: Bool { flags.withLockedValue { $0.connected } }

    /// Runs `body` with the live handle, connecting first when needed. A failure that breaks the
    /// connection drops it, so that the next call reconnects.
    func withHandle<T: Sendable>(_ body: @escaping @Sendable (AMQPHandle, UInt64) throws -> T) async throws -> T {
        try await thread.run { [self] in
            if isClosed { throw AMQPError(.closed, "connection \(name) is closed") }
            let live: AMQPHandle
            if let handle, handle.healthy {
                live = handle
            } else {
                handle = nil
                do {
                    let fresh = try open()
                    generation += 1
                    handle = fresh
                    live = fresh
                    setConnected(true)
                } catch {
                    setConnected(false)
                    throw error
                }
            }
            do {
                return try body(live, generation)
            } catch {
                if !live.healthy {
                    handle = nil
                    setConnected(false)
                    let node = configuration.nodes[currentNode]
                    if Self.isNodeFailure(error) { nextNode = (currentNode + 1) % configuration.nodes.count }
                    logger.warning(
                        "AMQP connection lost",
                        metadata: [
                            "amqp.connection": "\(name)", "amqp.node": "\(node)", "amqp.next_node": "\(configuration.nodes[nextNode])",
                            "error": "\(error)",
                        ])
                }
                throw error
            }
        }
    }

    /// Closes the connection politely and ends its thread (joined); later calls throw `.closed`.
    public func close() async {
        flags.withLockedValue { $0.closed = true }
        do {
            try await thread.run { [self] in
                handle = nil
                setConnected(false)
            }
        } catch {
            // Cancelled, or closed before: the handle is freed with this object.
            setConnected(false)
        }
        await thread.shutdown()
    }

    /// Opens a handle and runs the set-up on it, trying every node once, starting with `nextNode`.
    /// Runs on `thread`. With one node, the error is that node's; with several, the last node's
    /// error (its code and reply code) with every node's reason in the message.
    private func open() throws -> AMQPHandle {
        let nodes = configuration.nodes
        guard !nodes.isEmpty else { throw AMQPError(.invalidURL, "the broker configuration names no node") }
        var reasons: [String] = []
        var lastError: any Error = AMQPError(.connection, "no broker node was tried")
        let start = nextNode
        for offset in 0..<nodes.count {
            let index = (start + offset) % nodes.count
            let node = nodes[index]
            do {
                let fresh = try AMQPHandle(configuration: configuration, node: node)
                try setup(fresh)
                currentNode = index
                nextNode = index
                logger.info(
                    "AMQP connected",
                    metadata: ["amqp.connection": "\(name)", "amqp.node": "\(node)", "amqp.broker": "\(configuration.redacted)"])
                return fresh
            } catch {
                nextNode = (index + 1) % nodes.count
                lastError = error
                reasons.append("\(node): \(error)")
                if nodes.count > 1 {
                    logger.warning(
                        "AMQP node failed; trying the next",
                        metadata: [
                            "amqp.connection": "\(name)", "amqp.node": "\(node)", "amqp.next_node": "\(nodes[nextNode])",
                            "error": "\(error)",
                        ])
                }
            }
        }
        guard nodes.count > 1, let last = lastError as? AMQPError else { throw lastError }
        throw AMQPError(last.code, "no broker node could be used: " + reasons.joined(separator: "; "), replyCode: last.replyCode)
    }

    /// True when `error` means the node (or the way to it) failed, not that the broker refused one
    /// request on a healthy node (a channel closed with 403, 404, 405 or 406).
    static func isNodeFailure(_ error: any Error) -> Bool {
        guard let error = error as? AMQPError else { return true }
        switch error.code {
        case .connection, .timeout: return true
        case .brokerClosed: return ![403, 404, 405, 406].contains(error.replyCode ?? 0)
        case .invalidURL, .closed: return false
        }
    }

    private var isClosed: Bool { flags.withLockedValue { $0.closed } }

    func setConnected(_ value: Bool) { flags.withLockedValue { $0.connected = value } }
}

extension AMQPConnection {
    /// Declares exchanges, queues and bindings.
    public func declare(_ topology: Topology) async throws {
        try await withHandle { handle, _ in try topology.declare(on: handle) }
    }

    /// The ready-message and consumer counts of a queue (passive declare).
    public func queueStatus(_ queue: String) async throws -> (messages: Int, consumers: Int) {
        try await withHandle { handle, _ in
            let status = try handle.inspectQueue(queue)
            return (status.messages, status.consumers)
        }
    }

    /// Purges a queue; returns the number of messages removed.
    public func purge(_ queue: String) async throws -> Int {
        try await withHandle { handle, _ in try handle.purgeQueue(queue) }
    }

    /// Deletes a queue.
    public func deleteQueue(_ queue: String) async throws {
        try await withHandle { handle, _ in try handle.deleteQueue(queue) }
    }
}

extension AMQPConnection {
    /// Sends a heartbeat on a live connection (rabbitmq-c has no thread of its own to do it while
    /// the owner is busy elsewhere). Does not connect.
    public func keepAlive() async {
        // A closed connection or a cancelled task has nothing to keep alive: `run` throws, and
        // the heartbeat is simply not sent.
        _ = try? await thread.run { [self] in
            guard let handle, handle.healthy else { return }
            if whistle_send_heartbeat(handle.state) < 0 {
                handle.markBroken()
                self.handle = nil
                setConnected(false)
                nextNode = (currentNode + 1) % configuration.nodes.count
                logger.warning(
                    "AMQP connection lost (heartbeat)",
                    metadata: ["amqp.connection": "\(name)", "amqp.node": "\(configuration.nodes[currentNode])"])
            }
        }
    }
}
