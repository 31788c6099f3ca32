import Foundation

/// How many colours a terminal can show. Themes are written in 24-bit colour and ANSI names; each style is
/// degraded to the depth at hand, so one theme file works on every terminal.
public enum ColorDepth: String, Sendable, Hashable, CaseIterable, Comparable {
    /// No colour: attributes only (`NO_COLOR`, `TERM=dumb`, or a terminal without colours).
    case none
    /// The 16 ANSI colours.
    case ansi16 = "16"
    /// The xterm 256-colour palette.
    case palette256 = "256"
    /// 24-bit colour.
    case truecolor

    /// Fewer colours sort first, so `min` picks what both sides can do.
    public static func < (a: ColorDepth, b: ColorDepth) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }

    /// What the environment says the terminal can do, before asking ncurses: `NO_COLOR` (non-empty) means none,
    /// `COLORTERM=truecolor|24bit` or a `*-direct` TERM means 24-bit, a `TERM` ending in `256color` means 256, `TERM=dumb` none, else 16.
    public static func detect(environment: [String: String]) -> ColorDepth {
        if let v = environment["NO_COLOR"], !v.isEmpty { return .none }
        let term = (environment["TERM"] ?? "").lowercased()
        if term == "dumb" { return .none }
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        if colorterm == "truecolor" || colorterm == "24bit" || term.hasSuffix("-direct") { return .truecolor }
        if term.contains("256color") { return .palette256 }
        return .ansi16
    }

    /// The depth to use given what the environment claims and what the terminal's terminfo entry reports
    /// (`COLORS`): the smaller of the two. Truecolor survives only where ncurses can draw it: a direct-colour
    /// entry (`COLORS` ≥ 2^24), or more than 256 colours that `init_extended_color` may redefine.
    public static func effective(claimed: ColorDepth, terminalColors colors: Int, canChangeColor: Bool) -> ColorDepth {
        let terminal: ColorDepth
        if colors >= 1 << 24 || (colors > 256 && canChangeColor) {
            terminal = .truecolor
        } else if colors >= 256 {
            terminal = .palette256
        } else if colors >= 8 {
            terminal = .ansi16
        } else {
            terminal = .none
        }
        return min(claimed, terminal)
    }
}

extension ThemeColor {
    /// The colour as a terminal of `depth` shows it: 24-bit colours become the nearest of the xterm 256 palette
    /// (its 6×6×6 cube and 24 greys; the first 16 are left out because each terminal sets them differently) or
    /// the nearest of the 16 ANSI colours (xterm's values), by squared distance in RGB, the lower index winning
    /// a tie. ANSI colours stay what they are down to 16; with no colour everything is the terminal default.
    public func degraded(to depth: ColorDepth) -> ThemeColor {
        switch (self, depth) {
        case (.terminalDefault, _), (_, .truecolor): return self
        case (_, .none): return .terminalDefault
        case (.ansi, _): return self
        case (.indexed, .palette256): return self
        case (.indexed(let i), .ansi16):
            if i < 16 { return .ansi(i) }
            let (r, g, b) = Palette.rgb(ofIndex: i)
            return .ansi(Palette.nearestANSI(r, g, b))
        case (.rgb(let r, let g, let b), .palette256): return .indexed(Palette.nearest256(r, g, b))
        case (.rgb(let r, let g, let b), .ansi16): return .ansi(Palette.nearestANSI(r, g, b))
        }
    }

    /// The 24-bit value the colour stands for (xterm's defaults for ANSI and indexed colours); nil for the default.
    public var rgbValue: (r: UInt8, g: UInt8, b: UInt8)? {
        switch self {
        case .terminalDefault: return nil
        case .ansi(let n): return Palette.ansi[Int(n) % 16]
        case .indexed(let i): return Palette.rgb(ofIndex: i)
        case .rgb(let r, let g, let b): return (r, g, b)
        }
    }
}

/// The reference palettes colours are matched against.
enum Palette {
    /// xterm's default values for the 16 ANSI colours.
    static let ansi: [(r: UInt8, g: UInt8, b: UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    /// The six levels of each channel in the 6×6×6 cube (indices 16–231).
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    static func rgb(ofIndex i: UInt8) -> (r: UInt8, g: UInt8, b: UInt8) {
        switch i {
        case 0..<16: return ansi[Int(i)]
        case 16..<232:
            let n = Int(i) - 16
            return (UInt8(cubeLevels[n / 36]), UInt8(cubeLevels[n / 6 % 6]), UInt8(cubeLevels[n % 6]))
        default:
            let v = UInt8(8 + 10 * (Int(i) - 232))
            return (v, v, v)
        }
    }

    static func distance(_ a: (r: UInt8, g: UInt8, b: UInt8), _ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let dr = Int(a.r) - Int(r), dg = Int(a.g) - Int(g), db = Int(a.b) - Int(b)
        return dr * dr + dg * dg + db * db
    }

    static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        var best: UInt8 = 16
        var bestDistance = Int.max
        for i in 16...255 {
            let d = distance(rgb(ofIndex: UInt8(i)), r, g, b)
            if d < bestDistance {
                bestDistance = d
                best = UInt8(i)
            }
        }
        return best
    }

    static func nearestANSI(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        var best: UInt8 = 0
        var bestDistance = Int.max
        for (i, c) in ansi.enumerated() {
            let d = distance(c, r, g, b)
            if d < bestDistance {
                bestDistance = d
                best = UInt8(i)
            }
        }
        return best
    }
}

// MARK: - Drawing a grid without ncurses

/// Turns cell grids into text with ANSI SGR escape sequences, for `oauthscope themes preview` on a terminal that
/// is not run by ncurses, or into a pipe. Each row ends with a reset, so a cut-off line never leaks its colour.
public enum ANSIText {
    /// The SGR sequence (`ESC [ … m`) that selects `style` at `depth`, starting from a reset.
    public static func sgr(_ style: ThemeStyle, depth: ColorDepth) -> String {
        let s = style.degraded(to: depth)
        var codes = ["0"]
        if s.bold { codes.append("1") }
        if s.dim { codes.append("2") }
        if s.italic { codes.append("3") }
        if s.underline { codes.append("4") }
        if s.reverse { codes.append("7") }
        if let fg = color(s.foreground, background: false) { codes.append(fg) }
        if let bg = color(s.background, background: true) { codes.append(bg) }
        return "\u{1b}[" + codes.joined(separator: ";") + "m"
    }

    static func color(_ c: ThemeColor, background: Bool) -> String? {
        switch c {
        case .terminalDefault: return nil
        case .ansi(let n): return String((n < 8 ? (background ? 40 : 30) : (background ? 100 : 90)) + Int(n % 8))
        case .indexed(let i): return (background ? "48;5;" : "38;5;") + String(i)
        case .rgb(let r, let g, let b): return (background ? "48;2;" : "38;2;") + "\(r);\(g);\(b)"
        }
    }

    /// The whole grid as lines of text; with `.none` and a theme without colour only attributes are sent. The
    /// grid's text is already terminal-safe (`CellGrid.write` escaped it).
    public static func render(_ grid: CellGrid, theme: Theme, depth: ColorDepth) -> String {
        var out = ""
        for y in 0..<grid.height {
            var current: ThemeRole?
            for x in 0..<grid.width {
                let cell = grid[x, y]
                if cell.width == 0 { continue }
                if cell.role != current {
                    out += sgr(theme.style(cell.role), depth: depth)
                    current = cell.role
                }
                out += cell.text
            }
            out += "\u{1b}[0m\n"
        }
        return out
    }
}
