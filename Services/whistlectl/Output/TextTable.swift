import Foundation

/// Plain-text tables for a terminal, aligned by display width: a CJK character takes two
/// columns, a combining mark none, so Chinese names line up with ASCII codes.
struct TextTable {
    var headers: [String]
    /// Columns aligned to the right (numbers).
    var rightAligned: Set<Int> = []
    private(set) var rows: [[String]] = []

    init(_ headers: [String], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
    }

    mutating func append(_ row: [String]) {
        rows.append(row.map(DisplayWidth.sanitized))
    }

    var isEmpty: Bool { rows.isEmpty }

    /// The table with a header line; columns two spaces apart, the last one not padded.
    func render(indent: String = "") -> String {
        let all = [headers] + rows
        var widths = Array(repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], DisplayWidth.of(cell))
            }
        }
        var lines: [String] = []
        for row in all {
            var line = indent
            for index in headers.indices {
                let cell = index < row.count ? row[index] : ""
                let last = index == headers.count - 1
                if index > 0 { line += "  " }
                if rightAligned.contains(index) {
                    line += DisplayWidth.pad(cell, to: widths[index], right: true)
                } else {
                    line += last ? cell : DisplayWidth.pad(cell, to: widths[index])
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// How many terminal columns text takes (East Asian Wide and Fullwidth characters take two).
enum DisplayWidth {
    static func of(_ text: String) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    /// A character's width: its widest scalar (so an emoji sequence or a letter with accents
    /// counts once), 0 when it is only marks or format characters.
    static func of(_ character: Character) -> Int {
        character.unicodeScalars.reduce(0) { max($0, of($1)) }
    }

    static func of(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: break
        }
        let value = scalar.value
        for range in wideRanges where range.contains(value) { return 2 }
        return 1
    }

    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x25FD...0x25FE, 0x2614...0x2615,
        0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    /// `text` padded with spaces to `width` display columns.
    static func pad(_ text: String, to width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - of(text)))
        return right ? fill + text : text + fill
    }

    /// The first `count` characters of `text`, with `…` when something was cut.
    static func prefix(_ text: String, characters count: Int) -> String {
        let clean = sanitized(text)
        guard clean.count > count else { return clean }
        return String(clean.prefix(count)) + "…"
    }

    /// Line breaks, tabs and other control characters as single spaces, so a cell stays on
    /// one line.
    static func sanitized(_ text: String) -> String {
        var out = ""
        var lastWasSpace = false
        for character in text {
            let isControl = character.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control }
            if isControl || character.isNewline {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(character)
                lastWasSpace = character == " "
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }
}
