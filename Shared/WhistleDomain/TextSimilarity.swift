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
        bigramDice(BigramProfile(lhs), BigramProfile(rhs))
    }

    /// The Dice coefficient of two profiles: the multiset intersection of their sorted bigrams,
    /// counted in one merge pass.
    public static func bigramDice(_ lhs: BigramProfile, _ rhs: BigramProfile) -> Double {
        guard lhs.length >= 2, rhs.length >= 2 else {
            return lhs.length > 0 && lhs.length == rhs.length && lhs.scalars == rhs.scalars ? 1 : 0
        }
        let left = lhs.sortedBigrams, right = rhs.sortedBigrams
        var i = 0, j = 0, shared = 0
        while i < left.count && j < right.count {
            if left[i] == right[j] {
                shared += 1
                i += 1
                j += 1
            } else if left[i] < right[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return Double(2 * shared) / Double(left.count + right.count)
    }

    /// A normalised text ready for many comparisons: its bigrams as sorted 64-bit keys.
    public struct BigramProfile: Sendable, Hashable {
        /// The normalised scalars, kept only when fewer than two (no bigram to compare).
        let scalars: [Unicode.Scalar]
        let length: Int
        let sortedBigrams: [UInt64]

        public init(_ normalized: [Unicode.Scalar]) {
            length = normalized.count
            scalars = normalized.count < 2 ? normalized : []
            var keys: [UInt64] = []
            keys.reserveCapacity(max(0, normalized.count - 1))
            for (first, second) in zip(normalized, normalized.dropFirst()) {
                keys.append(UInt64(first.value) << 32 | UInt64(second.value))
            }
            sortedBigrams = keys.sorted()
        }

        /// The profile of a text, normalised first.
        public init(text: String) { self.init(TextSimilarity.normalizedScalars(text)) }
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
