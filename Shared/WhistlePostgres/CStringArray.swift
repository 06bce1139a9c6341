/// NUL-terminated copies of strings in one buffer this object owns, with a NULL-terminated array
/// of pointers into it, for C calls that take `const char *const *` (keywords, values, parameters).
///
/// The memory lives as long as the object: keep it alive (`withExtendedLifetime`) until the C call
/// has returned. A nil string becomes a NULL pointer.
final class CStringArray {
    private let buffer: UnsafeMutablePointer<CChar>
    private let array: UnsafeMutablePointer<UnsafePointer<CChar>?>
    /// How many strings (the terminating NULL not counted).
    let count: Int

    init(_ strings: [String?]) {
        var total = 0
        for string in strings { total += (string?.utf8.count ?? 0) + 1 }
        buffer = .allocate(capacity: max(total, 1))
        array = .allocate(capacity: strings.count + 1)
        count = strings.count
        var offset = 0
        for (index, string) in strings.enumerated() {
            guard let string else {
                array[index] = nil
                continue
            }
            let utf8 = string.utf8
            let length = utf8.count
            UnsafeMutableRawBufferPointer(start: buffer + offset, count: length).copyBytes(from: utf8)
            buffer[offset + length] = 0
            array[index] = UnsafePointer(buffer + offset)
            offset += length + 1
        }
        array[strings.count] = nil
    }

    deinit {
        buffer.deallocate()
        array.deallocate()
    }

    /// The pointer array, valid while this object lives.
    var pointers: UnsafePointer<UnsafePointer<CChar>?> { UnsafePointer(array) }
}
