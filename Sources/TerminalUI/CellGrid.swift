import CNCursesW
import Foundation
import OAuthCore

/// One screen position: a grapheme, how many columns it takes, and the role that decides its look.
public struct Cell: Sendable, Hashable {
    /// The grapheme shown here; empty for the right half of a wide character.
    public var text: String
    /// 1 for most characters, 2 for wide ones (CJK, emoji), 0 for the right half of a wide character.
    public var width: UInt8
    public var role: ThemeRole

    public init(text: String, width: UInt8, role: ThemeRole) {
        self.text = text
        self.width = width
        self.role = role
    }

    public static let blank = Cell(text: " ", width: 1, role: .background)
    var isContinuation: Bool { width == 0 }
}

/// An in-memory screen that views draw into. Every character reaches it through `write`, which escapes
/// control, bidi and zero-width characters (`TerminalSafeText`) so that nothing from outside can act on the
/// terminal, and, on a non-UTF-8 terminal, spells everything in ASCII.
public struct CellGrid: Sendable, Hashable {
    public let width: Int
    public let height: Int
    /// True when the terminal cannot show anything but ASCII.
    public let asciiOnly: Bool
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, asciiOnly: Bool = false) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.asciiOnly = asciiOnly
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        guard x >= 0, y >= 0, x < width, y < height else { return .blank }
        return cells[y * width + x]
    }

    /// The rows as text, joined by newlines, with trailing spaces kept (so snapshot widths are visible).
    public var text: String {
        (0..<height).map(row).joined(separator: "\n")
    }

    /// One row as text; the right halves of wide characters add nothing.
    public func row(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        var s = ""
        for x in 0..<width {
            let c = cells[y * width + x]
            if !c.isContinuation { s += c.text }
        }
        return s
    }

    /// Writes `string` from (x, y), clipped at `limit` (exclusive column, default the grid's width). Returns the
    /// column after the last cell written. This is the only way text reaches the grid.
    @discardableResult
    public mutating func write(_ string: String, x: Int, y: Int, role: ThemeRole, limit: Int? = nil) -> Int {
        let end = min(limit ?? width, width)
        guard y >= 0, y < height, x < end else { return x }
        var col = x
        let safe = CellGrid.displayable(string, asciiOnly: asciiOnly)
        for ch in safe {
            let w = CellGrid.columns(of: ch)
            if col + w > end { break }
            if col >= 0 { put(ch, width: w, x: col, y: y, role: role) }
            col += w
        }
        return col
    }

    /// Fills a rectangle with blanks in `role` (a background, a selection bar).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, role: ThemeRole) {
        for yy in max(0, y)..<min(height, y + h) {
            for xx in max(0, x)..<min(width, x + w) {
                cells[yy * width + xx] = Cell(text: " ", width: 1, role: role)
            }
        }
    }

    /// Changes the role of existing cells without touching their text (highlighting a row).
    public mutating func restyle(x: Int, y: Int, width w: Int, role: ThemeRole) {
        guard y >= 0, y < height else { return }
        for xx in max(0, x)..<min(width, x + w) { cells[y * width + xx].role = role }
    }

    private mutating func put(_ ch: Character, width w: Int, x: Int, y: Int, role: ThemeRole) {
        let i = y * width + x
        // Overwriting half of a wide character blanks its other half, so no orphan half is left behind.
        if cells[i].isContinuation, x > 0 { cells[i - 1] = Cell(text: " ", width: 1, role: cells[i - 1].role) }
        if cells[i].width == 2, x + 1 < width { cells[i + 1] = Cell(text: " ", width: 1, role: cells[i + 1].role) }
        cells[i] = Cell(text: String(ch), width: UInt8(w), role: role)
        if w == 2, x + 1 < width {
            if cells[i + 1].width == 2, x + 2 < width { cells[i + 2] = Cell(text: " ", width: 1, role: cells[i + 2].role) }
            cells[i + 1] = Cell(text: "", width: 0, role: role)
        }
    }

    // MARK: - Making text safe and measuring it

    /// Text as the grid will show it: escaped with `TerminalSafeText` (newlines included), and in ASCII when
    /// `asciiOnly`. Measuring and wrapping must use this form, since escapes are wider than what they replace.
    public static func displayable(_ string: String, asciiOnly: Bool) -> String {
        let escaped = TerminalSafeText.escape(string)
        guard asciiOnly, !escaped.utf8.allSatisfy({ $0 < 0x80 }) else { return escaped }
        var out = ""
        for scalar in escaped.unicodeScalars {
            if scalar.isASCII {
                out.unicodeScalars.append(scalar)
            } else if let t = asciiTransliterations[scalar] {
                out += t
            } else {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            }
        }
        return out
    }

    /// How many columns `string` takes once made displayable.
    public static func columns(_ string: String, asciiOnly: Bool = false) -> Int {
        displayable(string, asciiOnly: asciiOnly).reduce(0) { $0 + columns(of: $1) }
    }

    /// The columns one grapheme takes: the terminal's own `wcwidth` when the locale knows the character, else a
    /// built-in table of wide ranges. Zero-width leftovers count as one column so every grapheme stays visible.
    public static func columns(of ch: Character) -> Int {
        guard let first = ch.unicodeScalars.first else { return 1 }
        if first.value < 0x7F { return 1 }
        let w = Int(osc_wcwidth(first.value))
        if w >= 1 { return min(w, 2) }
        return isWide(first.value) ? 2 : 1
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    static let asciiTransliterations: [Unicode.Scalar: String] = [
        "…": "...", "—": "--", "–": "-", "·": ".", "§": "sec ", "→": "->", "←": "<-", "↑": "^", "↓": "v",
        "✓": "+", "✗": "x", "•": "*", "▸": ">", "▶": ">", "○": "o", "◐": "~", "⏸": "||", "‖": "||", "▲": "^", "▼": "v", "│": "|", "─": "-",
        "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+", "┼": "+",
        "“": "\"", "”": "\"", "‘": "'", "’": "'", "\u{a0}": " ", "×": "x", "⚠": "!", "ℹ": "i", "↩": "\\",
    ]
}
