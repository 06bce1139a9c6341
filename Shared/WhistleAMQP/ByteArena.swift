import CRabbitMQ
import Foundation

/// Copies of Swift strings and bytes as `amqp_bytes_t`, owned until the arena is released.
///
/// `amqp_cstring_bytes` on a Swift string dangles; every `amqp_bytes_t` handed to rabbitmq-c
/// instead points into memory this arena allocated and frees in deinit, after the call.
final class ByteArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit { for block in blocks { free(block) } }

    func bytes(_ string: String) -> amqp_bytes_t { bytes(Array(string.utf8)) }

    func bytes(_ data: [UInt8]) -> amqp_bytes_t {
        guard !data.isEmpty, let block = malloc(data.count) else { return amqp_bytes_t(len: 0, bytes: nil) }
        data.withUnsafeBytes { source in block.copyMemory(from: source.baseAddress!, byteCount: data.count) }
        blocks.append(block)
        return amqp_bytes_t(len: data.count, bytes: block)
    }

    /// A table over entries whose memory the arena owns.
    func table(_ entries: [amqp_table_entry_t]) -> amqp_table_t {
        guard !entries.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let size = MemoryLayout<amqp_table_entry_t>.stride * entries.count
        guard let block = malloc(size) else { return amqp_table_t(num_entries: 0, entries: nil) }
        blocks.append(block)
        let typed = block.bindMemory(to: amqp_table_entry_t.self, capacity: entries.count)
        for (i, entry) in entries.enumerated() { (typed + i).initialize(to: entry) }
        return amqp_table_t(num_entries: Int32(entries.count), entries: typed)
    }
}

extension amqp_bytes_t {
    /// A Swift copy of bytes that live in rabbitmq-c's pools.
    var array: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }

    /// A Swift copy as text (lossy for invalid UTF-8).
    var string: String { String(decoding: array, as: UTF8.self) }
}
