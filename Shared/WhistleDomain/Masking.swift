/// Masks personal data for audiences that may see only part of it (CONTRACT §3 and §6).
///
/// Phone numbers: separators (`-`, spaces, brackets, `+`) are dropped and only digits are
/// masked, one `*` per hidden digit. A leading country code written `+86` or `0086` is dropped
/// first, so `+86 138-1234-1234` masks like `13812341234`. How much stays visible depends on how
/// many digits are left, and never exceeds 7 digits:
///
/// | digits | kept | example |
/// |---|---|---|
/// | 11 or more | first 3 and last 4 | `13812341234` → `138****1234` |
/// | 8 to 10 | last 4 | `62345678` → `****5678` |
/// | 5 to 7 | last 2 | `12345` → `***45` |
/// | 1 to 4 | none | `110` → `***` |
/// | none | — | `""` |
///
/// Short numbers keep less because each kept digit gives away a larger share of them.
/// Other country codes are not recognised: `+1 415 555 0100` masks as the 11 digits
/// `14155550100`.
public enum Masking {
    /// The character that stands for a hidden digit or character.
    public static let maskCharacter: Character = "*"

    /// `phone` masked for an audience that must not see the whole number; "" when it holds no
    /// digit.
    public static func maskPhone(_ phone: String) -> String {
        let digits = nationalDigits(phone)
        let count = digits.count
        let (head, tail): (Int, Int)
        switch count {
        case 11...: (head, tail) = (3, 4)
        case 8...10: (head, tail) = (0, 4)
        case 5...7: (head, tail) = (0, 2)
        default: (head, tail) = (0, 0)
        }
        return String(digits.prefix(head)) + String(repeating: maskCharacter, count: count - head - tail)
            + String(digits.suffix(tail))
    }

    /// `name` with its first character kept and every further character (spaces included)
    /// shown as `*`, after trimming surrounding white space: `王小明` → `王**`, `欧阳娜娜` →
    /// `欧***`. A one-character name stays as it is; an empty or blank name gives "".
    /// Characters are user-perceived characters, so a combined emoji counts once.
    public static func maskName(_ name: String) -> String {
        let trimmed = name.trimmingWhitespace
        guard let first = trimmed.first else { return "" }
        return String(first) + String(repeating: maskCharacter, count: trimmed.count - 1)
    }

    /// The digits of `phone` without a leading `+86` / `0086` country code.
    static func nationalDigits(_ phone: String) -> [Character] {
        let trimmed = phone.trimmingWhitespace
        var digits = trimmed.filter { $0.isASCII && $0.isNumber }.map { $0 }
        let plus86 = trimmed.hasPrefix("+") && digits.starts(with: ["8", "6"])
        let double0 = digits.starts(with: ["0", "0", "8", "6"])
        if plus86 && digits.count > 2 {
            digits.removeFirst(2)
        } else if double0 && digits.count > 4 {
            digits.removeFirst(4)
        }
        return digits
    }
}

extension String {
    /// The string without leading and trailing white space (no Foundation needed).
    fileprivate var trimmingWhitespace: String {
        guard let start = firstIndex(where: { !$0.isWhitespace }),
            let end = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[start...end])
    }
}
