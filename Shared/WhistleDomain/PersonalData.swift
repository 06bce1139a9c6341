/// Personal data written into free text (CONTRACT §8): mainland mobile numbers, landline numbers
/// and 18-digit resident ID numbers that a citizen or an operator typed into a demand's content, a
/// title, a note, a result or a comment. `maskText` is the one function every surface uses before
/// such text leaves the system for someone who may not see it (HTTP responses, CSV, notifications,
/// `whistlectl` output).
///
/// What is recognised, in a run of digits with single spaces or hyphens between groups, optionally
/// behind `+86` / `0086` / `(0xx)`, and not glued to a letter or another digit:
///
/// | form | example | masked |
/// |---|---|---|
/// | mobile: 11 digits, `1[3-9]…` | `138 1234 5678`, `+86-13812345678` | `138****5678` |
/// | landline with area code: `0` + 9–11 digits | `010-62345678`, `(0871)6543210` | `010****5678` |
/// | local landline: 7–8 digits starting 2–9 | `62345678` | `****5678` |
/// | resident ID: 17 digits + digit or `X` | `11010519491231002X` | `110***********002X` |
///
/// Decided here: groups of one or two digits are never part of a number (`2026-11-21` and
/// `2026-11-21T10:00:00+08:00` are dates); a run glued to a letter before it (a ticket number `W20261121-000123`, a code
/// `G-QS-01`, an account name) is never a phone; separators inside a masked number are dropped; a run that matches none of
/// the forms is kept as it is (an amount, a year, a house number). A local 7–8 digit number can
/// also be a compact date (`20261121`): it is masked too — masking too much is the safe side.
public enum PersonalData {
    /// `text` with every phone number and resident ID number masked.
    public static func maskText(_ text: String) -> String {
        let characters = Array(text)
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard startsNumber(characters, at: index), !gluedBefore(characters, index) else {
                if isWordCharacter(character) {
                    // Copy the whole word (letters, digits, hyphens) so no number inside it is read.
                    let end = wordEnd(characters, from: index)
                    out.append(contentsOf: String(characters[index..<end]))
                    index = end
                } else {
                    out.append(character)
                    index += 1
                }
                continue
            }
            let end = numberEnd(characters, from: index)
            out.append(contentsOf: maskGroups(Array(characters[index..<end])))
            index = end
        }
        return out
    }

    /// Whether a JSON member named `key` is an identifier (`id`, `*_id`, `*_no`: a ticket number,
    /// an assignment id, a message id) that stays whole wherever the strings of JSON data go
    /// through `maskText`: it must stay useful, and `maskText` already never reads a number glued
    /// to a letter.
    public static func isIdentifier(key: String) -> Bool {
        key == "id" || key.hasSuffix("_id") || key.hasSuffix("_no")
    }

    // MARK: - Recognising a number

    /// A number starts at a digit, a `+` before a digit, or a `(` before `0`.
    static func startsNumber(_ c: [Character], at i: Int) -> Bool {
        if isDigit(c[i]) { return true }
        if c[i] == "+", i + 1 < c.count, isDigit(c[i + 1]) { return true }
        if c[i] == "(", i + 1 < c.count, c[i + 1] == "0" { return true }
        return false
    }

    /// The end of a run of digits with single separators (space, hyphen, brackets) between them,
    /// and an `X`/`x` right after 17 digits.
    static func numberEnd(_ c: [Character], from start: Int) -> Int {
        var i = start
        var digits = 0
        func digit(at index: Int) -> Bool { index < c.count && isDigit(c[index]) }
        while i < c.count {
            let character = c[i]
            if isDigit(character) {
                digits += 1
            } else if (character == "X" || character == "x") && digits == 17 {
                return i + 1
            } else if character == "+" && i == start || character == "(" && (i == start || digit(at: i + 1)) {
                // a leading `+86` or `(010)`
            } else if character == ")" && digits > 0
                && (digit(at: i + 1) || (c.indices.contains(i + 1) && " -".contains(c[i + 1]) && digit(at: i + 2)))
            {
                // the end of an area code in brackets
            } else if (character == " " || character == "-") && digits > 0 && digit(at: i + 1) {
                // one separator between groups
            } else {
                break
            }
            i += 1
        }
        // A trailing bracket or separator is not part of the number.
        while i > start, !isDigit(c[i - 1]), c[i - 1] != "X", c[i - 1] != "x" { i -= 1 }
        return i
    }

    /// Masks the groups of one run: the longest prefix of groups that forms a number is masked,
    /// then the rest is read again, so `13812345678 13912345678` masks both.
    static func maskGroups(_ run: [Character]) -> String {
        let groups = split(run)
        var out = ""
        var first = 0
        while first < groups.count {
            var matched: (end: Int, masked: String)?
            var joined = ""
            for last in first..<groups.count {
                // Phone and ID numbers are written in groups of 3 or more digits (a leading
                // `+86` aside); `2026-11-21` is a date.
                if last > first || !groups[last].text.hasPrefix("+") {
                    guard groups[last].text.filter(isDigit).count >= 3 else { break }
                }
                joined += groups[last].text
                if let masked = mask(joined) { matched = (last, masked) }
            }
            if let matched {
                out += groups[first].leading + matched.masked
                first = matched.end + 1
            } else {
                out += groups[first].leading + groups[first].text
                first += 1
            }
        }
        return out
    }

    /// One group of a run: its characters without separators, and the separators before it.
    struct Group {
        var leading: String
        var text: String
    }

    static func split(_ run: [Character]) -> [Group] {
        var groups: [Group] = []
        var leading = ""
        var text = ""
        for character in run {
            if isDigit(character) || character == "X" || character == "x" || character == "+" || character == "(" || character == ")" {
                text.append(character)
            } else {
                if !text.isEmpty {
                    groups.append(Group(leading: leading, text: text))
                    leading = ""
                    text = ""
                }
                leading.append(character)
            }
        }
        if !text.isEmpty || !leading.isEmpty { groups.append(Group(leading: leading, text: text)) }
        return groups
    }

    /// The masked form of `written` (digits with `+`, brackets), nil when it is no phone or ID.
    static func mask(_ written: String) -> String? {
        var digits = Array(written.filter { isDigit($0) || $0 == "X" || $0 == "x" })
        if written.hasPrefix("+86") || written.hasPrefix("0086") {
            digits.removeFirst(written.hasPrefix("+86") ? 2 : 4)
        } else if written.hasPrefix("+") {
            return nil
        } else if digits.count == 13, digits.starts(with: ["8", "6"]), digits[2] == "1" {
            digits.removeFirst(2)
        }
        let text = String(digits)
        let hidden = { (count: Int) in String(repeating: Masking.maskCharacter, count: count) }
        if digits.count == 18, digits.dropLast().allSatisfy(isDigit), isDigit(digits[17]) || digits[17] == "X" || digits[17] == "x" {
            return String(text.prefix(3)) + hidden(11) + String(text.suffix(4))
        }
        guard digits.allSatisfy(isDigit) else { return nil }
        switch (digits.count, digits.first) {
        case (11, "1") where ("3"..."9").contains(digits[1]):
            return String(text.prefix(3)) + hidden(4) + String(text.suffix(4))
        case (10...12, "0"):
            let area = digits[1] == "1" || digits[1] == "2" ? 3 : 4
            return String(text.prefix(area)) + hidden(digits.count - area - 4) + String(text.suffix(4))
        case (7...8, let first?) where ("2"..."9").contains(first) && !written.contains("+"):
            return hidden(digits.count - 4) + String(text.suffix(4))
        default:
            return nil
        }
    }

    // MARK: - Characters

    static func isDigit(_ character: Character) -> Bool { character.isASCII && character.isNumber }

    /// Letters and digits of ASCII, and `_`: what glues a digit run into a code or a ticket number.
    static func isWordCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_")
    }

    static func gluedBefore(_ c: [Character], _ i: Int) -> Bool {
        guard i > 0 else { return false }
        let before = c[i - 1]
        if isWordCharacter(before) { return true }
        // `W20261121-000123`: a hyphen after a word continues the word.
        if before == "-", i > 1, isWordCharacter(c[i - 2]) { return true }
        return false
    }

    /// The end of a word of letters, digits, `_` and inner hyphens.
    static func wordEnd(_ c: [Character], from start: Int) -> Int {
        var i = start
        while i < c.count {
            if isWordCharacter(c[i]) || c[i] == "+" && i == start {
                i += 1
            } else if c[i] == "-", i + 1 < c.count, isWordCharacter(c[i + 1]) {
                i += 1
            } else {
                break
            }
        }
        return max(i, start + 1)
    }
}
