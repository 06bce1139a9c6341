/// The text measures of classification and merging: one normalisation and the character-bigram
/// Dice coefficient. Both work on Unicode scalars, as CONTRACT counts lengths.
///
/// **Normalisation** (`normalized`), scalar by scalar:
/// 1. a full-width ASCII form U+FF01…U+FF5E becomes its ASCII scalar (`Ａ１` → `A1`);
/// 2. the scalar is kept only if its general category is a letter (L*), a mark (M*) or a number
///    (N*): white space of every kind (incl. U+3000), punctuation (`，。！？、“”（）…` and ASCII),
///    symbols (`￥`, `℃`, emoji) and control or format characters are dropped;
/// 3. a kept scalar is replaced by its Unicode lowercase mapping (`A` → `a`; Chinese is unchanged).
///
/// **Dice** (`bigramDice`): the bigrams of a normalised text are its adjacent scalar pairs (a text
/// of n scalars has n − 1), counted as a multiset. Dice = 2 × |A ∩ B| / (|A| + |B|), where
/// |A ∩ B| sums, per bigram, the smaller of its two counts. When either text has fewer than two
/// scalars after normalisation there are no bigrams: the result is 1 if both normalised texts
/// are equal and non-empty, else 0.
public enum TextSimilarity {
    /// The normalised scalars of `text` (see the type's documentation).
    public static func normalizedScalars(_ text: String) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for original in text.unicodeScalars {
            var scalar = original
            if (0xFF01...0xFF5E).contains(scalar.value), let narrow = Unicode.Scalar(scalar.value - 0xFEE0) {
                scalar = narrow
            }
            guard isKept(scalar) else { continue }
            result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
        return result
    }

    /// The normalised text as a string.
    public static func normalized(_ text: String) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: normalizedScalars(text))
        return String(view)
    }

    /// Letters, marks and numbers are kept; everything else is dropped.
    static func isKept(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark,
            .decimalNumber, .letterNumber, .otherNumber:
            true
        default:
            false
        }
    }

    /// The character-bigram Dice coefficient of two texts, 0…1, after normalising both.
    public static func bigramDice(_ lhs: String, _ rhs: String) -> Double {
        bigramDice(normalizedScalars(lhs), normalizedScalars(rhs))
    }

    /// The Dice coefficient of two already normalised scalar sequences.
    public static func bigramDice(_ lhs: [Unicode.Scalar], _ rhs: [Unicode.Scalar]) -> Double {
        guard lhs.count >= 2, rhs.count >= 2 else {
            return !lhs.isEmpty && lhs == rhs ? 1 : 0
        }
        var counts: [Bigram: Int] = [:]
        for pair in bigrams(lhs) { counts[pair, default: 0] += 1 }
        var shared = 0
        for pair in bigrams(rhs) {
            if let left = counts[pair], left > 0 {
                counts[pair] = left - 1
                shared += 1
            }
        }
        return Double(2 * shared) / Double((lhs.count - 1) + (rhs.count - 1))
    }

    private struct Bigram: Hashable {
        var first: UInt32
        var second: UInt32
    }

    private static func bigrams(_ scalars: [Unicode.Scalar]) -> [Bigram] {
        zip(scalars, scalars.dropFirst()).map { Bigram(first: $0.value, second: $1.value) }
    }

    /// Whether `needle` occurs as a contiguous run in `haystack` (both scalar sequences).
    static func contains(_ haystack: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        let first = needle[0]
        var start = 0
        while start + needle.count <= haystack.count {
            if haystack[start] == first {
                var offset = 1
                while offset < needle.count, haystack[start + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            start += 1
        }
        return false
    }
}
