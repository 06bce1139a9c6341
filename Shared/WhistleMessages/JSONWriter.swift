import Foundation

/// A type that writes its own wire JSON, byte for byte what `WhistleJSON`'s `JSONEncoder` would
/// produce (snake_case keys in sorted order, the same nulls), only much faster. Hot message
/// types adopt it; `WhistleJSON.encode` uses it when it can.
public protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}

/// Appends compact JSON to a byte buffer. The caller writes object keys in sorted order.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    public mutating func endObject() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    public mutating func endArray() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes `"key":`; the value follows.
    public mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma[needsComma.count - 1] = false
    }

    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case 0x0A: bytes.append(contentsOf: [92, 110])
            case 0x0D: bytes.append(contentsOf: [92, 114])
            case 0x09: bytes.append(contentsOf: [92, 116])
            case 0x08: bytes.append(contentsOf: [92, 98])
            case 0x0C: bytes.append(contentsOf: [92, 102])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func number(_ value: Int) {
        separate()
        bytes.append(contentsOf: Array(String(value).utf8))
    }

    /// A finite double as Foundation's encoder writes it (integral values without a fraction).
    public mutating func number(_ value: Double) {
        separate()
        if value == value.rounded(), abs(value) < 1e15 {
            bytes.append(contentsOf: Array(String(Int64(value)).utf8))
        } else {
            bytes.append(contentsOf: Array("\(value)".utf8))
        }
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: Array((value ? "true" : "false").utf8))
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: [110, 117, 108, 108])
    }

    public mutating func date(_ value: Date) { string(RFC3339.format(value)) }

    public mutating func value<T: JSONWritable>(_ value: T) { value.write(to: &self) }

    /// `"key":value`, or nothing when the value is nil (synthesized `encodeIfPresent`).
    public mutating func optional(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        self.key(key)
        string(value)
    }

    /// `"key":value` or `"key":null`.
    public mutating func nullable(_ key: StaticString, _ value: String?) {
        self.key(key)
        if let value { string(value) } else { null() }
    }

    private mutating func separate() {
        let depth = needsComma.count - 1
        if needsComma[depth] { bytes.append(UInt8(ascii: ",")) }
        needsComma[depth] = true
    }

    private static let hex = Array("0123456789abcdef".utf8)
}
