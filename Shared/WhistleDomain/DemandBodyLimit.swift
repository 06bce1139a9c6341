import WhistleMessages

/// How large a demand's body may be (CONTRACT §1: a demand is refused, never dropped). A valid
/// demand is far smaller than `maxBytes`: written as plain UTF-8 (not `\u` escapes), even one at
/// every length limit (4000 characters of content, a 200-character title, a 500-character address,
/// ten 2048-character attachment URLs) stays under 40 KiB. A larger body is rejected with `too_large` without being parsed, and only its
/// first `keptBytes`, its length and its SHA-256 are stored. The broker itself refuses any message
/// over 1 MiB (`max_message_size`).
public enum DemandBodyLimit {
    /// The largest body intake reads as a demand: 64 KiB.
    public static let maxBytes = 65_536
    /// How much of a larger body is stored (the rest is described by its length and digest).
    public static let keptBytes = 4_096

    /// The error for a body of `byteCount` bytes whose SHA-256 is `sha256`; nil when it is not too large.
    public static func problem(byteCount: Int, sha256: String) -> FieldError? {
        guard byteCount > maxBytes else { return nil }
        return FieldError(
            field: nil, code: .tooLarge,
            message:
                "the body is \(byteCount) bytes (sha256 \(sha256)), more than the \(maxBytes) a demand may have; only its first \(keptBytes) bytes are kept"
        )
    }

    /// What is stored of `body`: all of it when it is not too large, else its first `keptBytes`.
    public static func stored(_ body: [UInt8]) -> [UInt8] {
        body.count > maxBytes ? Array(body.prefix(keptBytes)) : body
    }
}
