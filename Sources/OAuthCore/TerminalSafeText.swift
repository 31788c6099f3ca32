/// Text from outside (query parameters, headers, bodies, JWT claims) made safe to put on a terminal: control
/// characters, DEL, C1 controls, bidirectional overrides, zero-width and other invisible characters (soft
/// hyphen, line separators, variation selectors, tag characters, Hangul fillers) are shown as escapes (`\x1b`,
/// `\u202e`, `\U000e0041`) instead of being interpreted. A callback carrying `\x1b]2;owned\x07` cannot retitle the
/// terminal, and `\u202e` cannot reverse what the user reads.
public enum TerminalSafeText {
    /// Escapes everything but printable characters. `keepNewlines` lets multi-line bodies keep their lines
    /// (and tabs); everything else is always escaped.
    public static func escape(_ s: String, keepNewlines: Bool = false) -> String {
        if isPlain(s) { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for scalar in s.unicodeScalars {
            if keepNewlines, scalar == "\n" || scalar == "\t" {
                out.unicodeScalars.append(scalar)
            } else if needsEscape(scalar) {
                out += escapeSequence(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// True when nothing in `s` needs escaping (the fast path for the common ASCII case).
    public static func isPlain(_ s: String) -> Bool {
        for b in s.utf8 where b < 0x20 || b >= 0x7F {
            if b >= 0x80 { return !s.unicodeScalars.contains(where: needsEscape) }
            return false
        }
        return true
    }

    public static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        switch v {
        case 0x00...0x1F, 0x7F, 0x80...0x9F: return true  // C0, DEL, C1
        case 0x00AD: return true  // soft hyphen: invisible unless the line breaks there
        case 0x200B...0x200F: return true  // zero-width space/joiners, LRM, RLM
        case 0x2028, 0x2029: return true  // line and paragraph separators: a line break the terminal may not show
        case 0x202A...0x202E: return true  // bidi embeddings and overrides
        case 0x2060...0x206F: return true  // word joiner, invisible operators, bidi isolates, deprecated format controls
        case 0xFEFF: return true  // zero-width no-break space / BOM
        case 0x061C: return true  // Arabic letter mark
        case 0xFFF9...0xFFFB: return true  // interlinear annotation controls
        case 0xFE00...0xFE0F, 0xE0100...0xE01EF: return true  // variation selectors: change a glyph, show nothing
        case 0xE0000...0xE007F: return true  // tag characters: invisible text riding along
        case 0x115F, 0x1160, 0x3164, 0xFFA0: return true  // Hangul fillers: blank, yet not spaces
        default: return false
        }
    }

    private static func escapeSequence(_ u: Unicode.Scalar) -> String {
        let hex = String(u.value, radix: 16)
        if u.value <= 0xFF { return "\\x" + (hex.count < 2 ? "0" + hex : hex) }
        if u.value <= 0xFFFF { return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex }
        return "\\U" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}
