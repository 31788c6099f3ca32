import CNCursesW
import Foundation

/// Copies cell grids to the terminal and reads keys. It knows nothing about flows: it writes only the cells that
/// changed since the previous frame, in the colours and attributes the theme gives each role. Only the UI thread
/// may use it (ncurses is not thread-safe).
final class NCursesScreen {
    private var previous: CellGrid?
    private var looks: [ThemeRole: (attrs: attr_t, pair: Int32)] = [:]
    private let theme: Theme

    init(theme: Theme) {
        self.theme = theme
    }

    /// Sets up colours (unless the theme has none, as with `NO_COLOR`) and the look of every role.
    func prepareColors() {
        var pairs: [ThemeColorPair: Int32] = [:]
        let colorOK = theme.usesColor && osc_start_colors(1) == Int32(OSC_OK)
        let colors = Int(osc_colors())
        for role in ThemeRole.allCases {
            var style = theme.style(role)
            var attrs = osc_attr_normal()
            var pair: Int32 = 0
            if colorOK {
                let (fg, fgBold) = Self.colorNumber(style.foreground, colors: colors)
                let (bg, _) = Self.colorNumber(style.background, colors: colors)
                if fgBold { style.bold = true }
                let key = ThemeColorPair(fg: fg, bg: bg)
                if key.fg != -1 || key.bg != -1 {
                    if let p = pairs[key] {
                        pair = p
                    } else if pairs.count + 1 < Int(osc_color_pairs()) {
                        pair = Int32(pairs.count + 1)
                        pairs[key] = pair
                        _ = osc_init_pair(pair, fg, bg)
                    }
                }
            }
            if style.bold { attrs |= osc_attr_bold() }
            if style.dim { attrs |= osc_attr_dim() }
            if style.underline { attrs |= osc_attr_underline() }
            if style.reverse { attrs |= osc_attr_reverse() }
            if style.italic { attrs |= osc_attr_italic() }
            looks[role] = (attrs, pair)
        }
    }

    private struct ThemeColorPair: Hashable {
        var fg: Int32
        var bg: Int32
    }

    /// The curses colour number; bright colours on an 8-colour terminal become the base colour in bold.
    static func colorNumber(_ c: ThemeColor, colors: Int) -> (Int32, Bool) {
        switch c {
        case .terminalDefault: return (-1, false)
        case .ansi(let n):
            if Int(n) < colors { return (Int32(n), false) }
            return (Int32(n % 8), n >= 8)
        case .indexed(let n):
            return Int(n) < colors ? (Int32(n), false) : (-1, false)
        }
    }

    /// The terminal's current size as ncurses knows it.
    var size: (width: Int, height: Int) {
        var y: Int32 = 0, x: Int32 = 0
        osc_getmaxyx(&y, &x)
        return (Int(x), Int(y))
    }

    /// After SIGWINCH: asks the kernel for the new size and tells ncurses; the next frame is drawn in full.
    func resizeFromKernel() {
        var rows: Int32 = 0, cols: Int32 = 0
        if osc_terminal_size(&rows, &cols) == Int32(OSC_OK) { _ = osc_resize(rows, cols) }
        invalidate()
    }

    /// Forgets the previous frame so the next one is written in full.
    func invalidate() {
        previous = nil
        _ = osc_clearok()
    }

    /// Writes the cells that differ from the previous frame, then refreshes once.
    func draw(_ grid: CellGrid) {
        let full = previous.map { $0.width != grid.width || $0.height != grid.height } ?? true
        if full { _ = osc_erase() }
        for y in 0..<grid.height {
            var first = -1, last = -1
            for x in 0..<grid.width where full || previous?[x, y] != grid[x, y] {
                if first < 0 { first = x }
                last = x
            }
            guard first >= 0 else { continue }
            // A changed right half means its left half must be written again.
            if first > 0, grid[first, y].width == 0 { first -= 1 }
            var x = first
            while x <= last {
                let cell = grid[x, y]
                if cell.width == 0 { x += 1; continue }
                put(cell, x: x, y: y)
                x += max(1, Int(cell.width))
            }
        }
        _ = osc_refresh()
        previous = grid
    }

    private func put(_ cell: Cell, x: Int, y: Int) {
        let look = looks[cell.role] ?? (osc_attr_normal(), 0)
        var chars = cell.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        if chars.isEmpty { chars = [wchar_t(0x20)] }
        _ = chars.withUnsafeBufferPointer { buf in
            osc_put_cell(Int32(y), Int32(x), buf.baseAddress, Int32(buf.count), look.attrs, look.pair)
        }
    }

    /// Every key waiting in the input, without blocking.
    func readKeys() -> [Key] {
        var keys: [Key] = []
        while keys.count < 256 {
            var ch: wint_t = 0
            let r = osc_get_wch(&ch)
            if r == Int32(OSC_OK) {
                keys.append(Self.key(character: UInt32(ch)))
            } else if r == Int32(OSC_KEY_CODE_YES) {
                if let k = Self.key(function: Int32(ch)) { keys.append(k) }
            } else {
                break
            }
        }
        return keys
    }

    static func key(character c: UInt32) -> Key {
        switch c {
        case 10, 13: return .enter
        case 9: return .tab
        case 27: return .escape
        case 8, 127: return .backspace
        case 3: return .interrupt
        default: return Unicode.Scalar(c).map { .char(Character($0)) } ?? .char("\u{FFFD}")
        }
    }

    static func key(function c: Int32) -> Key? {
        switch c {
        case Int32(OSC_KEY_UP): return .up
        case Int32(OSC_KEY_DOWN): return .down
        case Int32(OSC_KEY_LEFT): return .left
        case Int32(OSC_KEY_RIGHT): return .right
        case Int32(OSC_KEY_PPAGE): return .pageUp
        case Int32(OSC_KEY_NPAGE): return .pageDown
        case Int32(OSC_KEY_HOME): return .home
        case Int32(OSC_KEY_END): return .end
        case Int32(OSC_KEY_ENTER): return .enter
        case Int32(OSC_KEY_BTAB): return .backTab
        case Int32(OSC_KEY_BACKSPACE): return .backspace
        case Int32(OSC_KEY_RESIZE): return .resize
        case Int32(OSC_KEY_F1): return .char("?")
        default: return nil
        }
    }
}
