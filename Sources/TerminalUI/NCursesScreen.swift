import CNCursesW
import Foundation

/// Copies cell grids to the terminal and reads keys. It knows nothing about flows: it writes only the cells that
/// changed since the previous frame, in the colours and attributes the theme gives each role. Only the UI thread
/// may use it (ncurses is not thread-safe).
final class NCursesScreen {
    private var previous: CellGrid?
    private var looks: [ThemeRole: (attrs: attr_t, pair: Int32)] = [:]
    private let theme: Theme
    private let claimedDepth: ColorDepth
    /// The depth colours are drawn in, once `prepareColors` has asked the terminal.
    private(set) var depth: ColorDepth = .none

    /// - Parameter depth: what the environment says the terminal can do (`ColorDepth.detect`); the terminal's
    ///   terminfo entry may lower it.
    init(theme: Theme, depth: ColorDepth) {
        self.theme = theme
        claimedDepth = depth
    }

    /// Sets up colours at the best depth both the environment and the terminal allow (none for `NO_COLOR` or a
    /// theme without colour) and the look of every role.
    func prepareColors() {
        var pairs: [ThemeColorPair: Int32] = [:]
        let colorOK = theme.usesColor && claimedDepth != .none && osc_start_colors(1) == Int32(OSC_OK)
        let colors = Int(osc_colors())
        let canChange = osc_can_change_color() != 0
        depth = colorOK ? ColorDepth.effective(claimed: claimedDepth, terminalColors: colors, canChangeColor: canChange) : .none
        // Redefinable slots above the 256 palette, for truecolor on a terminal that is not direct-colour.
        var slots: [ThemeColor: Int32] = [:]
        let direct = colors >= 1 << 24
        func number(_ c: ThemeColor) -> (Int32, Bool) {
            if depth == .truecolor, !direct, case .rgb(let r, let g, let b) = c {
                if let n = slots[c] { return (n, false) }
                let n = Int32(256 + slots.count)
                guard Int(n) < colors, osc_init_extended_color(n, Int32(r) * 1000 / 255, Int32(g) * 1000 / 255, Int32(b) * 1000 / 255) == Int32(OSC_OK) else {
                    return Self.colorNumber(c.degraded(to: .palette256), colors: colors)
                }
                slots[c] = n
                return (n, false)
            }
            return Self.colorNumber(c, colors: colors)
        }
        for role in ThemeRole.allCases {
            var style = theme.style(role).degraded(to: depth)
            var attrs = osc_attr_normal()
            var pair: Int32 = 0
            if depth != .none {
                let (fg, fgBold) = number(style.foreground)
                let (bg, _) = number(style.background)
                if fgBold { style.bold = true }
                let key = ThemeColorPair(fg: fg, bg: bg)
                if key.fg != -1 || key.bg != -1 {
                    if let p = pairs[key] {
                        pair = p
                    } else if pairs.count + 1 < Int(osc_color_pairs()) {
                        pair = Int32(pairs.count + 1)
                        pairs[key] = pair
                        if fg > 255 || bg > 255 {
                            _ = osc_init_extended_pair(pair, fg, bg)
                        } else {
                            _ = osc_init_pair(pair, fg, bg)
                        }
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

    /// The curses colour number for a colour already degraded to the terminal's depth. Bright colours on an
    /// 8-colour terminal become the base colour in bold. On a direct-colour terminal (`COLORS` ≥ 2^24) the
    /// number of a 24-bit colour is 0xRRGGBB and only 0–7 keep their ANSI meaning.
    static func colorNumber(_ c: ThemeColor, colors: Int) -> (Int32, Bool) {
        let direct = colors >= 1 << 24
        switch c {
        case .terminalDefault: return (-1, false)
        case .ansi(let n):
            if direct, n >= 8, let v = c.rgbValue { return (Int32(v.r) << 16 | Int32(v.g) << 8 | Int32(v.b), false) }
            if Int(n) < colors { return (Int32(n), false) }
            return (Int32(n % 8), n >= 8)
        case .indexed(let n):
            if direct, let v = c.rgbValue { return (Int32(v.r) << 16 | Int32(v.g) << 8 | Int32(v.b), false) }
            return Int(n) < colors ? (Int32(n), false) : (-1, false)
        case .rgb(let r, let g, let b):
            if direct { return (Int32(r) << 16 | Int32(g) << 8 | Int32(b), false) }
            return colorNumber(c.degraded(to: colors >= 256 ? .palette256 : .ansi16), colors: colors)
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

    /// Turns on mouse reporting (presses and the wheel) where the terminal has it.
    func enableMouse() { _ = osc_enable_mouse() }

    /// Sends bytes to the terminal outside ncurses (an OSC 52 sequence), after the current frame.
    /// The terminal bell, written like the other raw sequences: BEL, between frames.
    func bell() { writeRaw([0x07]) }

    func writeRaw(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buf.count) { osc_write_terminal($0, Int32(buf.count)) }
            }
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
                if Int32(ch) == Int32(OSC_KEY_MOUSE) {
                    var x: Int32 = 0, y: Int32 = 0, kind: Int32 = 0
                    guard osc_get_mouse(&x, &y, &kind) == Int32(OSC_OK) else { continue }
                    switch kind {
                    case 1: keys.append(.mouse(MouseEvent(.press, x: Int(x), y: Int(y))))
                    case 4: keys.append(.mouse(MouseEvent(.wheelUp, x: Int(x), y: Int(y))))
                    case 5: keys.append(.mouse(MouseEvent(.wheelDown, x: Int(x), y: Int(y))))
                    default: break
                    }
                    continue
                }
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
